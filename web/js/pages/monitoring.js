// Monitoring, for administrators: the host's CPU, memory and disk, request
// metrics, the providers' and services' health, and the recent client
// events (GET /api/monitoring/system-stats, performance-metrics, api-health,
// events). Refreshed on demand and every 30 s while the page is open.
import { h, clear, append } from '../dom.js';
import { t, formatNumber, formatDate } from '../i18n.js';
import { api, user } from '../api.js';
import { page, button, busy, empty, spinner, errorText } from '../ui.js';
import { barChart } from '../parts/chart.js';
import { loadProviders, providerName, bytes, ms, percent, state, tableBox, labelledTable } from '../parts/account.js';

const EVERY = 30000;

function forbidden(view) {
  page(view, t('monitoring.forbidden_title'),
    h('p', { role: 'alert', class: 'forbidden' }, t('monitoring.forbidden')));
}

function failure(err) {
  return h('p', { class: 'form-error', role: 'alert' }, errorText(err));
}

function stat(label, value) {
  return h('div', { class: 'stat' }, h('dt', null, label), h('dd', null, value));
}

function system(st) {
  const items = [
    { label: t('monitoring.cpu'), value: st.cpu_usage },
    { label: t('monitoring.memory'), value: st.memory_usage },
    { label: t('monitoring.disk'), value: st.disk_usage },
  ].map((x) => ({ ...x, value: x.value === null ? 0 : x.value, text: percent(x.value) }));
  return [
    barChart({
      title: t('monitoring.usage_chart'), max: 100, items,
      labelHead: t('monitoring.resource'), valueHead: t('monitoring.used'),
    }),
    h('dl', { class: 'stats' },
      stat(t('monitoring.load'), st.load_average ? st.load_average.map((x) => formatNumber(x, { maximumFractionDigits: 2 })).join(' · ') : '—'),
      st.memory_total_bytes ? stat(t('monitoring.memory_total'), bytes(st.memory_total_bytes)) : null,
      stat(t('monitoring.sampled'), formatDate(st.timestamp, { timeStyle: 'medium' }))),
  ];
}

function performance(pm) {
  const lat = [
    { label: t('monitoring.avg'), value: pm.avg_response_time },
    { label: 'p50', value: pm.p50_ms },
    { label: 'p95', value: pm.p95_ms },
    { label: 'p99', value: pm.p99_ms },
  ].filter((x) => x.value !== undefined && x.value !== null).map((x) => ({ ...x, text: ms(x.value) }));
  const statuses = Object.entries(pm.by_status || {}).sort(([a], [b]) => a.localeCompare(b));
  return [
    h('dl', { class: 'stats' },
      stat(t('monitoring.requests'), formatNumber(pm.total_requests)),
      stat(t('monitoring.error_rate'), percent(pm.error_rate * 100)),
      stat(t('monitoring.uptime'), pm.uptime),
      pm.in_flight !== undefined ? stat(t('monitoring.in_flight'), formatNumber(pm.in_flight)) : null,
      pm.worker_restarts !== undefined ? stat(t('monitoring.restarts'), formatNumber(pm.worker_restarts)) : null),
    barChart({ title: t('monitoring.latency_chart'), items: lat, labelHead: t('monitoring.measure'), valueHead: t('monitoring.time') }),
    statuses.length
      ? barChart({
        title: t('monitoring.by_status'), kind: 'hatch',
        items: statuses.map(([code, n]) => ({ label: `HTTP ${code}`, value: n })),
        labelHead: t('monitoring.status'), valueHead: t('monitoring.requests'),
      })
      : null,
  ];
}

