// Batches: a new batch (prompts pasted or read from a .txt/.csv file, the
// settings every prompt shares), the caller's batches, and one batch live:
// its progress and items over Server-Sent Events, ETA, cancel, retry, ZIP.
import { h, append } from '../dom.js';
import { t, formatDate, formatNumber } from '../i18n.js';
import { api } from '../api.js';
import { go, href } from '../router.js';
import { page, field, form, button, busy, notify, confirmDialog, empty, errorText } from '../ui.js';
import { thumb } from '../parts/images.js';
import { BATCH_MAX, PROMPT_MAX, fromFile, fromTextarea, etaSeconds } from '../parts/batch.js';

const FINAL = ['completed', 'partial', 'failed', 'canceled'];
const ENDED = ['succeeded', 'failed', 'canceled'];
const FILE_MAX = 5 * 1024 * 1024; // 500 prompts of 4000 characters fit in 5 MB
// A symbol beside each status's word: the state is never told by colour alone.
const ICON = {
  queued: '◷', processing: '▶', running: '▶', completed: '✓', succeeded: '✓', partial: '◐', failed: '✗', canceled: '⊘',
};
const BATCH_STATUS = {
  queued: 'batch.status_queued', processing: 'batch.status_processing', completed: 'batch.status_completed',
  partial: 'batch.status_partial', failed: 'batch.status_failed', canceled: 'batch.status_canceled',
};
const ITEM_STATUS = {
  queued: 'batch.item_queued', running: 'batch.item_running', succeeded: 'batch.item_succeeded',
  failed: 'batch.item_failed', canceled: 'batch.item_canceled',
};
const SKIP = {
  empty: 'batch.skip_empty', comment: 'batch.skip_comment', header: 'batch.skip_header', too_long: 'batch.skip_too_long',
};

function badge(status, names) {
  return h('span', { class: ['badge', 'st-' + status] },
    h('span', { 'aria-hidden': 'true' }, ICON[status] || '•'), ' ', names[status] ? t(names[status]) : status);
}

function batchTitle(b) {
  return b.name || t('batch.untitled', { n: formatNumber((b.progress && b.progress.total) || 0) });
}

// A progress bar (role=progressbar) named by labelId; set(p) with p the
// API's progress object.
function progressBar(labelId) {
  const fill = h('span');
  const bar = h('div', {
    class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0',
    'aria-labelledby': labelId,
  }, fill);
  bar.set = (ended, total) => {
    const pct = total > 0 ? Math.floor((ended * 100) / total) : 0;
    bar.setAttribute('aria-valuenow', String(pct));
    bar.setAttribute('aria-valuetext', t('batch.progress_value', { pct, ended, total }));
    fill.style.width = pct + '%';
  };
  return bar;
}

function endedOf(p) {
  return (p.completed || 0) + (p.failed || 0) + (p.canceled || 0);
}

function progressText(p) {
  return t('batch.progress_text', {
    ended: formatNumber(endedOf(p)), total: formatNumber(p.total || 0),
    done: formatNumber(p.completed || 0), failed: formatNumber(p.failed || 0), canceled: formatNumber(p.canceled || 0),
  });
}

// An error the form shows beside the field it names, as the API's are.
function fieldError(name, message) {
  return Object.assign(new Error(message), { field: name, code: 'batch_form' });
}

function lineList(lines) {
  const shown = lines.slice(0, 8).map((n) => formatNumber(n)).join(', ') + (lines.length > 8 ? ', …' : '');
  return t(lines.length === 1 ? 'batch.line_one' : 'batch.line_many', { n: shown });
}

// "Skipped line 1 (header row); lines 4, 9 (empty)."
function skippedText(skipped) {
  const by = {};
  for (const s of skipped) (by[s.reason] = by[s.reason] || []).push(s.line);
  const parts = Object.entries(by).map(([reason, lines]) =>
    t('batch.skip_part', { lines: lineList(lines), reason: t(SKIP[reason], { max: formatNumber(PROMPT_MAX) }) }));
  return t('batch.skipped', { list: parts.join(t('batch.list_sep')) });
}

