// An image as the pages show it: a lazily loaded thumbnail with its prompt
// as the alternative text and caption.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { href } from '../router.js';

// The text that names an image: its title, else its prompt, else its file.
export function imageLabel(img) {
  return img.title || img.prompt || img.filename || t('image.untitled');
}

// thumb(img, {link}): <figure> with the thumbnail (the full image when there
// is no thumbnail), linking to the image's page unless link is false.
export function thumb(img, { link = true, extra } = {}) {
  const label = imageLabel(img);
  const pic = h('img', {
    src: img.thumbnail_url || img.url, alt: label, loading: 'lazy', decoding: 'async',
    width: 256, height: 256,
  });
  const body = [pic, h('figcaption', null, label)];
  return h('figure', { class: 'thumb', dataset: { id: img.id } },
    link ? h('a', { href: href('/image/' + encodeURIComponent(img.id)) }, body) : body, extra);
}
