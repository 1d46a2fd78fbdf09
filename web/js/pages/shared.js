// What a public link shows (#/shared/TOKEN), read-only and without an
// account: the shared image, or the shared project's images a page at a
// time. An expired, revoked or unknown link says so plainly.
import { h, clear } from '../dom.js';
import { t, formatDate } from '../i18n.js';
import { api, signedIn } from '../api.js';
import { href } from '../router.js';
import { page, button, busy, empty, spinner, errorText } from '../ui.js';
import { imageLabel } from '../parts/images.js';

const PAGE = 24;

function details(img) {
  return h('dl', { class: 'shared-facts' },
    h('dt', null, t('shared.prompt')), h('dd', { class: 'prompt' }, img.prompt),
    img.negative_prompt ? [h('dt', null, t('shared.negative')), h('dd', null, img.negative_prompt)] : null,
    h('dt', null, t('shared.made_with')), h('dd', null, [img.provider, img.model].filter(Boolean).join(' · ')),
    h('dt', null, t('shared.size')), h('dd', null, t('shared.pixels', { w: img.width, h: img.height })),
    h('dt', null, t('shared.created')), h('dd', null, h('time', { datetime: img.created_at }, formatDate(img.created_at))));
}

function bigImage(img) {
  return h('figure', { class: 'shared-image' },
    h('a', { href: img.url, title: t('shared.full_size') },
      h('img', { src: img.url, alt: imageLabel(img), width: img.width, height: img.height })),
    h('figcaption', null, details(img)));
}

// A project's image as a link shows it: no image page to open (it is not
// the visitor's), the full image instead.
function smallImage(img) {
  const label = imageLabel(img);
  return h('li', null, h('figure', { class: 'thumb' },
    h('a', { href: img.url, 'aria-label': t('shared.open_full', { name: label }) },
      h('img', { src: img.thumbnail_url || img.url, alt: label, loading: 'lazy', decoding: 'async', width: 256, height: 256 })),
    h('figcaption', null, label)));
}

function gone(view) {
  page(view, t('shared.gone_title'),
    h('div', { class: 'card shared-gone', role: 'alert' },
      h('p', null, t('shared.gone')),
      h('p', { class: 'muted' }, t('shared.gone_hint'))),
    h('p', null, signedIn()
      ? h('a', { href: href('/generate') }, t('shared.to_app'))
      : h('a', { href: href('/login') }, t('shared.to_login'))));
}

export async function render(view, { params }) {
  const token = params.token;
  const path = `/api/collaboration/shared/${encodeURIComponent(token)}`;
  clear(view).append(spinner());
  let r;
  try {
    r = await api(path, { query: { limit: PAGE } });
  } catch (err) {
    if (err.status === 404) { gone(view); return; }
    page(view, t('error.title'), h('p', { role: 'alert' }, errorText(err)));
    return;
  }
  const note = h('p', { class: 'shared-note muted' }, t('shared.read_only'));
  if (r.image) {
    page(view, t('shared.image_title'), note, bigImage(r.image));
    return;
  }
  const p = r.project;
  const grid = h('ul', { class: 'thumbs' }, p.images.map(smallImage));
  let cursor = r.next_cursor;
  const status = h('div', { role: 'status' }, p.images.length ? null : empty(t('shared.no_images')));
  const more = button(t('shared.more'), () => busy(more, (async () => {
    try {
      const n = await api(path, { query: { limit: PAGE, cursor } });
      grid.append(...n.project.images.map(smallImage));
      cursor = n.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      if (err.status === 404) { gone(view); return; }
      clear(status).append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  })()));
  more.hidden = !cursor;
  page(view, p.name, note,
    p.description ? h('p', { class: 'project-desc' }, p.description) : null,
    h('h2', null, t('shared.images')), status, grid, more);
}
