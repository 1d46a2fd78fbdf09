// An image's comments: the thread (replies under their parent), paged,
// a form to add one and a reply form under each. Bodies are shown as the
// text they are (markup included), never parsed as HTML.
import { h, clear } from '../dom.js';
import { t, formatDate, formatNumber } from '../i18n.js';
import { api, user } from '../api.js';
import { field, form, button, busy, notify, confirmDialog, errorText, nextId } from '../ui.js';

const MAX = 4000;
const PAGE = 50;

// The length the API counts: Unicode code points, not UTF-16 units.
function length(str) {
  return [...str].length;
}

// composer({label, parentId, onPosted, onCancel}): a textarea with a live
// count of its characters and a submit button.
function composer(imageId, { label, submit, parentId = null, onPosted, onCancel }) {
  const f = field({ label, name: 'body', type: 'textarea', rows: parentId ? 2 : 3, required: true });
  const ta = f.control;
  const countId = nextId('count');
  const count = h('p', { class: 'hint comment-count', id: countId });
  // The count is read with the field; "too long" is announced once.
  ta.setAttribute('aria-describedby', `${ta.getAttribute('aria-describedby')} ${countId}`);
  const over = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const update = () => {
    const n = length(ta.value);
    count.textContent = t('comments.count', { n: formatNumber(n), max: formatNumber(MAX) });
    const tooLong = n > MAX;
    count.classList.toggle('over', tooLong);
    if (tooLong !== !over.hidden) {
      over.hidden = !tooLong;
      over.textContent = tooLong ? t('comments.too_long', { max: formatNumber(MAX) }) : '';
    }
  };
  ta.addEventListener('input', update);
  update();
  const el = form(async (data) => {
    const body = data.get('body') || '';
    if (length(body) < 1 || length(body) > MAX) {
      throw { code: 'comment_length', field: 'body', message: t('comments.length', { max: formatNumber(MAX) }) };
    }
    const r = await api(`/api/collaboration/comments/${encodeURIComponent(imageId)}`, {
      method: 'POST', body: parentId ? { body, parent_id: parentId } : { body },
    });
    ta.value = '';
    update();
    onPosted(r.comment);
  },
  f, count, over,
  h('div', { class: 'row' },
    button(submit, null, { kind: 'primary', type: 'submit' }),
    onCancel ? button(t('common.cancel'), onCancel) : null));
  el.classList.add('comment-form');
  el.textarea = ta;
  return el;
}

// comments(imageId): the comments of an image, as an element to mount.
export function comments(imageId) {
  const headingId = nextId('comments');
  const status = h('p', { class: 'muted', role: 'status' });
  const list = h('ul', { class: 'comment-list' });
  const more = button(t('comments.more'), () => busy(more, load()));
  more.hidden = true;
  const nodes = new Map(); // comment id → its <li>
  let cursor = null;
  let shown = 0;

  const me = () => (user() ? user().id : null);

  function noteCount() {
    status.textContent = shown === 0 ? t('comments.none') : '';
  }

  function replies(li) {
    let ul = li.querySelector(':scope > .comment-list');
    if (!ul) {
      ul = h('ul', { class: 'comment-list' });
      li.append(ul);
    }
    return ul;
  }

  function item(c) {
    const deleted = c.deleted || c.body === null;
    const actions = h('div', { class: 'row comment-actions' });
    const li = h('li', { class: 'comment', dataset: { id: c.id } });
    const author = c.author ? c.author.username : t('comments.gone');
    const art = h('article', { 'aria-label': deleted ? t('comments.deleted') : t('comments.by', { name: author }) },
      h('p', { class: 'comment-meta' },
        deleted ? h('span', { class: 'muted' }, t('comments.deleted')) : h('strong', null, author),
        ' · ',
        h('time', { datetime: c.created_at }, formatDate(c.created_at)),
        c.updated_at && !deleted ? h('span', { class: 'muted' }, ' · ', t('comments.edited')) : null),
      deleted ? null : h('p', { class: 'comment-body' }, c.body),
      actions);
    li.append(art);
    if (!deleted) {
      const reply = button(t('comments.reply'), () => {
        const open = li.querySelector(':scope > .comment-form');
        if (open) { open.textarea.focus(); return; }
        const fm = composer(imageId, {
          label: t('comments.reply_to', { name: author }),
          submit: t('comments.reply_send'),
          parentId: c.id,
          onPosted: (nc) => {
            fm.remove();
            add(nc);
            reply.focus();
            notify(t('comments.posted'));
          },
          onCancel: () => { fm.remove(); reply.focus(); },
        });
        art.after(fm);
        fm.textarea.focus();
      }, { kind: 'link' });
      actions.append(reply);
      if (c.author && c.author.id === me()) {
        const del = button(t('comments.delete'), async () => {
          if (!(await confirmDialog(t('comments.delete_confirm'), { ok: t('comments.delete'), danger: true }))) return;
          try {
            const r = await busy(del, api(`/api/collaboration/comments/${encodeURIComponent(imageId)}/${encodeURIComponent(c.id)}`, { method: 'DELETE' }));
            if (r.kept_as_deleted) {
              art.replaceWith(item({ ...c, deleted: true, body: null, author: null }).firstChild);
            } else {
              li.remove();
              shown -= 1;
              noteCount();
            }
            notify(t('comments.deleted_done'));
          } catch (err) {
            notify(errorText(err), 'error');
          }
        }, { kind: 'link' });
        actions.append(del);
      }
    }
    return li;
  }

  function add(c) {
    if (nodes.has(c.id)) return;
    const li = item(c);
    nodes.set(c.id, li);
    const parent = c.parent_id ? nodes.get(c.parent_id) : null;
    (parent ? replies(parent) : list).append(li);
    shown += 1;
    noteCount();
  }

  async function load() {
    try {
      const r = await api(`/api/collaboration/comments/${encodeURIComponent(imageId)}`, {
        query: { limit: PAGE, cursor },
      });
      for (const c of r.comments) add(c);
      cursor = r.next_cursor;
      more.hidden = !cursor;
      noteCount();
    } catch (err) {
      status.textContent = '';
      errorBox.textContent = errorText(err);
      errorBox.hidden = false;
    }
  }

  const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const top = composer(imageId, {
    label: t('comments.add'),
    submit: t('comments.send'),
    onPosted: (c) => { add(c); notify(t('comments.posted')); },
  });
  const section = h('section', { class: 'comments', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, t('comments.title')),
    errorBox, status, list, more, top);
  status.textContent = t('common.loading');
  clear(list);
  load();
  return section;
}
