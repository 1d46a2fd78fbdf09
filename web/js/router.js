// Hash routes (#/gallery, #/image/ID): nginx serves this one page for every
// view, and a link can be opened, bookmarked and reloaded. The only paths
// outside the hash are the ones mailed or shared as plain links
// (/reset-password?token=…), which nginx also answers with this page.

let routes = [];
let onNotFound = null;
let guard = null;
let current = null; // {route, params, query, cleanup}
let mount = null;

// A pattern like '/image/:id' as a RegExp and its parameter names.
function compile(path) {
  const names = [];
  const re = new RegExp('^' + path.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '/?$');
  return { re, names };
}

export function setRoutes(list, { notFound, before, render }) {
  routes = list.map((r) => ({ ...r, ...compile(r.path) }));
  onNotFound = notFound;
  guard = before;
  mount = render;
}

// The route of the address bar: the hash, else a plain path we serve the page at.
function location_() {
  const hash = location.hash.replace(/^#/, '');
  if (hash) {
    const [path, q = ''] = hash.split('?');
    return { path: path || '/', query: new URLSearchParams(q) };
  }
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

export function currentRoute() {
  return current;
}

// go('/gallery', {q: 'cat'}): navigate (adds a history entry).
export function go(path, query) {
  const q = query ? new URLSearchParams(query).toString() : '';
  const target = '#' + path + (q ? '?' + q : '');
  if (location.hash === target) resolve();
  else location.hash = target;
}

// href('/image/ID') for links.
export function href(path) {
  return '#' + path;
}

export async function resolve() {
  const { path, query } = location_();
  const found = match(path === '/' ? '/' : path);
  if (current && current.cleanup) {
    try { current.cleanup(); } catch (_) { /* a page's own teardown */ }
  }
  current = null;
  if (!found) {
    onNotFound(path);
    return;
  }
  const redirect = guard ? guard(found.route, path, query) : null;
  if (redirect) {
    go(redirect.path, redirect.query);
    return;
  }
  current = { route: found.route, params: found.params, query, path };
  const cleanup = await mount(current);
  if (current && current.path === path) current.cleanup = cleanup;
}

export function start() {
  window.addEventListener('hashchange', resolve);
  return resolve();
}