// ---- the new batch's settings ------------------------------------------

function providerSettings(providers, prefs) {
  const box = h('div', { class: 'grid2 batch-settings' });
  const usable = providers.filter((p) => p.available !== false);
  const first = usable.find((p) => p.name === prefs.default_provider) || usable.find((p) => p.name === 'builtin') ||
    usable[0] || providers[0];
  const provider = field({
    label: t('batch.provider'), name: 'settings.api_provider', type: 'select', value: first && first.name,
    options: providers.map((p) => ({
      value: p.name, label: p.available === false ? t('batch.provider_unavailable', { name: p.display_name }) : p.display_name,
    })),
  });
  for (const opt of provider.control.options) {
    const p = providers.find((x) => x.name === opt.value);
    if (p && p.available === false) opt.disabled = true;
  }
  const rest = h('div', { class: 'batch-settings-rest' });
  const negative = field({
    label: t('batch.negative'), name: 'settings.negative_prompt', type: 'textarea', rows: 2, maxlength: 2000,
  });
  const negHint = h('p', { class: 'hint', hidden: true }, t('batch.negative_unsupported'));
  negative.append(negHint);

  const fill = () => {
    const p = providers.find((x) => x.name === provider.control.value) || first;
    if (!p) return;
    const old = {
      model: rest.querySelector('[name="settings.model"]'), size: rest.querySelector('[name="settings.image_size"]'),
      count: rest.querySelector('[name="settings.image_count"]'),
    };
    const models = p.models || [];
    const def = models.find((m) => m.default) || models[0];
    const wantModel = old.model && models.some((m) => m.id === old.model.value) ? old.model.value
      : (prefs.default_provider === p.name && models.some((m) => m.id === prefs.default_model) ? prefs.default_model : def && def.id);
    const model = field({
      label: t('batch.model'), name: 'settings.model', type: 'select', value: wantModel,
      options: models.map((m) => ({ value: m.id, label: m.name || m.id })),
    });
    const fits = (s) => {
      const m = /^(\d+)x(\d+)$/.exec(s || '');
      if (!m) return false;
      return p.sizes ? p.sizes.includes(s) : Number(m[1]) <= (p.max_side || 2048) && Number(m[2]) <= (p.max_side || 2048);
    };
    const wantSize = [old.size && old.size.value, prefs.default_image_size, '1024x1024', '512x512']
      .find(fits) || (p.sizes ? p.sizes[0] : '512x512');
    let size;
    if (p.sizes) {
      size = field({
        label: t('batch.size'), name: 'settings.image_size', type: 'select', value: wantSize,
        options: p.sizes.map((s) => ({ value: s, label: s.replace('x', ' × ') })),
      });
    } else {
      const listId = 'batch-sizes-' + p.name;
      size = field({
        label: t('batch.size'), name: 'settings.image_size', value: wantSize, required: true,
        pattern: '[0-9]+x[0-9]+', list: listId, autocomplete: 'off', spellcheck: 'false',
        hint: t('batch.size_hint', { max: formatNumber(p.max_side || 2048) }),
      });
      size.append(h('datalist', { id: listId },
        ['256x256', '512x512', '768x768', '1024x1024', '1024x768', '768x1024', '1344x768']
          .filter(fits).map((s) => h('option', { value: s }))));
    }
    const max = p.max_images || 1;
    const oldCount = old.count ? Number(old.count.value) : Number(prefs.default_image_count) || 1;
    const count = field({
      label: t('batch.count'), name: 'settings.image_count', type: 'number', min: 1, max,
      value: String(Math.min(Math.max(1, oldCount || 1), max)), required: true, inputmode: 'numeric',
      hint: t('batch.count_hint', { max: formatNumber(max) }),
    });
    rest.replaceChildren(model, size, count);
    const neg = negative.control;
    neg.disabled = p.supports_negative_prompt === false;
    negHint.hidden = !neg.disabled;
  };
  provider.control.addEventListener('change', fill);
  fill();
  append(box, provider, rest);
  return { el: h('div', null, box, negative) };
}

