// The gallery: the caller's images page by page as they scroll (or press
// "Load more"), a search over the prompts kept in the address so it can be
// reloaded and shared (#/gallery?q=…), filters, sort, and a selection the
// organize form and delete act on. Arrow keys move between the cards,
// Enter opens one, Space selects it.
import { h, clear, append } from '../dom.js';
import { t, formatNumber } from '../i18n.js';
import { api } from '../api.js';
import { thumb, imageLabel } from '../parts/images.js';
import { ratingOptions, parseTags, loadProjects, loadProviders, marks } from '../parts/gallery.js';
import { page, field, form, button, busy, notify, confirmDialog, errorText, spinner, nextId } from '../ui.js';

// The address's parameters the gallery understands (all optional).
const KEYS = ['q', 'provider', 'tag', 'folder', 'favorite', 'min_rating', 'project_id', 'from', 'to', 'sort', 'limit'];
const SORTS = {
  newest: { sort: 'created_at', order: 'desc' },
  oldest: { sort: 'created_at', order: 'asc' },
  rating: { sort: 'rating', order: 'desc' },
  rating_asc: { sort: 'rating', order: 'asc' },
};
const PAGE = 24;

function readState(query) {
  const s = {};
  for (const k of KEYS) {
    const v = query.get(k);
    if (v !== null && v !== '') s[k] = v;
  }
  if (s.sort && !SORTS[s.sort]) delete s.sort;
  return s;
}

// A date of <input type=date> (local day) as the RFC 3339 instant the API takes.
function dayStart(day) {
  const [y, m, d] = day.split('-').map(Number);
  const dt = new Date(y, m - 1, d, 0, 0, 0, 0);
  return Number.isNaN(dt.getTime()) ? undefined : dt.toISOString();
}
function dayEnd(day) {
  const [y, m, d] = day.split('-').map(Number);
  const dt = new Date(y, m - 1, d, 23, 59, 59, 999);
  return Number.isNaN(dt.getTime()) ? undefined : dt.toISOString();
}

// The gallery route's query for a state (see docs/openapi.json).
function apiQuery(s, cursor) {
  const limit = Math.min(100, Math.max(1, parseInt(s.limit, 10) || PAGE));
  const { sort, order } = SORTS[s.sort || 'newest'];
  return {
    limit, cursor, q: s.q, provider: s.provider, tag: s.tag, folder: s.folder, favorite: s.favorite,
    min_rating: s.min_rating, project_id: s.project_id,
    from: s.from ? dayStart(s.from) : undefined, to: s.to ? dayEnd(s.to) : undefined,
    sort: sort === 'created_at' ? undefined : sort, order: order === 'desc' ? undefined : order,
  };
}

function stateQuery(s) {
  const q = new URLSearchParams();
  for (const k of KEYS) if (s[k]) q.set(k, s[k]);
  return q.toString();
}

