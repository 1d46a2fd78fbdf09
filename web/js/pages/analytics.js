// Analytics: the caller's usage over a date range — totals, images by
// provider, images and failures per day (or hour, or week) and the most used
// prompts — from GET /api/analytics/usage-stats, generation-trends and
// popular-prompts, drawn by parts/chart.js. Administrators may look at
// everyone's (scope=all).
import { h, clear, append } from '../dom.js';
import { t, formatNumber, formatDate } from '../i18n.js';
import { api, user } from '../api.js';
import { page, field, form, button, empty, spinner, errorText } from '../ui.js';
import { barChart, columnChart } from '../parts/chart.js';
import { providerName, loadProviders, bytes, ms, percent, tableBox } from '../parts/account.js';

const DAY = 86400000;

// A local date as YYYY-MM-DD.
function ymd(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function addDays(str, n) {
  const [y, m, d] = str.split('-').map(Number);
  return ymd(new Date(y, m - 1, d + n));
}

function zone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch (_) {
    return 'UTC';
  }
}

// The range the page shows: from the address (so a reload or a language
// change keeps it), else the last 30 days through today.
function rangeOf(query) {
  const valid = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v || '');
  const to = valid(query.get('to')) ? query.get('to') : ymd(new Date());
  const from = valid(query.get('from')) ? query.get('from') : addDays(to, -29);
  const interval = ['hour', 'day', 'week'].includes(query.get('interval')) ? query.get('interval') : 'day';
  const scope = query.get('scope') === 'all' ? 'all' : 'own';
  return { from, to, interval, scope };
}

// The API's parameters: its `to` is exclusive, the page's "through" date is not.
function params(r) {
  return { from: r.from, to: addDays(r.to, 1), tz: zone(), scope: r.scope === 'all' ? 'all' : undefined };
}

async function fetchAll(r) {
  const q = params(r);
  const [usage, trends, popular] = await Promise.all([
    api('/api/analytics/usage-stats', { query: q }),
    api('/api/analytics/generation-trends', { query: { ...q, interval: r.interval } }),
    api('/api/analytics/popular-prompts', { query: { ...q, limit: 10 } }),
  ]);
  return { usage, trends, popular };
}

function stat(label, value, note) {
  return h('div', { class: 'stat' }, h('dt', null, label), h('dd', null, value, note ? h('span', { class: 'muted stat-note' }, note) : null));
}

function summary(u) {
  const b = u.batches || {};
  return h('section', { 'aria-labelledby': 'an-sum' },
    h('h2', { id: 'an-sum' }, t('analytics.summary')),
    h('dl', { class: 'stats' },
      stat(t('analytics.generations'), formatNumber(u.total_generations),
        t('analytics.generations_note', { ok: formatNumber(u.succeeded || 0), failed: formatNumber(u.failed || 0) })),
      stat(t('analytics.images'), formatNumber(u.total_images)),
      stat(t('analytics.success_rate'), u.success_rate === null ? '—' : percent(u.success_rate * 100)),
      stat(t('analytics.storage'), bytes(u.storage_bytes), t('analytics.storage_note')),
      stat(t('analytics.batches'), formatNumber(Object.values(b).reduce((a, x) => a + (x || 0), 0)),
        t('analytics.batches_note', { done: formatNumber(b.completed || 0), partial: formatNumber(b.partial || 0), failed: formatNumber(b.failed || 0) }))));
}

function byProvider(u) {
  const rows = u.by_provider || [];
  return h('section', { 'aria-labelledby': 'an-prov' },
    h('h2', { id: 'an-prov' }, t('analytics.by_provider')),
    rows.length
      ? barChart({
        title: t('analytics.images_by_provider'),
        labelHead: t('analytics.provider'),
        valueHead: t('analytics.images'),
        items: rows.map((p) => ({ label: providerName(p.provider), value: p.images })),
        extraColumns: [
          { head: t('analytics.generations'), values: rows.map((p) => formatNumber(p.generations)) },
          { head: t('analytics.failures'), values: rows.map((p) => formatNumber(p.failures)) },
          { head: t('analytics.avg_time'), values: rows.map((p) => (p.avg_time_ms === null ? '—' : ms(p.avg_time_ms))) },
          { head: t('analytics.p95_time'), values: rows.map((p) => (p.p95_time_ms === null ? '—' : ms(p.p95_time_ms))) },
        ],
      })
      : empty(t('analytics.none')));
}

function bucketLabels(bucket, interval) {
  if (interval === 'hour') {
    return { label: formatDate(bucket, { dateStyle: 'medium', timeStyle: 'short' }), short: formatDate(bucket, { hour: 'numeric', day: 'numeric' }) };
  }
  const label = interval === 'week'
    ? t('analytics.week_of', { date: formatDate(bucket, { dateStyle: 'medium' }) })
    : formatDate(bucket, { dateStyle: 'medium' });
  return { label, short: formatDate(bucket, { month: 'numeric', day: 'numeric' }) };
}