// ---- the list: a new batch and the caller's batches ---------------------

function newBatchForm(providers, prefs) {
  const prompts = field({
    label: t('batch.prompts'), name: 'prompts', type: 'textarea', rows: 10, spellcheck: 'false',
    hint: t('batch.prompts_hint', { max: formatNumber(BATCH_MAX) }),
  });
  const counter = h('p', { class: 'batch-count', id: 'batch-count' });
  prompts.control.setAttribute('aria-describedby', prompts.control.getAttribute('aria-describedby') + ' batch-count');
  const fileStatus = h('p', { class: 'batch-file-status', role: 'status' });
  const fileInput = h('input', { type: 'file', id: 'batch-file', accept: '.txt,.csv,text/plain,text/csv', class: 'batch-file' });

  const count = () => {
    const r = fromTextarea(prompts.control.value);
    const n = r.prompts.length;
    counter.textContent = t(n === 1 ? 'batch.count_one' : 'batch.count_many', { n: formatNumber(n), max: formatNumber(BATCH_MAX) });
    counter.classList.toggle('over', n > BATCH_MAX);
    return r;
  };
  prompts.control.addEventListener('input', count);

  const read = async (file) => {
    fileStatus.classList.remove('bad');
    try {
      if (!/\.(txt|csv)$/i.test(file.name) && !/^text\/(plain|csv)$/.test(file.type)) throw new Error(t('batch.file_type', { file: file.name }));
      if (file.size > FILE_MAX) throw new Error(t('batch.file_big', { file: file.name, max: '5 MB' }));
      const r = fromFile(file.name, await file.text());
      const ta = prompts.control;
      if (r.prompts.length) {
        const before = ta.value.replace(/\s+$/, '');
        ta.value = (before ? before + '\n' : '') + r.prompts.join('\n') + '\n';
      }
      const all = count().prompts.length;
      const parts = [t(r.prompts.length === 1 ? 'batch.file_read_one' : 'batch.file_read_many',
        { n: formatNumber(r.prompts.length), file: file.name })];
      if (r.skipped.length) parts.push(skippedText(r.skipped));
      if (all > BATCH_MAX) parts.push(t('batch.too_many', { n: formatNumber(all), max: formatNumber(BATCH_MAX) }));
      fileStatus.textContent = parts.join(' ');
      fileStatus.classList.toggle('bad', r.prompts.length === 0 || all > BATCH_MAX);
    } catch (err) {
      fileStatus.textContent = errorText(err);
      fileStatus.classList.add('bad');
    }
  };
  fileInput.addEventListener('change', () => {
    if (fileInput.files && fileInput.files[0]) read(fileInput.files[0]);
    fileInput.value = '';
  });
  const drop = h('div', { class: 'batch-drop' },
    h('p', { class: 'batch-drop-text' }, h('span', { 'aria-hidden': 'true' }, '⇪ '), t('batch.drop')),
    h('div', { class: 'batch-file-pick' }, h('label', { for: 'batch-file' }, t('batch.choose_file')), fileInput),
    h('p', { class: 'hint' }, t('batch.file_hint')));
  const zone = h('div', { class: 'batch-zone' }, prompts, counter, drop, fileStatus);
  let depth = 0;
  zone.addEventListener('dragenter', (ev) => { ev.preventDefault(); depth += 1; zone.classList.add('dragging'); });
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); if (ev.dataTransfer) ev.dataTransfer.dropEffect = 'copy'; });
  zone.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) zone.classList.remove('dragging'); });
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    depth = 0;
    zone.classList.remove('dragging');
    const file = ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files[0];
    if (file) read(file);
  });

  const settings = providerSettings(providers, prefs);
  const f = form(async (data) => {
    const r = count();
    const long = r.skipped.filter((s) => s.reason === 'too_long').map((s) => s.line);
    if (long.length) throw fieldError('prompts', t('batch.err_too_long', { lines: lineList(long), max: formatNumber(PROMPT_MAX) }));
    if (!r.prompts.length) throw fieldError('prompts', t('batch.err_none'));
    if (r.prompts.length > BATCH_MAX) throw fieldError('prompts', t('batch.too_many', { n: formatNumber(r.prompts.length), max: formatNumber(BATCH_MAX) }));
    const s = {
      api_provider: data.get('settings.api_provider'),
      model: data.get('settings.model') || undefined,
      image_size: String(data.get('settings.image_size') || '').trim() || undefined,
      image_count: Number(data.get('settings.image_count')) || 1,
    };
    const neg = String(data.get('settings.negative_prompt') || '').trim();
    if (neg) s.negative_prompt = neg;
    const body = { prompts: r.prompts, settings: s };
    const name = String(data.get('name') || '').trim();
    if (name) body.name = name;
    let res;
    try {
      res = await api('/api/batch/generate', { method: 'POST', body });
    } catch (err) {
      // prompts[3] is the text area's fourth prompt.
      if (err.field && /^prompts\[/.test(err.field)) err.field = 'prompts';
      throw err;
    }
    notify(t('batch.submitted', { n: formatNumber(res.total) }));
    go('/batch/' + res.batch_id);
  },
  field({ label: t('batch.name'), name: 'name', maxlength: 200, autocomplete: 'off' }),
  zone,
  h('fieldset', { class: 'batch-fieldset' }, h('legend', null, t('batch.settings')), settings.el),
  h('div', { class: 'row' }, button(t('batch.submit'), null, { kind: 'primary', type: 'submit' })));
  f.classList.add('batch-form');
  count();
  return f;
}

