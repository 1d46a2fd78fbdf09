// One image (#/image/ID): the full picture, how it was made (parameters and
// lineage), its title, rating, favourite, tags and folder, the processing
// tools with a preview drawn in the browser before anything is sent, and
// the comments and sharing parts.
import { h, clear, append } from '../dom.js';
import { t, formatDate, formatNumber } from '../i18n.js';
import { api } from '../api.js';
import { go, href } from '../router.js';
import { thumb, imageLabel } from '../parts/images.js';
import { ratingOptions, parseTags, operationLabel, marks } from '../parts/gallery.js';
import { page, field, form, button, notify, errorText, spinner, empty } from '../ui.js';

const KINDS = ['resize', 'crop', 'rotate', 'flip', 'filter', 'watermark', 'convert'];
const FILTERS = ['grayscale', 'sepia', 'blur', 'sharpen', 'invert', 'brightness', 'contrast', 'emboss', 'edge', 'pixelate'];
const POSITIONS = ['top-left', 'top', 'top-right', 'left', 'center', 'right', 'bottom-left', 'bottom', 'bottom-right'];
const MAX_PREVIEW_PIXELS = 4096 * 4096;

function notFound(view) {
  page(view, t('gallery.missing_title'),
    h('p', { class: 'empty', role: 'alert' }, t('gallery.missing')),
    h('p', null, h('a', { href: href('/gallery') }, t('gallery.back'))));
}

// One <dt>/<dd> pair, or nothing when the value is empty.
function row(label, value, cls) {
  if (value === null || value === undefined || value === '') return null;
  return [h('dt', null, label), h('dd', { class: cls }, value)];
}

function humanBytes(n) {
  if (n >= 1048576) return t('gallery.mb', { n: formatNumber(n / 1048576, { maximumFractionDigits: 1 }) });
  return t('gallery.kb', { n: formatNumber(Math.max(1, Math.round(n / 1024))) });
}

// — the processing operations, in words and drawn on a canvas —

export function describe(op) {
  switch (op.op) {
    case 'resize': return t('gallery.d_resize', { w: op.width || '—', h: op.height || '—', fit: t(`gallery.fit_${(op.fit || 'contain')}`) });
    case 'crop': return t('gallery.d_crop', { x: op.x, y: op.y, w: op.width, h: op.height });
    case 'rotate': return t('gallery.d_rotate', { deg: op.degrees });
    case 'flip': return t(`gallery.d_flip_${op.direction}`);
    case 'filter': return t('gallery.d_filter', { name: t(`gallery.filter_${op.name}`) }) +
      (op.amount !== undefined ? ' (' + op.amount + ')' : '');
    case 'watermark': return t('gallery.d_watermark', { text: op.text, pos: t(`gallery.pos_${op.position}`) });
    case 'convert': return t('gallery.d_convert', { format: op.format.toUpperCase() }) +
      (op.quality !== undefined && op.format !== 'png' ? ' (' + op.quality + ')' : '');
    default: return op.op;
  }
}

function canvasOf(w, hgt) {
  const c = document.createElement('canvas');
  c.width = Math.max(1, Math.round(w));
  c.height = Math.max(1, Math.round(hgt));
  return c;
}

function convolve(src, kernel) {
  const ctx = src.getContext('2d');
  const { width: w, height: ht } = src;
  const input = ctx.getImageData(0, 0, w, ht);
  const out = ctx.createImageData(w, ht);
  const a = input.data;
  const o = out.data;
  for (let y = 0; y < ht; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const i = (y * w + x) * 4;
      for (let ch = 0; ch < 3; ch += 1) {
        let sum = 0;
        for (let ky = -1; ky <= 1; ky += 1) {
          const yy = Math.min(ht - 1, Math.max(0, y + ky));
          for (let kx = -1; kx <= 1; kx += 1) {
            const xx = Math.min(w - 1, Math.max(0, x + kx));
            sum += a[(yy * w + xx) * 4 + ch] * kernel[(ky + 1) * 3 + kx + 1];
          }
        }
        o[i + ch] = sum;
      }
      o[i + 3] = a[i + 3];
    }
  }
  const c = canvasOf(w, ht);
  c.getContext('2d').putImageData(out, 0, 0);
  return c;
}

