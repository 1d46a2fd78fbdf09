// Projects: the list (create one), and one project with its images, its
// members and their roles, its settings and its sharing. #/projects/ID?image=IMG
// opens one of its images beside the project: the image, its comments and
// its sharing.
import { h, clear } from '../dom.js';
import { t, formatDate, formatNumber } from '../i18n.js';
import { api, user } from '../api.js';
import { go, href } from '../router.js';
import { page, field, form, button, busy, notify, confirmDialog, empty, spinner, errorText, nextId } from '../ui.js';
import { thumb, imageLabel } from '../parts/images.js';
import { comments } from '../parts/comments.js';
import { shareControls } from '../parts/share.js';

const PAGE = 24;

function roleName(role) {
  return { owner: t('projects.role_owner'), editor: t('projects.role_editor'), viewer: t('projects.role_viewer') }[role] || role;
}

// "1 image", "3 images": the catalogues have a singular where a language has one.
function people(n) {
  return n === 1 ? t('projects.members_one') : t('projects.members_n', { n: formatNumber(n) });
}

function images(n) {
  return n === 1 ? t('projects.images_one') : t('projects.images_n', { n: formatNumber(n) });
}

function roleBadge(role) {
  return h('span', { class: ['badge', 'role-' + role] }, roleName(role));
}

// The fields of a project form (create, edit).
function projectFields(p = {}) {
  return [
    field({ label: t('projects.name'), name: 'name', required: true, maxlength: 200, value: p.name || '' }),
    field({ label: t('projects.description'), name: 'description', type: 'textarea', rows: 3, maxlength: 2000,
      value: p.description || '' }),
  ];
}

function card(p) {
  return h('li', { class: 'card project-card', dataset: { id: p.id } },
    h('h2', null, h('a', { href: href('/projects/' + encodeURIComponent(p.id)) }, p.name)),
    p.description ? h('p', { class: 'project-desc' }, p.description) : null,
    h('p', { class: 'project-meta' },
      roleBadge(p.role), ' ',
      h('span', { class: 'muted' }, t('projects.owned_by', { name: p.owner ? p.owner.username : '?' }))),
    h('ul', { class: 'facts' },
      h('li', null, people(p.member_count)),
      h('li', null, images(p.image_count)),
      h('li', null, h('time', { datetime: p.created_at }, formatDate(p.created_at, { dateStyle: 'medium' })))));
}