function batchRow(b) {
  const labelId = 'bl-' + b.batch_id;
  const bar = progressBar(labelId);
  const p = b.progress || { total: 0 };
  bar.set(endedOf(p), p.total || 0);
  const created = b.created_at ? formatDate(b.created_at) : '';
  const sig = [b.status, p.completed, p.failed, p.canceled, p.total].join('|');
  return h('li', { class: 'card batch-row', dataset: { id: b.batch_id, status: b.status, sig } },
    h('div', { class: 'batch-row-head' },
      h('a', { href: href('/batch/' + encodeURIComponent(b.batch_id)), class: 'batch-row-name' }, batchTitle(b)),
      badge(b.status, BATCH_STATUS)),
    bar,
    h('p', { class: 'batch-row-meta muted', id: labelId },
      progressText(p), created ? h('span', null, ' · ', h('time', { datetime: b.created_at }, created)) : null));
}

async function listPage(view) {
  const [prov, prefs] = await Promise.all([
    api('/api/settings/api-providers'),
    api('/api/settings/user-preferences'),
  ]);
  const list = h('ul', { class: 'batch-list' });
  const listError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const more = button(t('batch.load_more'), () => busy(more, load()), { hidden: true });
  let cursor = null;
  let timer = null;
  let gone = false;

  const load = async () => {
    listError.hidden = true;
    try {
      const r = await api('/api/batch', { query: { limit: 20, cursor } });
      if (!cursor && !r.batches.length) list.replaceWith(empty(t('batch.none')));
      for (const b of r.batches) list.append(batchRow(b));
      cursor = r.next_cursor || null;
      more.hidden = !cursor;
    } catch (err) {
      listError.textContent = errorText(err);
      listError.hidden = false;
    }
  };
  // The rows of unfinished batches follow their progress.
  const tick = async () => {
    timer = null;
    const rows = [...list.querySelectorAll('.batch-row')].filter((r) => !FINAL.includes(r.dataset.status)).slice(0, 10);
    for (const row of rows) {
      try {
        const b = await api('/api/batch/status/' + encodeURIComponent(row.dataset.id));
        if (gone) return;
        const fresh = batchRow(b);
        if (fresh.dataset.sig !== row.dataset.sig) {
          const focused = row.contains(document.activeElement);
          row.replaceWith(fresh);
          if (focused) fresh.querySelector('a').focus();
        }
      } catch (err) {
        if (gone) return;
        listError.textContent = errorText(err);
        listError.hidden = false;
      }
    }
    if (!gone) timer = setTimeout(tick, 4000);
  };

  page(view, t('batch.title'),
    h('p', { class: 'muted batch-intro' }, t('batch.intro')),
    h('section', { 'aria-labelledby': 'batch-new' },
      h('h2', { id: 'batch-new' }, t('batch.new')),
      newBatchForm(prov.providers || [], prefs.preferences || {})),
    h('section', { 'aria-labelledby': 'batch-yours' },
      h('h2', { id: 'batch-yours' }, t('batch.yours')),
      listError, list, h('div', { class: 'row' }, more)));
  await load();
  timer = setTimeout(tick, 4000);
  return () => { gone = true; clearTimeout(timer); };
}