// apply(canvas, op) → a new canvas: the browser's idea of what the server
// does, close enough to judge the result before asking for it.
function applyOp(c, op) {
  const W = c.width;
  const H = c.height;
  switch (op.op) {
    case 'resize': {
      let w = op.width;
      let ht = op.height;
      const fit = op.fit || 'contain';
      if (w && !ht) ht = (H * w) / W;
      else if (ht && !w) w = (W * ht) / H;
      else if (fit === 'contain') {
        const s = Math.min(w / W, ht / H);
        w = W * s; ht = H * s;
      }
      const out = canvasOf(w, ht);
      const ctx = out.getContext('2d');
      if (op.width && op.height && fit === 'cover') {
        const s = Math.max(out.width / W, out.height / H);
        ctx.drawImage(c, (out.width - W * s) / 2, (out.height - H * s) / 2, W * s, H * s);
      } else {
        ctx.drawImage(c, 0, 0, out.width, out.height);
      }
      return out;
    }
    case 'crop': {
      if (op.x + op.width > W || op.y + op.height > H) throw new Error(t('gallery.crop_outside', { w: W, h: H }));
      const out = canvasOf(op.width, op.height);
      out.getContext('2d').drawImage(c, op.x, op.y, op.width, op.height, 0, 0, op.width, op.height);
      return out;
    }
    case 'rotate': {
      const rad = (op.degrees * Math.PI) / 180;
      const cos = Math.abs(Math.cos(rad));
      const sin = Math.abs(Math.sin(rad));
      const out = canvasOf(Math.round(W * cos + H * sin), Math.round(W * sin + H * cos));
      const ctx = out.getContext('2d');
      if (op.background && op.background !== 'transparent') {
        ctx.fillStyle = op.background;
        ctx.fillRect(0, 0, out.width, out.height);
      }
      ctx.translate(out.width / 2, out.height / 2);
      ctx.rotate(rad);
      ctx.drawImage(c, -W / 2, -H / 2);
      return out;
    }
    case 'flip': {
      const out = canvasOf(W, H);
      const ctx = out.getContext('2d');
      if (op.direction === 'horizontal') { ctx.translate(W, 0); ctx.scale(-1, 1); } else { ctx.translate(0, H); ctx.scale(1, -1); }
      ctx.drawImage(c, 0, 0);
      return out;
    }
    case 'filter': {
      const a = op.amount;
      if (op.name === 'sharpen') {
        const k = a === undefined ? 1 : a;
        return convolve(c, [0, -k, 0, -k, 1 + 4 * k, -k, 0, -k, 0]);
      }
      if (op.name === 'emboss') return convolve(c, [-2, -1, 0, -1, 1, 1, 0, 1, 2]);
      if (op.name === 'edge') return convolve(c, [-1, -1, -1, -1, 8, -1, -1, -1, -1]);
      const out = canvasOf(W, H);
      const ctx = out.getContext('2d');
      if (op.name === 'pixelate') {
        const size = a === undefined ? 8 : a;
        const small = canvasOf(W / size, H / size);
        small.getContext('2d').drawImage(c, 0, 0, small.width, small.height);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(small, 0, 0, W, H);
        return out;
      }
      const css = {
        grayscale: `grayscale(${a === undefined ? 1 : a})`,
        sepia: `sepia(${a === undefined ? 1 : a})`,
        invert: `invert(${a === undefined ? 1 : a})`,
        blur: `blur(${a === undefined ? 2 : a}px)`,
        brightness: `brightness(${1 + (a === undefined ? 20 : a) / 100})`,
        contrast: `contrast(${1 + (a === undefined ? 20 : a) / 100})`,
      }[op.name];
      ctx.filter = css || 'none';
      ctx.drawImage(c, 0, 0);
      return out;
    }
    case 'watermark': {
      const out = canvasOf(W, H);
      const ctx = out.getContext('2d');
      ctx.drawImage(c, 0, 0);
      const size = Math.max(12, Math.round(Math.min(W, H) / 12));
      const m = size / 2;
      const pos = op.position || 'bottom-right';
      ctx.font = `600 ${size}px system-ui, sans-serif`;
      ctx.textAlign = pos.endsWith('left') || pos === 'left' ? 'left' : pos.endsWith('right') || pos === 'right' ? 'right' : 'center';
      ctx.textBaseline = pos.startsWith('top') ? 'top' : pos.startsWith('bottom') ? 'bottom' : 'middle';
      const x = ctx.textAlign === 'left' ? m : ctx.textAlign === 'right' ? W - m : W / 2;
      const y = ctx.textBaseline === 'top' ? m : ctx.textBaseline === 'bottom' ? H - m : H / 2;
      ctx.globalAlpha = op.opacity === undefined ? 0.5 : op.opacity;
      ctx.fillStyle = '#ffffff';
      ctx.strokeStyle = '#000000';
      ctx.lineWidth = Math.max(1, size / 12);
      ctx.strokeText(op.text, x, y);
      ctx.fillText(op.text, x, y);
      return out;
    }
    default: // convert: the pixels do not change
      return c;
  }
}