async function list(view) {
  const items = h('ul', { class: 'project-list' });
  const status = h('div', { role: 'status' }, spinner());
  let cursor = null;
  const more = button(t('projects.more'), () => busy(more, load()));
  more.hidden = true;
  let count = 0;

  async function load() {
    try {
      const r = await api('/api/collaboration/projects', { query: { limit: PAGE, cursor } });
      for (const p of r.projects) items.append(card(p));
      count += r.projects.length;
      cursor = r.next_cursor;
      more.hidden = !cursor;
      clear(status);
      if (!count) status.append(empty(t('projects.none')));
    } catch (err) {
      clear(status).append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  const create = form(async (data) => {
    const r = await api('/api/collaboration/projects', {
      method: 'POST', body: { name: data.get('name'), description: data.get('description') || '' },
    });
    notify(t('projects.created', { name: r.project.name }));
    go('/projects/' + r.project.id);
  },
  ...projectFields(),
  h('div', { class: 'row' }, button(t('projects.create'), null, { kind: 'primary', type: 'submit' })));

  page(view, t('projects.title'),
    h('p', { class: 'muted' }, t('projects.intro')),
    h('details', { class: 'card create-project' },
      h('summary', null, t('projects.new')), create),
    status, items, more);
  await load();
}

// The project's images, a page at a time; each links to its page and to
// its comments and sharing here.
function imagesSection(p) {
  const grid = h('ul', { class: 'thumbs' });
  const status = h('div', { role: 'status' }, spinner());
  let cursor = null;
  let count = 0;
  const more = button(t('projects.more_images'), () => busy(more, load()));
  more.hidden = true;
  async function load() {
    try {
      const r = await api('/api/files/gallery', { query: { project_id: p.id, limit: PAGE, cursor } });
      for (const img of r.images) {
        const discuss = h('a', {
          class: 'thumb-action', href: href(`/projects/${encodeURIComponent(p.id)}?image=${encodeURIComponent(img.id)}`),
          'aria-label': t('projects.discuss_named', { name: imageLabel(img) }),
        }, t('projects.discuss'));
        grid.append(h('li', null, thumb(img, { extra: discuss })));
      }
      count += r.images.length;
      cursor = r.next_cursor;
      more.hidden = !cursor;
      clear(status);
      if (!count) status.append(empty(t('projects.no_images')));
    } catch (err) {
      clear(status).append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }
  load();
  return h('section', { class: 'project-images', 'aria-labelledby': 'project-images' },
    h('h2', { id: 'project-images' }, t('projects.images')), status, grid, more);
}

function membersSection(p, reload) {
  const me = user();
  const isOwner = p.role === 'owner';
  const rows = [
    h('li', { class: 'member' },
      h('span', { class: 'member-name' }, p.owner.username), roleBadge('owner')),
    ...(p.members || []).map((m) => {
      let action = null;
      if (isOwner) {
        action = button(t('projects.remove'), async () => {
          if (!(await confirmDialog(t('projects.remove_confirm', { name: m.username }), { ok: t('projects.remove'), danger: true }))) return;
          try {
            await busy(action, api(`/api/collaboration/projects/${encodeURIComponent(p.id)}/members/${encodeURIComponent(m.user_id)}`, { method: 'DELETE' }));
            notify(t('projects.removed', { name: m.username }));
            reload('#project-members');
          } catch (err) {
            notify(errorText(err), 'error');
          }
        }, { 'aria-label': t('projects.remove_named', { name: m.username }) });
      }
      return h('li', { class: 'member', dataset: { id: m.user_id } },
        h('span', { class: 'member-name' }, m.username, me && me.id === m.user_id ? h('span', { class: 'muted' }, ' ', t('projects.you')) : null),
        roleBadge(m.role), action);
    }),
  ];
  const add = isOwner ? form(async (data, f) => {
    const who = String(data.get('who') || '').trim();
    const body = { role: data.get('role') };
    if (who.includes('@')) body.email = who; else body.username = who;
    try {
      await api(`/api/collaboration/projects/${encodeURIComponent(p.id)}/members`, { method: 'POST', body });
    } catch (err) {
      // The API names username or email: both are this one box.
      if (err && (err.field === 'username' || err.field === 'email')) err.field = 'who';
      throw err;
    }
    f.reset();
    notify(t('projects.added', { name: who }));
    reload('#project-members');
  },
  h('h3', null, t('projects.add_member')),
  h('div', { class: 'grid2' },
    field({ label: t('projects.member_who'), name: 'who', required: true, autocomplete: 'off', maxlength: 254,
      hint: t('projects.member_hint') }),
    field({ label: t('projects.member_role'), name: 'role', type: 'select', value: 'viewer', options: [
      { value: 'viewer', label: t('projects.role_viewer') }, { value: 'editor', label: t('projects.role_editor') }] })),
  h('div', { class: 'row' }, button(t('projects.add'), null, { kind: 'primary', type: 'submit' }))) : null;

  const leave = !isOwner && me && (p.members || []).some((m) => m.user_id === me.id)
    ? button(t('projects.leave'), async () => {
      if (!(await confirmDialog(t('projects.leave_confirm', { name: p.name }), { ok: t('projects.leave'), danger: true }))) return;
      try {
        await busy(leave, api(`/api/collaboration/projects/${encodeURIComponent(p.id)}/members/${encodeURIComponent(me.id)}`, { method: 'DELETE' }));
        notify(t('projects.left', { name: p.name }));
        go('/projects');
      } catch (err) {
        notify(errorText(err), 'error');
      }
    }, { kind: 'danger' })
    : null;

  return h('section', { class: 'project-members', 'aria-labelledby': 'project-members' },
    h('h2', { id: 'project-members' }, t('projects.members')),
    h('ul', { class: 'members' }, rows),
    add ? h('div', { class: 'card' }, add) : null,
    leave ? h('div', { class: 'row' }, leave) : null);
}

function settingsSection(p, reload) {
  const parts = [];
  if (p.role === 'owner' || p.role === 'editor') {
    parts.push(h('details', { class: 'card' },
      h('summary', null, t('projects.edit')),
      form(async (data) => {
        await api(`/api/collaboration/projects/${encodeURIComponent(p.id)}`, {
          method: 'PUT', body: { name: data.get('name'), description: data.get('description') || '' },
        });
        notify(t('common.saved'));
        reload('#page-title');
      },
      ...projectFields(p),
      h('div', { class: 'row' }, button(t('common.save'), null, { kind: 'primary', type: 'submit' })))));
  }
  if (p.role === 'owner') {
    const del = button(t('projects.delete'), async () => {
      if (!(await confirmDialog(t('projects.delete_confirm', { name: p.name }), { ok: t('projects.delete'), danger: true }))) return;
      try {
        await busy(del, api(`/api/collaboration/projects/${encodeURIComponent(p.id)}`, { method: 'DELETE' }));
        notify(t('projects.deleted', { name: p.name }));
        go('/projects');
      } catch (err) {
        notify(errorText(err), 'error');
      }
    }, { kind: 'danger' });
    parts.push(h('div', { class: 'row' }, del));
  }
  return parts.length ? h('section', { class: 'project-settings', 'aria-label': t('projects.settings') }, parts) : null;
}

// One image of the project, opened here: the image, its comments, its sharing.
async function imagePanel(p, imageId) {
  const back = href('/projects/' + encodeURIComponent(p.id));
  let img;
  try {
    img = (await api(`/api/images/${encodeURIComponent(imageId)}`)).image;
  } catch (err) {
    return h('section', { class: 'card project-image' },
      h('p', { class: 'form-error', role: 'alert' }, errorText(err)),
      h('p', null, h('a', { href: back }, t('projects.close_image'))));
  }
  const titleId = nextId('img');
  return h('section', { class: 'card project-image', 'aria-labelledby': titleId },
    h('div', { class: 'row project-image-head' },
      h('h2', { id: titleId }, t('projects.image_title')),
      h('a', { href: back, class: 'btn secondary' }, t('projects.close_image'))),
    h('div', { class: 'project-image-body' },
      h('figure', { class: 'project-image-fig' },
        h('img', { src: img.url, alt: imageLabel(img), width: img.width, height: img.height }),
        h('figcaption', null,
          h('p', { class: 'prompt' }, img.prompt || imageLabel(img)),
          h('p', { class: 'muted' }, [img.provider, img.model].filter(Boolean).join(' · ')),
          h('p', null, h('a', { href: href('/image/' + encodeURIComponent(img.id)) }, t('projects.open_image'))))),
      h('div', { class: 'project-image-side' }, comments(img.id))),
    // Sharing is the image's owner's (or the project owner's): the API's role.
    img.role === 'owner' ? shareControls({ imageId: img.id }) : null);
}

async function one(view, id, query, focus = null) {
  clear(view).append(spinner());
  let p;
  try {
    p = (await api(`/api/collaboration/projects/${encodeURIComponent(id)}`)).project;
  } catch (err) {
    page(view, err.status === 404 ? t('projects.not_found_title') : t('error.title'),
      h('p', { role: 'alert' }, err.status === 404 ? t('projects.not_found') : errorText(err)),
      h('p', null, h('a', { href: href('/projects') }, t('projects.back'))));
    return;
  }
  // After a change the page is read again; focus goes back where the user was.
  const reload = (sel) => one(view, id, query, sel);
  const imageId = query.get('image');
  const panel = imageId ? await imagePanel(p, imageId) : null;
  page(view, p.name,
    h('p', null, h('a', { href: href('/projects') }, t('projects.back'))),
    p.description ? h('p', { class: 'project-desc' }, p.description) : null,
    h('p', { class: 'project-meta' },
      roleBadge(p.role), ' ',
      h('span', { class: 'muted' }, t('projects.owned_by', { name: p.owner.username }), ' · ',
        people(p.member_count), ' · ',
        images(p.image_count))),
    panel,
    imagesSection(p),
    membersSection(p, reload),
    p.role === 'owner' ? shareControls({ projectId: p.id }) : null,
    settingsSection(p, reload));
  const target = focus ? view.querySelector(focus) : (panel && panel.querySelector('h2'));
  if (target) {
    if (!target.matches('a, button, input, select, textarea')) target.tabIndex = -1;
    target.focus();
  }
}

export async function render(view, { params, query, view: which }) {
  if (which === 'one') await one(view, params.id, query);
  else await list(view);
}