// ---- one batch, live --------------------------------------------------

function imagesOf(it) {
  return (it.images || []).map((img) => thumb({ id: img.id, url: img.url, thumbnail_url: img.thumbnail_url, prompt: it.prompt }, { link: Boolean(img.id) }));
}

function itemCard(it) {
  return h('li', { class: 'batch-item', dataset: { index: String(it.index), status: it.status } },
    h('div', { class: 'batch-item-head' },
      h('span', { class: 'batch-item-no' }, t('batch.item_no', { n: formatNumber(it.index + 1) })),
      badge(it.status, ITEM_STATUS)),
    h('p', { class: 'batch-item-prompt' }, it.prompt),
    it.images && it.images.length ? h('div', { class: 'batch-item-images' }, imagesOf(it))
      : ENDED.includes(it.status) ? null : h('div', { class: 'batch-item-wait', 'aria-hidden': 'true' }),
    it.error ? h('p', { class: 'batch-item-error' }, it.error.message || it.error.code) : null);
}

function duration(secs) {
  if (secs < 60) return formatNumber(secs, { style: 'unit', unit: 'second', unitDisplay: 'long' });
  if (secs < 3600) return formatNumber(Math.round(secs / 60), { style: 'unit', unit: 'minute', unitDisplay: 'long' });
  return formatNumber(Math.round(secs / 360) / 10, { style: 'unit', unit: 'hour', unitDisplay: 'long' });
}