// — the operation editor: one kind at a time, added to an ordered list —

function num(name, label, attrs = {}) {
  return field({ label, name, type: 'number', ...attrs });
}

function kindFields(kind, dims) {
  switch (kind) {
    case 'resize': return [
      num('width', t('gallery.p_width'), { min: 1, max: 65535, value: String(Math.round(dims.w / 2)) }),
      num('height', t('gallery.p_height'), { min: 1, max: 65535, hint: t('gallery.p_keep_ratio') }),
      field({ label: t('gallery.p_fit'), name: 'fit', type: 'select', value: 'contain',
        options: ['contain', 'cover', 'fill'].map((f) => ({ value: f, label: t(`gallery.fit_${f}`) })) })];
    case 'crop': return [
      num('x', t('gallery.p_x'), { min: 0, value: '0' }), num('y', t('gallery.p_y'), { min: 0, value: '0' }),
      num('width', t('gallery.p_width'), { min: 1, value: String(dims.w) }),
      num('height', t('gallery.p_height'), { min: 1, value: String(dims.h) })];
    case 'rotate': return [
      num('degrees', t('gallery.p_degrees'), { min: -360, max: 360, step: 'any', value: '90', hint: t('gallery.p_degrees_hint') }),
      field({ label: t('gallery.p_background'), name: 'background', value: '', placeholder: '#ffffff', hint: t('gallery.p_background_hint') })];
    case 'flip': return [
      field({ label: t('gallery.p_direction'), name: 'direction', type: 'select', value: 'horizontal',
        options: ['horizontal', 'vertical'].map((d) => ({ value: d, label: t(`gallery.dir_${d}`) })) })];
    case 'filter': return [
      field({ label: t('gallery.p_filter'), name: 'name', type: 'select', value: 'grayscale',
        options: FILTERS.map((f) => ({ value: f, label: t(`gallery.filter_${f}`) })) }),
      num('amount', t('gallery.p_amount'), { step: 'any', hint: t('gallery.p_amount_hint') })];
    case 'watermark': return [
      field({ label: t('gallery.p_text'), name: 'text', maxlength: 100, value: '' }),
      field({ label: t('gallery.p_position'), name: 'position', type: 'select', value: 'bottom-right',
        options: POSITIONS.map((p) => ({ value: p, label: t(`gallery.pos_${p}`) })) }),
      num('opacity', t('gallery.p_opacity'), { min: 0, max: 1, step: 0.05, value: '0.5' })];
    case 'convert': return [
      field({ label: t('gallery.p_format'), name: 'format', type: 'select', value: 'png',
        options: ['png', 'jpeg', 'webp'].map((f) => ({ value: f, label: f.toUpperCase() })) }),
      num('quality', t('gallery.p_quality'), { min: 1, max: 100, value: '90', hint: t('gallery.p_quality_hint') })];
    default: return [];
  }
}