function trends(tr) {
  const series = tr.series || [];
  const any = series.some((b) => b.images || b.failures);
  const heading = t(`analytics.trend_${tr.interval || 'day'}`);
  return h('section', { 'aria-labelledby': 'an-trend' },
    h('h2', { id: 'an-trend' }, heading),
    any
      ? columnChart({
        title: heading,
        labelHead: t('analytics.period'),
        yLabel: t('analytics.count'),
        series: [
          { key: 'images', label: t('analytics.images'), kind: 'solid' },
          { key: 'failures', label: t('analytics.failures'), kind: 'hatch' },
        ],
        buckets: series.map((b) => ({ ...bucketLabels(b.bucket, tr.interval), values: { images: b.images, failures: b.failures } })),
      })
      : empty(t('analytics.none')));
}

function popular(p) {
  const prompts = p.prompts || [];
  const terms = p.terms || [];
  return h('section', { 'aria-labelledby': 'an-pop' },
    h('h2', { id: 'an-pop' }, t('analytics.popular')),
    prompts.length
      ? tableBox(t('analytics.popular'), h('table', { class: 'prompts' },
        h('caption', { class: 'visually-hidden' }, t('analytics.popular')),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, t('analytics.prompt')),
          h('th', { scope: 'col', class: 'num' }, t('analytics.times')),
          h('th', { scope: 'col' }, t('analytics.last_used')))),
        h('tbody', null, prompts.map((x) => h('tr', null,
          h('td', { class: 'prompt-text' }, x.prompt),
          h('td', { class: 'num' }, formatNumber(x.count)),
          h('td', null, formatDate(x.last_used)))))))
      : empty(t('analytics.none')),
    terms.length
      ? barChart({
        title: t('analytics.terms'),
        labelHead: t('analytics.term'),
        valueHead: t('analytics.times'),
        kind: 'dots',
        items: terms.map((x) => ({ label: x.term, value: x.count })),
      })
      : null);
}

export async function render(view, { query }) {
  const r = rangeOf(query);
  await loadProviders().catch(() => null); // names only: the raw ids serve otherwise
  const u = user();
  const results = h('div', { class: 'analytics-results' });
  const status = h('p', { class: 'muted', role: 'status' });

  const show = (data, range) => {
    clear(results);
    append(results, summary(data.usage), byProvider(data.usage), trends(data.trends), popular(data.popular));
    status.textContent = t('analytics.showing', {
      from: formatDate(range.from + 'T00:00', { dateStyle: 'medium' }),
      to: formatDate(range.to + 'T00:00', { dateStyle: 'medium' }),
    });
  };

  const rangeForm = form(async (fd) => {
    const next = {
      from: fd.get('from'), to: fd.get('to'), interval: fd.get('interval'), scope: fd.get('scope') ? 'all' : 'own',
    };
    if (next.from && next.to && next.from > next.to) {
      const err = new Error(t('analytics.bad_range'));
      err.field = 'to';
      throw err;
    }
    const data = await fetchAll(next);
    show(data, next);
    // The address keeps the range (reload, language change) without a re-render.
    const q = new URLSearchParams({ from: next.from, to: next.to, interval: next.interval });
    if (next.scope === 'all') q.set('scope', 'all');
    history.replaceState(null, '', '#/analytics?' + q);
  },
  h('div', { class: 'range-fields' },
    field({ label: t('analytics.from'), name: 'from', type: 'date', value: r.from, required: true }),
    field({ label: t('analytics.to'), name: 'to', type: 'date', value: r.to, required: true }),
    field({
      label: t('analytics.interval'), name: 'interval', type: 'select', value: r.interval,
      options: [
        { value: 'day', label: t('analytics.by_day') },
        { value: 'week', label: t('analytics.by_week') },
        { value: 'hour', label: t('analytics.by_hour') },
      ],
    }),
    u && u.role === 'admin'
      ? field({ label: t('analytics.everyone'), name: 'scope', type: 'checkbox', value: 'all', checked: r.scope === 'all' })
      : null,
    h('div', { class: 'row range-go' }, button(t('analytics.apply'), null, { kind: 'primary', type: 'submit' }))));
  rangeForm.classList.add('range-form');
  rangeForm.setAttribute('aria-label', t('analytics.range'));

  page(view, t('analytics.title'),
    h('p', { class: 'muted' }, t('analytics.intro')),
    rangeForm, status, results);
  append(results, spinner());
  try {
    show(await fetchAll(r), r);
  } catch (err) {
    clear(results);
    append(results, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
  }
}