async function onePage(view, id) {
  const path = '/api/batch/' + encodeURIComponent(id);
  let b = await api(path); // status fields plus items
  const items = new Map(b.items.map((it) => [it.index, it]));
  const cards = new Map();
  let closed = false;
  let es = null;
  let timer = null;
  let failures = 0;
  let polling = false;

  const grid = h('ol', { class: 'batch-items' });
  const statusEl = h('span', { class: 'batch-status' });
  const announce = h('p', { class: 'visually-hidden', role: 'status' });
  const liveError = h('p', { class: 'batch-live-error', role: 'alert', hidden: true });
  const label = h('p', { id: 'batch-progress-label', class: 'batch-progress-label' });
  const bar = progressBar('batch-progress-label');
  const etaEl = h('p', { class: 'batch-eta', hidden: true });
  const times = h('p', { class: 'muted batch-times' });
  const cancelBtn = button(t('batch.cancel'), () => cancel(), { kind: 'danger' });
  const retryBtn = button(t('batch.retry'), () => retry());
  const zipBtn = button(t('batch.zip'), () => zip());

  const isFinal = () => FINAL.includes(b.status);

  // Progress from the items this page holds (the events update them).
  const counts = () => {
    const c = { completed: 0, failed: 0, canceled: 0, running: 0, queued: 0, total: items.size };
    for (const it of items.values()) {
      if (it.status === 'succeeded') c.completed += 1;
      else if (it.status in c) c[it.status] += 1;
    }
    return c;
  };

  // ETA: the pace of the items that ended while this page watched, else
  // the pace the server's times show (started_at to each finished_at).
  let pace = null;
  const paceFromServer = () => {
    const start = Date.parse(b.started_at || '');
    const ends = [...items.values()].filter((it) => it.status === 'succeeded' || it.status === 'failed')
      .map((it) => Date.parse(it.finished_at || '')).filter((x) => !Number.isNaN(x));
    if (Number.isNaN(start) || !ends.length) return null;
    const span = (Math.max(...ends) - start) / 1000;
    return span > 0 ? span / ends.length : null;
  };
  const resetPace = () => {
    pace = { t0: performance.now(), e0: endedOf(counts()), last: null, server: paceFromServer() };
  };
  const currentPace = () => {
    const seen = endedOf(counts()) - pace.e0;
    if (seen >= 2 && pace.last) return (pace.last - pace.t0) / 1000 / seen;
    return pace.server;
  };

  let lastStatus = b.status;
  const render = () => {
    const c = counts();
    const ended = endedOf(c);
    if (!isFinal()) b.status = ended > 0 || c.running > 0 ? 'processing' : 'queued';
    bar.set(ended, c.total);
    label.textContent = progressText(c);
    statusEl.replaceChildren(badge(b.status, BATCH_STATUS));
    const secs = isFinal() ? null : etaSeconds(c.total - ended, currentPace());
    etaEl.hidden = secs === null;
    etaEl.textContent = secs === null ? '' : t('batch.eta', { time: duration(secs) });
    times.replaceChildren(
      t('batch.created', { at: formatDate(b.created_at) }),
      b.completed_at ? ' · ' + t('batch.finished_at', { at: formatDate(b.completed_at) }) : '');
    const had = document.activeElement;
    cancelBtn.hidden = isFinal();
    retryBtn.hidden = !(c.failed > 0);
    zipBtn.hidden = !(c.completed > 0);
    // A button that goes away with the focus leaves it on the summary.
    if (had && had.hidden && summary.contains(had)) summary.focus();
    if (b.status !== lastStatus) {
      lastStatus = b.status;
      announce.textContent = t('batch.now', { status: t(BATCH_STATUS[b.status]) });
    }
  };

  const drawItem = (it) => {
    const card = itemCard(it);
    const old = cards.get(it.index);
    if (old) old.replaceWith(card); else grid.append(card);
    cards.set(it.index, card);
  };

  const adopt = (detail) => {
    b = detail;
    for (const it of detail.items) {
      const old = items.get(it.index);
      items.set(it.index, it);
      if (!old || old.status !== it.status || (old.images || []).length !== (it.images || []).length) drawItem(it);
    }
  };

  // One item's event: {index, status, images, error}.
  const onItem = (ev) => {
    let d;
    try { d = JSON.parse(ev.data); } catch (_) { return; }
    const it = items.get(d.index);
    if (!it) return;
    const was = it.status;
    Object.assign(it, { status: d.status, images: d.images || [], error: d.error || null });
    if (!ENDED.includes(was) && ENDED.includes(d.status)) pace.last = performance.now();
    if (was !== d.status || d.images) drawItem(it);
    render();
  };

  const finish = (status) => {
    Object.assign(b, status);
    stop();
    render();
  };

  function stop() {
    if (es) { es.close(); es = null; }
    clearTimeout(timer);
    timer = null;
  }

  // Polling GET /api/batch/{id}: where EventSource fails.
  const poll = async () => {
    polling = true;
    timer = null;
    if (closed) return;
    try {
      const d = await api(path);
      if (closed) return;
      liveError.hidden = true;
      adopt(d);
      render();
      if (isFinal()) return;
      timer = setTimeout(poll, 2000);
    } catch (err) {
      if (closed) return;
      liveError.textContent = t('batch.live_error', { error: errorText(err) });
      liveError.hidden = false;
      timer = setTimeout(poll, 5000);
    }
  };

  const again = () => {
    failures += 1;
    if (failures >= 3) {
      timer = setTimeout(poll, 0);
      return;
    }
    timer = setTimeout(connect, 1000 * 2 ** failures);
  };

  // The live stream: a fresh 60-second ticket each time (EventSource sends
  // no Authorization); a dropped stream reconnects with a new ticket, and
  // the server sends every ended item again (the page applies them by index).
  async function connect() {
    timer = null;
    if (closed || isFinal() || polling) return;
    if (typeof EventSource !== 'function') { poll(); return; }
    let ticket;
    try {
      ticket = await api(path + '/events-ticket', { method: 'POST' });
    } catch (err) {
      if (closed) return;
      if (err.status === 404) { liveError.textContent = errorText(err); liveError.hidden = false; return; }
      again();
      return;
    }
    if (closed) return;
    const src = new EventSource(ticket.url || (path + '/events?ticket=' + encodeURIComponent(ticket.ticket)));
    es = src;
    src.addEventListener('open', () => { failures = 0; liveError.hidden = true; });
    for (const name of ['item.completed', 'item.failed', 'item.canceled']) src.addEventListener(name, onItem);
    src.addEventListener('batch.finished', (ev) => {
      let d = {};
      try { d = JSON.parse(ev.data); } catch (_) { /* keep the items' view */ }
      finish({ status: d.status || b.status, completed_at: d.completed_at || b.completed_at });
    });
    src.addEventListener('error', () => {
      // EventSource would reconnect with the spent ticket: a new one instead.
      if (es !== src) return;
      src.close();
      es = null;
      if (!closed && !isFinal()) again();
    });
  }

  async function cancel() {
    if (!(await confirmDialog(t('batch.cancel_confirm'), { ok: t('batch.cancel_ok'), danger: true }))) return;
    try {
      const r = await busy(cancelBtn, api(path + '/cancel', { method: 'POST' }));
      notify(t('batch.canceled_n', { n: formatNumber(r.canceled || 0) }));
      if (polling || !es) { stop(); polling = false; failures = 0; await refresh(); }
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  async function refresh() {
    adopt(await api(path));
    resetPace();
    render();
    if (!isFinal()) connect();
  }

  async function retry() {
    try {
      const r = await busy(retryBtn, api(path + '/retry', { method: 'POST' }));
      notify(t('batch.retried', { n: formatNumber(r.retried || 0) }));
      stop();
      polling = false;
      failures = 0;
      await refresh();
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  async function zip() {
    try {
      await busy(zipBtn, (async () => {
        const res = await api(path + '/download', { raw: true });
        const blob = await res.blob();
        const m = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
        const url = URL.createObjectURL(blob);
        const a = h('a', { href: url, download: m ? m[1] : `batch-${id}.zip`, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 30000);
      })());
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  const summary = h('section', { class: 'card batch-summary', 'aria-label': t('batch.progress'), tabindex: '-1' },
    h('div', { class: 'batch-summary-head' }, statusEl, etaEl),
    label, bar, times,
    h('div', { class: 'row batch-actions' }, cancelBtn, retryBtn, zipBtn),
    liveError, announce);
  page(view, batchTitle(b),
    h('p', { class: 'batch-back' }, h('a', { href: href('/batch') }, h('span', { 'aria-hidden': 'true' }, '← '), t('batch.back'))),
    summary,
    h('h2', null, t('batch.items')),
    grid);
  for (const it of items.values()) drawItem(it);
  resetPace();
  render();
  if (!isFinal()) connect();
  return () => { closed = true; stop(); };
}

export function render(view, { params, view: which }) {
  if (which === 'one') return onePage(view, params.id);
  return listPage(view);
}