function health(ah) {
  const db = ah.database || {};
  const sto = ah.storage || {};
  const run = ah.runners || {};
  return [
    h('dl', { class: 'stats' },
      stat(t('monitoring.database'), [state(db.status === 'up', t('monitoring.up'), t('monitoring.down')),
        db.latency_ms !== null && db.latency_ms !== undefined ? ` (${ms(db.latency_ms)})` : '']),
      stat(t('monitoring.storage'), sto.free_bytes !== null && sto.free_bytes !== undefined
        ? t('monitoring.free_of', { free: bytes(sto.free_bytes), total: bytes(sto.total_bytes), pct: percent(sto.free_percent) })
        : '—'),
      stat(t('monitoring.runners'), run.active === null || run.active === undefined ? '—' : formatNumber(run.active))),
    tableBox(t('monitoring.health'), h('table', { class: 'health' },
      h('caption', null, t('monitoring.providers_caption', { at: ah.providers_checked_at ? formatDate(ah.providers_checked_at, { timeStyle: 'medium' }) : '—' })),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('monitoring.provider')),
        h('th', { scope: 'col' }, t('monitoring.configured')),
        h('th', { scope: 'col' }, t('monitoring.reachable')),
        h('th', { scope: 'col' }, t('monitoring.key')),
        h('th', { scope: 'col', class: 'num' }, t('monitoring.latency')),
        h('th', { scope: 'col' }, t('monitoring.last_error')))),
      h('tbody', null, (ah.providers || []).map((p) => h('tr', null,
        h('th', { scope: 'row' }, providerName(p.name)),
        h('td', null, state(p.configured, t('monitoring.yes'), t('monitoring.no'))),
        h('td', null, state(p.reachable, t('monitoring.yes'), t('monitoring.no'), t('monitoring.not_checked'))),
        h('td', null, state(p.key_valid, t('monitoring.valid'), t('monitoring.invalid'), t('monitoring.not_checked'))),
        h('td', { class: 'num' }, p.latency_ms === null || p.latency_ms === undefined ? '—' : ms(p.latency_ms)),
        h('td', { class: 'small' }, p.last_error || '—')))))),
  ];
}

function eventRows(events) {
  return events.map((e) => h('tr', null,
    h('td', { class: 'nowrap' }, formatDate(e.created_at)),
    h('td', null, h('code', null, e.event_type)),
    h('td', null, e.username || e.user_id || '—'),
    h('td', { class: 'small' }, e.message || ''),
    h('td', { class: 'small mono' }, e.metadata && Object.keys(e.metadata).length ? JSON.stringify(e.metadata) : '')));
}

export async function render(view) {
  const u = user();
  if (!u || u.role !== 'admin') {
    forbidden(view);
    return null;
  }
  const sys = h('div', null, spinner());
  const perf = h('div', null, spinner());
  const hlth = h('div', null, spinner());
  const evBody = h('tbody');
  const evWrap = h('div', null, spinner());
  const stamp = h('p', { class: 'muted', role: 'status' });
  let cursor = null;
  let alive = true;
  let timer = null;

  const more = button(t('monitoring.more'), async () => {
    try {
      const r = await busy(more, api('/api/monitoring/events', { query: { limit: 25, cursor } }));
      append(evBody, eventRows(r.events || []));
      cursor = r.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      more.after(failure(err));
    }
  });

  const section = (target, promise, draw) => promise.then(
    (data) => { if (alive) append(clear(target), draw(data)); return true; },
    (err) => { if (alive) append(clear(target), failure(err)); return false; });

  async function refresh(fresh) {
    clearTimeout(timer);
    const jobs = [
      section(sys, api('/api/monitoring/system-stats'), system),
      section(perf, api('/api/monitoring/performance-metrics'), performance),
      section(hlth, api('/api/monitoring/api-health', { query: { fresh: fresh ? 1 : undefined } }), health),
      section(evWrap, api('/api/monitoring/events', { query: { limit: 25 } }), (r) => {
        clear(evBody);
        append(evBody, eventRows(r.events || []));
        cursor = r.next_cursor;
        more.hidden = !cursor;
        return (r.events || []).length
          ? [labelledTable(t('monitoring.events'), 'events',
            [t('monitoring.when'), t('monitoring.type'), t('monitoring.user'), t('monitoring.message'), t('monitoring.metadata')],
            evBody), more]
          : empty(t('monitoring.no_events'));
      }),
    ];
    await Promise.all(jobs);
    if (!alive) return;
    stamp.textContent = t('monitoring.updated', { at: formatDate(new Date().toISOString(), { timeStyle: 'medium' }) });
    timer = setTimeout(() => refresh(false), EVERY);
  }

  const again = button(t('monitoring.refresh'), () => busy(again, refresh(true)), { kind: 'primary' });
  page(view, t('monitoring.title'),
    h('div', { class: 'row monitor-bar' }, again, stamp),
    h('p', { class: 'muted' }, t('monitoring.auto')),
    h('section', { 'aria-labelledby': 'mo-sys' }, h('h2', { id: 'mo-sys' }, t('monitoring.system')), sys),
    h('section', { 'aria-labelledby': 'mo-perf' }, h('h2', { id: 'mo-perf' }, t('monitoring.performance')), perf),
    h('section', { 'aria-labelledby': 'mo-health' }, h('h2', { id: 'mo-health' }, t('monitoring.health')), hlth),
    h('section', { 'aria-labelledby': 'mo-ev' }, h('h2', { id: 'mo-ev' }, t('monitoring.events')), evWrap));
  await loadProviders().catch(() => null);
  refresh(false);
  return () => {
    alive = false;
    clearTimeout(timer);
  };
}