export async function render(view, { query }) {
  let state = readState(query);
  const ctrl = new AbortController();
  const selected = new Set();
  let cursor = null;
  let total = 0;
  let loading = false;
  let generation = 0;
  let observer = null;

  // — search —
  const searchInput = h('input', {
    id: nextId('q'), type: 'search', name: 'q', value: state.q || '', maxlength: 200,
    placeholder: t('gallery.search_placeholder'), autocomplete: 'off',
  });
  // Shown while a search, a filter or a sort is in force.
  const clearBtn = button(t('gallery.clear_filters'), () => {
    searchInput.value = '';
    for (const f of filterFields) f.control.value = f === sortSel ? 'newest' : '';
    apply({ limit: state.limit });
    searchInput.focus();
  }, { hidden: true });
  const searchForm = h('form', { class: 'gallery-search', role: 'search', novalidate: true },
    h('label', { for: searchInput.id, class: 'visually-hidden' }, t('gallery.search_label')),
    searchInput,
    button(t('gallery.search'), null, { kind: 'primary', type: 'submit' }),
    clearBtn);
  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    apply({ ...state, q: searchInput.value.trim() || undefined });
  });

  // — filters —
  const providerSel = field({ label: t('gallery.f_provider'), name: 'provider', type: 'select', value: state.provider || '',
    options: [{ value: '', label: t('gallery.any') }, ...(state.provider ? [{ value: state.provider, label: state.provider }] : [])] });
  const projectSel = field({ label: t('gallery.f_project'), name: 'project_id', type: 'select', value: state.project_id || '',
    options: [{ value: '', label: t('gallery.any') }, ...(state.project_id ? [{ value: state.project_id, label: state.project_id }] : [])] });
  const favSel = field({ label: t('gallery.f_favorite'), name: 'favorite', type: 'select', value: state.favorite || '',
    options: [{ value: '', label: t('gallery.any') }, { value: 'true', label: t('gallery.only_favorites') },
      { value: 'false', label: t('gallery.not_favorites') }] });
  const ratingSel = field({ label: t('gallery.f_rating'), name: 'min_rating', type: 'select', value: state.min_rating || '',
    options: [{ value: '', label: t('gallery.any') },
      ...[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: t('gallery.at_least', { n, stars: '★'.repeat(n) }) }))] });
  const tagIn = field({ label: t('gallery.f_tag'), name: 'tag', value: state.tag || '', maxlength: 64, autocomplete: 'off' });
  const folderIn = field({ label: t('gallery.f_folder'), name: 'folder', value: state.folder || '', maxlength: 255, autocomplete: 'off' });
  const fromIn = field({ label: t('gallery.f_from'), name: 'from', type: 'date', value: state.from || '' });
  const toIn = field({ label: t('gallery.f_to'), name: 'to', type: 'date', value: state.to || '' });
  const sortSel = field({ label: t('gallery.f_sort'), name: 'sort', type: 'select', value: state.sort || 'newest',
    options: Object.keys(SORTS).map((k) => ({ value: k, label: t(`gallery.sort_${k}`) })) });
  const filterFields = [providerSel, tagIn, folderIn, favSel, ratingSel, projectSel, fromIn, toIn, sortSel];
  const lookupError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const filterForm = form(async () => {
    const next = { q: state.q, limit: state.limit };
    for (const f of filterFields) {
      const v = f.control.value.trim();
      if (v) next[f.control.name] = v;
    }
    if (next.sort === 'newest') delete next.sort;
    apply(next);
  },
  h('div', { class: 'gallery-filter-grid' }, filterFields),
  h('div', { class: 'row' },
    button(t('gallery.apply_filters'), null, { kind: 'primary', type: 'submit' })));
  filterForm.classList.add('gallery-filters');
  // A choice from a list applies at once; typed fields apply on Enter or "Apply".
  for (const f of [providerSel, favSel, ratingSel, projectSel, sortSel, fromIn, toIn]) {
    f.control.addEventListener('change', () => filterForm.requestSubmit());
  }
  const activeCount = () => filterFields.filter((f) => f.control.name !== 'sort' && state[f.control.name]).length;
  const filtersBox = h('details', { class: 'gallery-filterbox', open: activeCount() > 0 || null },
    h('summary', null, t('gallery.filters'), h('span', { class: 'filter-count' })),
    lookupError, filterForm);

  // — selection and organize —
  const selectAll = h('input', { type: 'checkbox', id: nextId('all') });
  const selCount = h('span', { class: 'sel-count', role: 'status' });
  const deleteBtn = button(t('gallery.delete_selected'), () => removeSelected(), { kind: 'danger' });
  const clearSelBtn = button(t('gallery.clear_selection'), () => { selected.clear(); syncSelection(); });

  const orgFav = field({ label: t('gallery.o_favorite'), name: 'favorite', type: 'select', value: '',
    options: [{ value: '', label: t('gallery.unchanged') }, { value: 'true', label: t('gallery.mark_favorite') },
      { value: 'false', label: t('gallery.unmark_favorite') }] });
  const orgRating = field({ label: t('gallery.o_rating'), name: 'rating', type: 'select', value: '',
    options: ratingOptions({ none: t('gallery.unchanged') }) });
  const orgFolder = field({ label: t('gallery.o_folder'), name: 'folder', maxlength: 255, autocomplete: 'off', hint: t('gallery.o_folder_hint') });
  const orgNoFolder = field({ label: t('gallery.o_no_folder'), name: 'no_folder', type: 'checkbox' });
  const orgTagsAdd = field({ label: t('gallery.o_tags_add'), name: 'tags_add', autocomplete: 'off', hint: t('gallery.tags_hint') });
  const orgTagsRemove = field({ label: t('gallery.o_tags_remove'), name: 'tags_remove', autocomplete: 'off', hint: t('gallery.tags_hint') });
  const orgProject = field({ label: t('gallery.o_project'), name: 'project_id', type: 'select', value: '',
    options: [{ value: '', label: t('gallery.unchanged') }, { value: 'none', label: t('gallery.no_project') }] });
  const orgForm = form(async (data) => {
    if (!selected.size) throw new Error(t('gallery.nothing_selected'));
    const body = { image_ids: [...selected] };
    if (data.get('favorite')) body.favorite = data.get('favorite') === 'true';
    if (data.get('rating') !== '') body.rating = Number(data.get('rating'));
    if (data.get('no_folder')) body.folder = null;
    else if (String(data.get('folder')).trim()) body.folder = String(data.get('folder')).trim();
    const add = parseTags(data.get('tags_add'));
    const rm = parseTags(data.get('tags_remove'));
    if (add.length) body.tags_add = add;
    if (rm.length) body.tags_remove = rm;
    if (data.get('project_id') === 'none') body.project_id = null;
    else if (data.get('project_id')) body.project_id = data.get('project_id');
    if (Object.keys(body).length === 1) throw new Error(t('gallery.nothing_to_change'));
    const r = await api('/api/files/organize', { method: 'POST', body });
    notify(t('gallery.organized', { n: r.updated }));
    orgForm.reset();
    reload();
  },
  h('div', { class: 'gallery-filter-grid' }, orgFav, orgRating, orgProject, orgFolder, orgNoFolder, orgTagsAdd, orgTagsRemove),
  h('div', { class: 'row' }, button(t('gallery.apply_selected'), null, { kind: 'primary', type: 'submit' })));
  const orgBox = h('details', { class: 'gallery-organize' },
    h('summary', null, t('gallery.organize')), orgForm);
  const toolbar = h('div', { class: 'gallery-toolbar' },
    h('div', { class: 'field check' }, selectAll, h('label', { for: selectAll.id }, t('gallery.select_all'))),
    selCount, clearSelBtn, deleteBtn);

  // — the grid —
  const status = h('p', { class: 'gallery-status', role: 'status' });
  const hintId = nextId('hint');
  const list = h('ul', { class: 'thumbs gallery-grid', 'aria-labelledby': 'page-title', 'aria-describedby': hintId });
  const sentinel = h('div', { class: 'gallery-sentinel', 'aria-hidden': 'true' });
  const moreBtn = button(t('gallery.load_more'), () => loadPage(), { hidden: true });
  const errBox = h('div', { role: 'alert', class: 'gallery-error' });

  page(view, t('gallery.title'),
    searchForm, filtersBox,
    h('section', { class: 'gallery-actions', 'aria-label': t('gallery.selection') }, toolbar, orgBox),
    status,
    h('p', { class: 'hint', id: hintId }, t('gallery.keys_hint')),
    list, errBox, h('div', { class: 'row gallery-more' }, moreBtn), sentinel);

  function cards() {
    return [...list.querySelectorAll('.thumb > a')];
  }

  function syncSelection() {
    for (const li of list.children) {
      const on = selected.has(li.dataset.id);
      li.classList.toggle('selected', on);
      const box = li.querySelector('input[type=checkbox]');
      if (box) box.checked = on;
      const mark = li.querySelector('.sel-mark');
      if (mark) mark.hidden = !on;
    }
    const visible = [...list.children].map((li) => li.dataset.id);
    const onCount = visible.filter((id) => selected.has(id)).length;
    selectAll.checked = visible.length > 0 && onCount === visible.length;
    selectAll.indeterminate = onCount > 0 && onCount < visible.length;
    selectAll.disabled = visible.length === 0;
    selCount.textContent = t('gallery.selected_n', { n: formatNumber(selected.size) });
    deleteBtn.disabled = clearSelBtn.disabled = selected.size === 0;
  }

  function toggle(id, on) {
    if (on === undefined) on = !selected.has(id);
    if (on) selected.add(id); else selected.delete(id);
    syncSelection();
  }

  selectAll.addEventListener('change', () => {
    for (const li of list.children) toggle(li.dataset.id, selectAll.checked);
  });

  function updateStatus() {
    const shown = list.children.length;
    if (!shown && !loading) {
      status.textContent = state.q || activeCount() ? t('gallery.no_match') : t('gallery.empty');
    } else {
      status.textContent = t('gallery.showing', { shown: formatNumber(shown), total: formatNumber(total) });
    }
    clearBtn.hidden = !(state.q || state.sort || activeCount());
    const n = activeCount();
    filtersBox.querySelector('.filter-count').textContent = n ? ' (' + formatNumber(n) + ')' : '';
  }

  function card(img) {
    const label = imageLabel(img);
    const boxId = nextId('pick');
    const box = h('input', {
      type: 'checkbox', id: boxId, tabindex: '-1', checked: selected.has(img.id),
      onchange: (ev) => toggle(img.id, ev.target.checked),
    });
    const fig = thumb(img, {
      extra: [
        h('div', { class: 'pick' }, box, h('label', { for: boxId, class: 'visually-hidden' }, t('gallery.select_one', { label }))),
        h('div', { class: 'card-marks' }, marks(img)),
      ],
    });
    const link = fig.querySelector('a');
    link.tabIndex = -1;
    link.append(h('span', { class: 'visually-hidden sel-mark', hidden: !selected.has(img.id) }, t('gallery.is_selected')));
    return h('li', { dataset: { id: img.id }, class: selected.has(img.id) ? 'selected' : null }, fig);
  }

  // The one card in the tab order (roving tabindex): the focused one, else the first.
  function roving(target) {
    const links = cards();
    if (!links.length) return;
    const cur = target || links.find((a) => a.tabIndex === 0) || links[0];
    for (const a of links) a.tabIndex = a === cur ? 0 : -1;
  }

  list.addEventListener('focusin', (ev) => {
    if (ev.target.matches('.thumb > a')) roving(ev.target);
  });
  list.addEventListener('keydown', (ev) => {
    const link = ev.target.closest('.thumb > a');
    if (!link) return;
    const links = cards();
    const i = links.indexOf(link);
    let j = null;
    // Columns: the cards on the first card's row.
    const top = links[0].getBoundingClientRect().top;
    const cols = Math.max(1, links.filter((a) => Math.abs(a.getBoundingClientRect().top - top) < 2).length);
    switch (ev.key) {
      case 'ArrowRight': j = i + 1; break;
      case 'ArrowLeft': j = i - 1; break;
      case 'ArrowDown': j = i + cols; break;
      case 'ArrowUp': j = i - cols; break;
      case 'Home': j = 0; break;
      case 'End': j = links.length - 1; break;
      case ' ':
      case 'Spacebar':
        ev.preventDefault();
        toggle(link.closest('li').dataset.id);
        return;
      default: return;
    }
    ev.preventDefault();
    if (j >= links.length && cursor) {
      // Past the last card: fetch the next page, then move on.
      loadPage().then(() => {
        const more = cards();
        const k = Math.min(j, more.length - 1);
        roving(more[k]);
        more[k].focus();
      });
      return;
    }
    j = Math.max(0, Math.min(links.length - 1, j));
    roving(links[j]);
    links[j].focus();
    links[j].scrollIntoView({ block: 'nearest' });
  });

  async function loadPage() {
    if (loading) return;
    const mine = generation;
    loading = true;
    moreBtn.setAttribute('aria-busy', 'true');
    const spin = spinner();
    list.after(spin);
    let ok = false;
    try {
      const r = await api('/api/files/gallery', { query: apiQuery(state, cursor), signal: ctrl.signal });
      if (mine !== generation) return;
      clear(errBox);
      total = r.total;
      cursor = r.next_cursor;
      append(list, r.images.map(card));
      roving();
      ok = true;
    } catch (err) {
      if (ctrl.signal.aborted || mine !== generation) return;
      append(clear(errBox), h('p', { class: 'form-error' }, errorText(err)));
    } finally {
      spin.remove();
      if (mine === generation) {
        loading = false;
        moreBtn.removeAttribute('aria-busy');
        moreBtn.hidden = !cursor;
        updateStatus();
        syncSelection();
        // The sentinel may still be in view (a short page, a tall screen).
        if (ok && cursor && observer) requestAnimationFrame(checkSentinel);
      }
    }
  }

  function checkSentinel() {
    if (!cursor || loading || !sentinel.isConnected) return;
    if (sentinel.getBoundingClientRect().top < window.innerHeight + 600) loadPage();
  }

  function reload() {
    generation += 1;
    loading = false;
    cursor = null;
    total = 0;
    clear(list);
    moreBtn.hidden = true;
    return loadPage();
  }

  // apply(next): a new search or filter; the address keeps it (a new
  // history entry, so Back returns to the previous search).
  function apply(next) {
    state = readState(new URLSearchParams(stateQuery(next)));
    const qs = stateQuery(state);
    history.pushState(null, '', '#/gallery' + (qs ? '?' + qs : ''));
    reload();
  }

  async function removeSelected() {
    const ids = [...selected];
    if (!ids.length) return;
    if (!await confirmDialog(t('gallery.delete_confirm', { n: ids.length }), { ok: t('common.delete'), danger: true })) return;
    await busy(deleteBtn, (async () => {
      let done = 0;
      const failed = [];
      for (const id of ids) {
        try {
          await api('/api/files/delete/' + encodeURIComponent(id), { method: 'DELETE' });
          done += 1;
          selected.delete(id);
          const li = list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
          if (li) li.remove();
          total = Math.max(0, total - 1);
        } catch (err) {
          failed.push(errorText(err));
        }
      }
      if (done) notify(t('gallery.deleted', { n: done }));
      if (failed.length) notify(t('gallery.delete_failed', { n: failed.length, message: failed[0] }), 'error');
      roving();
    })());
    updateStatus();
    syncSelection();
  }

  // The lists the filters offer: providers and projects, from the API.
  (async () => {
    try {
      const [providers, projects] = await Promise.all([
        loadProviders({ signal: ctrl.signal }), loadProjects({ signal: ctrl.signal })]);
      const fill = (sel, items, extra) => {
        const keep = sel.value;
        const head = [...sel.options].slice(0, extra);
        sel.replaceChildren(...head, ...items.map((o) => h('option', { value: o.value }, o.label)));
        sel.value = keep;
        // A value the lists no longer hold (an old link) stays selectable.
        if (keep && sel.value !== keep) sel.append(h('option', { value: keep, selected: true }, keep));
      };
      fill(providerSel.control, providers.map((p) => ({ value: p.name, label: p.display_name })), 1);
      const projOpts = projects.map((p) => ({ value: p.id, label: p.name }));
      fill(projectSel.control, projOpts, 1);
      fill(orgProject.control, projOpts, 2);
    } catch (err) {
      if (ctrl.signal.aborted) return;
      lookupError.textContent = t('gallery.lookup_failed', { message: errorText(err) });
      lookupError.hidden = false;
    }
  })();

  // Infinite scroll: the sentinel under the grid coming into view loads the next page.
  if (typeof window.IntersectionObserver === 'function') {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && cursor && !loading) loadPage();
    }, { rootMargin: '600px 0px' });
    observer.observe(sentinel);
  }

  syncSelection();
  await loadPage();

  return () => {
    ctrl.abort();
    if (observer) observer.disconnect();
  };
}
