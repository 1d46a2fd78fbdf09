// Sharing an image or a project: with a person (by username or email, as
// viewer or editor) or as a public read-only link that expires; the item's
// shares listed with a revoke button.
import { h, clear } from '../dom.js';
import { t, formatDate } from '../i18n.js';
import { api } from '../api.js';
import { field, form, button, busy, notify, copyButton, confirmDialog, errorText, nextId } from '../ui.js';

const DAY = 86400;
const MAX_DAYS = 90;
const DEFAULT_DAYS = 7;

// The UI's address of a link (the API's url is the JSON route).
export function shareLink(token) {
  return `${location.origin}/#/shared/${encodeURIComponent(token)}`;
}

function roleOptions() {
  return [
    { value: 'viewer', label: t('share.role_viewer') },
    { value: 'editor', label: t('share.role_editor') },
  ];
}

function roleName(role) {
  return { viewer: t('share.role_viewer'), editor: t('share.role_editor') }[role] || role;
}

function statusName(status) {
  return { live: t('share.status_live'), expired: t('share.status_expired'), revoked: t('share.status_revoked') }[status] || status;
}

// The caller's shares of this item (the API filters by image_id or
// project_id), every page of them.
async function itemShares(target) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 20; i += 1) {
    const r = await api('/api/collaboration/shares', { query: { ...target, limit: 100, cursor } });
    out.push(...r.shares);
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return out;
}

// shareControls({imageId, projectId}): the sharing section of one item.
export function shareControls({ imageId, projectId }) {
  const target = imageId ? { image_id: imageId } : { project_id: projectId };
  const headingId = nextId('share');
  const listBox = h('div', { class: 'share-list' });
  const result = h('div', { class: 'share-result', role: 'status' });

  async function refresh() {
    clear(listBox).append(h('p', { class: 'loading' }, t('common.loading')));
    try {
      const shares = await itemShares(target);
      clear(listBox);
      if (!shares.length) {
        listBox.append(h('p', { class: 'empty' }, t('share.none')));
        return;
      }
      listBox.append(h('ul', { class: 'share-items' }, shares.map((s) => {
        const who = s.public_link ? t('share.public_link') : (s.with_user ? s.with_user.username : t('share.gone_user'));
        const revoke = s.status === 'live'
          ? button(t('share.revoke'), async () => {
            const ok = await confirmDialog(s.public_link ? t('share.revoke_link_confirm') : t('share.revoke_user_confirm', { name: who }),
              { ok: t('share.revoke'), danger: true });
            if (!ok) { revoke.focus(); return; }
            try {
              await busy(revoke, api(`/api/collaboration/share/${encodeURIComponent(s.share_id)}`, { method: 'DELETE' }));
              notify(t('share.revoked'));
              await refresh();
              const title = listBox.closest('section').querySelector('h2');
              if (title) { title.tabIndex = -1; title.focus(); }
            } catch (err) {
              notify(errorText(err), 'error');
            }
          }, { kind: 'danger', 'aria-label': t('share.revoke_named', { name: who }) })
          : null;
        const until = s.status === 'revoked'
          ? t('share.revoked_at', { date: formatDate(s.revoked_at) })
          : (s.expires_at ? t('share.expires_at', { date: formatDate(s.expires_at) }) : t('share.no_expiry'));
        return h('li', { class: ['share-item', 'status-' + s.status], dataset: { id: s.share_id } },
          h('div', null,
            h('strong', null, who),
            h('span', { class: 'muted' }, ' · ', roleName(s.role)),
            h('p', { class: 'share-state' },
              h('span', { class: ['badge', 'status-' + s.status] }, statusName(s.status)),
              ' ', h('span', { class: 'muted' }, until))),
          revoke);
      })));
    } catch (err) {
      clear(listBox).append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  const withUser = form(async (data, f) => {
    const who = String(data.get('with_user') || '').trim();
    await api('/api/collaboration/share', {
      method: 'POST', body: { ...target, with_user: who, role: data.get('role') },
    });
    f.reset();
    notify(t('share.shared_with', { name: who }));
    await refresh();
  },
  field({ label: t('share.with_user'), name: 'with_user', required: true, autocomplete: 'off', maxlength: 254 }),
  field({ label: t('share.role'), name: 'role', type: 'select', options: roleOptions(), value: 'viewer' }),
  h('div', { class: 'row' }, button(t('share.share'), null, { kind: 'primary', type: 'submit' })));

  const link = form(async (data) => {
    const days = Number(data.get('expires_in'));
    if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
      throw { code: 'share_days', field: 'expires_in', message: t('share.days_range', { max: MAX_DAYS }) };
    }
    const r = await api('/api/collaboration/share', {
      method: 'POST', body: { ...target, public_link: true, expires_in: days * DAY },
    });
    const url = shareLink(r.token);
    const id = nextId('link');
    clear(result).append(h('div', { class: 'card share-made' },
      h('label', { for: id }, t('share.link_label')),
      h('div', { class: 'row share-url' },
        h('input', { id, type: 'text', readonly: true, value: url, class: 'mono', 'aria-describedby': id + '-note' }),
        copyButton(() => url, t('share.copy_link'))),
      h('p', { class: 'hint', id: id + '-note' },
        t('share.link_note', { date: formatDate(r.expires_at) }))));
    notify(t('share.link_made'));
    await refresh();
  },
  field({ label: t('share.days'), name: 'expires_in', type: 'number', min: 1, max: MAX_DAYS, step: 1,
    value: String(DEFAULT_DAYS), required: true, hint: t('share.days_hint', { max: MAX_DAYS }) }),
  h('div', { class: 'row' }, button(t('share.make_link'), null, { kind: 'primary', type: 'submit' })));

  const section = h('section', { class: 'share', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, imageId ? t('share.title_image') : t('share.title_project')),
    h('div', { class: 'share-forms' },
      h('div', { class: 'card' }, h('h3', null, t('share.person_title')), withUser),
      h('div', { class: 'card' }, h('h3', null, t('share.link_title')), h('p', { class: 'hint' }, t('share.link_intro')), link)),
    result,
    h('h3', null, t('share.list_title')),
    listBox);
  refresh();
  return section;
}