// The operation the fields describe, as the API takes it (numbers as
// numbers, empty optional fields left out). Throws {field, message} on a
// missing required value.
function readOp(kind, box) {
  const op = { op: kind };
  const bad = (name, key) => { const e = new Error(t(key)); e.field = name; throw e; };
  for (const el of box.querySelectorAll('input, select')) {
    const v = el.value.trim();
    if (v === '') continue;
    if (el.type === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) bad(el.name, 'gallery.not_number');
      op[el.name] = ['degrees', 'amount', 'opacity'].includes(el.name) ? n : Math.round(n);
    } else {
      op[el.name] = v;
    }
  }
  const need = { crop: ['x', 'y', 'width', 'height'], rotate: ['degrees'], watermark: ['text'] }[kind] || [];
  for (const n of need) if (op[n] === undefined) bad(n, 'gallery.required');
  if (kind === 'resize' && op.width === undefined && op.height === undefined) bad('width', 'gallery.resize_need');
  return op;
}

function processTools(img) {
  const ops = [];
  let source = null; // the loaded picture, a canvas
  const dims = { w: img.width, h: img.height };

  const kindSel = field({ label: t('gallery.p_kind'), name: 'kind', type: 'select', value: 'resize',
    options: KINDS.map((k) => ({ value: k, label: t(`gallery.kind_${k}`) })) });
  const fieldsBox = h('div', { class: 'gallery-filter-grid op-fields' });
  const setKind = () => append(clear(fieldsBox), kindFields(kindSel.control.value, dims));
  kindSel.control.addEventListener('change', setKind);
  setKind();

  const opsList = h('ol', { class: 'op-list', 'aria-live': 'polite' });
  const noOps = h('p', { class: 'muted' }, t('gallery.no_ops'));
  const canvasBox = h('div', { class: 'preview-box' });
  const previewNote = h('p', { class: 'hint', role: 'status' });
  const applyBtn = button(t('gallery.apply_ops'), null, { kind: 'primary', type: 'submit' });

  function preview() {
    clear(canvasBox);
    if (!source) return;
    let c = source;
    try {
      for (const op of ops) c = applyOp(c, op);
    } catch (err) {
      previewNote.textContent = err.message;
      return;
    }
    const view = canvasOf(c.width, c.height);
    view.getContext('2d').drawImage(c, 0, 0);
    view.setAttribute('role', 'img');
    view.setAttribute('aria-label', ops.length ? t('gallery.preview_of', { ops: ops.map(describe).join(', ') }) : t('gallery.preview_none'));
    view.className = 'preview-canvas';
    canvasBox.append(view);
    const conv = [...ops].reverse().find((o) => o.op === 'convert');
    previewNote.textContent = t('gallery.preview_size', {
      w: c.width, h: c.height, format: (conv ? conv.format : (img.mime_type || 'image/png').replace('image/', '')).toUpperCase(),
    });
  }

  function renderOps() {
    clear(opsList);
    ops.forEach((op, i) => {
      opsList.append(h('li', null, h('span', null, describe(op)), ' ',
        button(t('gallery.remove_op'), () => { ops.splice(i, 1); renderOps(); },
          { kind: 'link', 'aria-label': t('gallery.remove_op_n', { n: i + 1, op: describe(op) }) })));
    });
    noOps.hidden = ops.length > 0;
    applyBtn.disabled = ops.length === 0;
    preview();
  }

  const addBtn = button(t('gallery.add_op'), () => {
    const f = addBtn.closest('form');
    try {
      if (ops.length >= 10) throw new Error(t('gallery.too_many_ops'));
      ops.push(readOp(kindSel.control.value, fieldsBox));
      renderOps();
      const msg = f.querySelector('.form-error');
      msg.hidden = true;
      notify(t('gallery.op_added', { op: describe(ops[ops.length - 1]) }));
    } catch (err) {
      const ctl = err.field && fieldsBox.querySelector(`[name="${err.field}"]`);
      const msg = f.querySelector('.form-error');
      msg.textContent = err.message;
      msg.hidden = false;
      if (ctl) ctl.focus();
    }
  });

  const toolsForm = form(async () => {
    if (!ops.length) throw new Error(t('gallery.no_ops'));
    const r = await api('/api/image/process', { method: 'POST', body: { image_id: img.id, operations: ops } });
    notify(t('gallery.processed'));
    go('/image/' + encodeURIComponent(r.image.id));
  },
  h('div', { class: 'op-editor' },
    h('fieldset', null, h('legend', null, t('gallery.add_legend')), kindSel, fieldsBox, h('div', { class: 'row' }, addBtn)),
    h('div', { class: 'op-chosen' },
      h('h3', null, t('gallery.chosen_ops')), noOps, opsList,
      h('h3', null, t('gallery.preview')), canvasBox, previewNote,
      h('div', { class: 'row' }, applyBtn,
        button(t('gallery.clear_ops'), () => { ops.length = 0; renderOps(); })))));
  toolsForm.classList.add('process-form');

  // The picture for the preview (same origin, so the canvas may read it).
  const pic = new Image();
  pic.decoding = 'async';
  pic.src = img.url;
  pic.decode().then(() => {
    if (pic.naturalWidth * pic.naturalHeight > MAX_PREVIEW_PIXELS) {
      previewNote.textContent = t('gallery.preview_too_big');
      return;
    }
    source = canvasOf(pic.naturalWidth, pic.naturalHeight);
    source.getContext('2d').drawImage(pic, 0, 0);
    dims.w = pic.naturalWidth;
    dims.h = pic.naturalHeight;
    preview();
  }, () => { previewNote.textContent = t('gallery.preview_failed'); });
  renderOps();
  return toolsForm;
}

