// Building the page from data. Every string a user or the API supplied
// becomes a text node or an attribute value: nothing here parses HTML, so a
// prompt or a comment holding markup is shown as the characters it is.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if ((k === 'value' || k === 'checked' || k === 'selected' || k === 'indeterminate') && k in el) {
      el[k] = v; // properties, so that a re-render keeps the control's state right
    } else if (k === 'href' || k === 'src') {
      el.setAttribute(k, safeUrl(v));
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

// append(el, children): strings and numbers become text nodes; arrays are
// flattened; null, undefined and false are skipped.
export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// h('button', {class: 'primary', onclick}, 'Save') → <button class="primary">Save</button>
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  return append(el, children);
}

// The same for SVG elements (charts).
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  return append(el, children);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// Only same-origin paths, blob: and data:image URLs, and http(s) URLs may
// become a link or an image source; anything else (javascript:, …) becomes '#'.
export function safeUrl(u) {
  const str = String(u);
  if (/^(\/(?!\/)|#|\?|blob:|data:image\/)/.test(str)) return str;
  try {
    const url = new URL(str, location.href);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
  } catch (_) { /* not a URL */ }
  return '#';
}

// debounce(fn, ms): fn called once, ms after the last call.
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
