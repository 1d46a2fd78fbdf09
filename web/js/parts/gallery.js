// What the gallery and the image page share: ratings, tags typed as one
// line, the lists the filters and the organize form offer (providers,
// projects), and the words for an image's operation.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { api } from '../api.js';

// Ratings 0–5 as <option>s; 0 is "not rated".
export function ratingOptions({ none } = {}) {
  const opts = [];
  if (none) opts.push({ value: '', label: none });
  for (let r = 0; r <= 5; r += 1) {
    opts.push({ value: String(r), label: r === 0 ? t('gallery.rating_none') : t('gallery.rating_n', { n: r, stars: '★'.repeat(r) }) });
  }
  return opts;
}

// "cat, night sky , cat" → ['cat', 'night sky'] (both commas, 、 and ，).
export function parseTags(text) {
  const seen = new Set();
  for (const part of String(text || '').split(/[,，、]/)) {
    const tag = part.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

// Every project the caller may see (a few pages at most), newest first.
export async function loadProjects({ signal } = {}) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 5; i += 1) {
    const r = await api('/api/collaboration/projects', { query: { limit: 100, cursor }, signal });
    out.push(...r.projects);
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return out;
}

// The providers the server knows: [{name, display_name}].
export async function loadProviders({ signal } = {}) {
  const r = await api('/api/settings/api-providers', { signal });
  return r.providers.map((p) => ({ name: p.name, display_name: p.display_name || p.name }));
}

// How an image came to be, in words (the API's operation names).
export function operationLabel(op) {
  const key = 'gallery.op.' + String(op || '').replace(/-/g, '_');
  const text = t(key);
  return text === key ? String(op) : text;
}

// The small text marks of a card: favourite and rating, never colour alone.
export function marks(img) {
  const out = [];
  if (img.favorite) out.push(h('span', { class: 'mark fav', title: t('gallery.favorite') }, '♥', h('span', { class: 'visually-hidden' }, t('gallery.favorite'))));
  if (img.rating > 0) {
    out.push(h('span', { class: 'mark rating' }, h('span', { 'aria-hidden': 'true' }, '★' + img.rating),
      h('span', { class: 'visually-hidden' }, t('gallery.rated', { n: img.rating }))));
  }
  return out;
}