function editForm(img, onSaved) {
  return form(async (data) => {
    const folder = String(data.get('folder') || '').trim();
    const r = await api('/api/images/' + encodeURIComponent(img.id), {
      method: 'PATCH',
      body: {
        title: String(data.get('title') || '').trim() || null,
        rating: Number(data.get('rating')),
        favorite: data.get('favorite') === 'on',
        tags: parseTags(data.get('tags')),
        folder: folder || null,
      },
    });
    notify(t('common.saved'));
    onSaved(r.image);
  },
  h('div', { class: 'gallery-filter-grid' },
    field({ label: t('gallery.e_title'), name: 'title', value: img.title || '', maxlength: 200 }),
    field({ label: t('gallery.e_rating'), name: 'rating', type: 'select', value: String(img.rating || 0), options: ratingOptions() }),
    field({ label: t('gallery.e_tags'), name: 'tags', value: (img.tags || []).join(', '), hint: t('gallery.tags_hint') }),
    field({ label: t('gallery.e_folder'), name: 'folder', value: img.folder || '', maxlength: 255 }),
    field({ label: t('gallery.favorite'), name: 'favorite', type: 'checkbox', checked: !!img.favorite })),
  h('div', { class: 'row' }, button(t('common.save'), null, { kind: 'primary', type: 'submit' })));
}

// A related image as a small card; a link with its id when it cannot be read.
async function related(id, signal) {
  try {
    const r = await api('/api/images/' + encodeURIComponent(id), { signal });
    return h('li', null, thumb(r.image));
  } catch (err) {
    if (signal.aborted) return null;
    return h('li', null, h('a', { href: href('/image/' + encodeURIComponent(id)) }, t('gallery.image_n', { id: id.slice(0, 8) })),
      ' ', h('span', { class: 'muted' }, errorText(err)));
  }
}

function lineage(img, signal) {
  const parentBox = h('div', { class: 'lineage-parent' });
  const childList = h('ul', { class: 'thumbs lineage-children' });
  const sec = h('section', { class: 'image-lineage', 'aria-labelledby': 'lineage-h' },
    h('h2', { id: 'lineage-h' }, t('gallery.lineage')),
    h('dl', { class: 'params' }, row(t('gallery.operation'), operationLabel(img.operation))),
    h('h3', null, t('gallery.parent')), parentBox,
    h('h3', null, t('gallery.children', { n: formatNumber((img.children || []).length) })), childList);
  if (img.parent_id) {
    parentBox.append(spinner());
    related(img.parent_id, signal).then((li) => {
      clear(parentBox);
      if (li) parentBox.append(h('ul', { class: 'thumbs' }, li));
    });
  } else {
    parentBox.append(empty(t('gallery.no_parent')));
  }
  const kids = img.children || [];
  if (!kids.length) childList.replaceWith(empty(t('gallery.no_children')));
  else {
    Promise.all(kids.slice(0, 24).map((c) => related(c, signal))).then((items) => append(childList, items));
  }
  return sec;
}

// Comments and sharing: parts of their own, loaded when this page needs them.
function mountPart(box, load, make) {
  load().then((mod) => {
    box.replaceChildren(make(mod));
  }, (err) => {
    box.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, t('gallery.part_failed', { message: errorText(err) })));
  });
}

export async function render(view, { params }) {
  const ctrl = new AbortController();
  page(view, t('gallery.image_title'), spinner());
  let img;
  try {
    img = (await api('/api/images/' + encodeURIComponent(params.id), { signal: ctrl.signal })).image;
  } catch (err) {
    if (err.status === 404 || err.status === 400) {
      notFound(view);
      return null;
    }
    throw err;
  }

  const label = imageLabel(img);
  const titleEl = () => view.querySelector('h1');
  const marksBox = h('p', { class: 'card-marks image-marks' }, marks(img));
  const paramsList = h('dl', { class: 'params' });
  function fillParams(x) {
    append(clear(paramsList),
      row(t('gallery.prompt'), x.prompt, 'prompt'),
      row(t('gallery.negative_prompt'), x.negative_prompt, 'prompt'),
      row(t('gallery.provider'), x.provider),
      row(t('gallery.model'), x.model),
      row(t('gallery.size'), t('gallery.dims', { w: x.width, h: x.height })),
      row(t('gallery.seed'), x.seed === null || x.seed === undefined ? null : String(x.seed), 'mono'),
      row(t('gallery.created'), formatDate(x.created_at)),
      row(t('gallery.file'), `${(x.mime_type || '').replace('image/', '').toUpperCase()} · ${humanBytes(x.size_bytes || 0)}`),
      row(t('gallery.e_tags'), (x.tags || []).length ? x.tags.join(', ') : null),
      row(t('gallery.e_folder'), x.folder));
  }
  fillParams(img);

  const comments = h('div', { class: 'image-part' }, spinner());
  // Sharing is the owner's (API: role owner; anyone else's share is a 403).
  const share = img.role === 'owner' ? h('div', { class: 'image-part' }, spinner()) : null;

  page(view, label,
    h('p', { class: 'back' }, h('a', { href: href('/gallery') }, t('gallery.back'))),
    h('div', { class: 'image-layout' },
      h('figure', { class: 'image-full' },
        h('img', { src: img.url, alt: label, width: img.width, height: img.height }),
        h('figcaption', { class: 'row' }, marksBox,
          h('a', { class: 'btn', href: img.url, download: img.filename }, t('gallery.download')))),
      h('div', { class: 'image-side' },
        h('section', { class: 'image-info', 'aria-labelledby': 'params-h' },
          h('h2', { id: 'params-h' }, t('gallery.parameters')), paramsList),
        lineage(img, ctrl.signal))),
    h('section', { 'aria-labelledby': 'edit-h' },
      h('h2', { id: 'edit-h' }, t('gallery.edit')),
      editForm(img, (fresh) => {
        img = { ...img, ...fresh };
        const name = imageLabel(img);
        titleEl().textContent = name;
        document.title = `${name} · imagegen`;
        append(clear(marksBox), marks(img));
        fillParams(img);
      })),
    h('section', { 'aria-labelledby': 'process-h' },
      h('h2', { id: 'process-h' }, t('gallery.process')),
      h('p', { class: 'hint' }, t('gallery.process_intro')),
      processTools(img)),
    comments, share);

  mountPart(comments, () => import('../parts/comments.js'), (m) => m.comments(img.id));
  if (share) mountPart(share, () => import('../parts/share.js'), (m) => m.shareControls({ imageId: img.id }));

  return () => ctrl.abort();
}
