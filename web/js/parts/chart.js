// Charts drawn as SVG from the API's numbers: a horizontal bar chart (one
// value per label) and a column chart over time (several series side by
// side). Each is a <figure> whose caption names it; every bar carries its
// value as text (a visible label and a <title>), series differ by pattern
// and by a legend, not by colour alone, and a table under the chart holds
// the same numbers for screen readers and for reading exactly.
import { h, s } from '../dom.js';
import { t, formatNumber } from '../i18n.js';
import { nextId } from '../ui.js';

const FONT = 14;

// The width a chart may take: the page's content box, so that its text is
// drawn near its nominal size from phones (about 330) to wide screens (720).
function room() {
  const main = document.getElementById('main');
  const w = main ? main.clientWidth - 56 : 640;
  return Math.max(300, Math.min(720, w || 640));
}

// Round a maximum up to a "nice" axis end (1, 2, 2.5, 5 × 10^n) and its step.
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { top: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (max >= 1 && step < 1) step = 1;
  return { top: Math.ceil(max / step) * step, step };
}

// The <defs> of a chart's fill patterns: solid and hatched, keyed by name.
function patterns() {
  const ids = { solid: nextId('pat'), hatch: nextId('pat'), dots: nextId('pat') };
  const defs = s('defs', null,
    s('pattern', { id: ids.hatch, width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      s('rect', { class: 'pat-bg', width: 8, height: 8 }),
      s('rect', { class: 'pat-ink-2', width: 4, height: 8 })),
    s('pattern', { id: ids.dots, width: 6, height: 6, patternUnits: 'userSpaceOnUse' },
      s('rect', { class: 'pat-bg', width: 6, height: 6 }),
      s('circle', { class: 'pat-ink-3', cx: 3, cy: 3, r: 1.8 })));
  return { defs, fill: (kind) => (kind === 'hatch' || kind === 'dots' ? `url(#${ids[kind]})` : null) };
}

function dataTable(caption, head, rows) {
  return h('details', { class: 'chart-data' },
    h('summary', null, t('chart.show_table')),
    h('table', null,
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null, head.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
      h('tbody', null, rows.map((r) => h('tr', null, r.map((c, i) => (i
        ? h('td', { class: 'num' }, c)
        : h('th', { scope: 'row' }, c))))))));
}

// The frame every chart shares: caption, a scrollable (and focusable, so a
// keyboard can scroll it) box for the SVG, an optional legend, the table.
function frame(title, svg, { legend, table, labelId, extraClass }) {
  const scroller = h('div', { class: 'chart-scroll', tabindex: '0', role: 'group', 'aria-labelledby': labelId }, svg);
  return h('figure', { class: ['chart', extraClass] },
    h('figcaption', { id: labelId }, title),
    scroller, legend, table);
}

// barChart({title, items: [{label, value, text}], max, valueHead, labelHead,
// extraColumns: [{head, values: [...]}]}): one horizontal bar per item, its
// value written beside it (text, default the number formatted).
export function barChart({ title, items, max, labelHead, valueHead, extraColumns = [], kind = 'solid' }) {
  const labelId = nextId('chart');
  const W = room();
  const narrow = W < 480;
  const LABEL = narrow ? 112 : 170;
  const VALUE = narrow ? 72 : 110;
  const ROW = 34;
  const top = 8;
  const H = top + Math.max(1, items.length) * ROW + 24;
  const hi = max || niceScale(Math.max(0, ...items.map((i) => i.value || 0))).top;
  const scaleW = W - LABEL - VALUE;
  const pat = patterns();
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-labelledby': labelId,
    preserveAspectRatio: 'xMinYMin meet', width: W, height: H,
  }, pat.defs);
  // Grid and its scale along the bottom.
  const { step } = niceScale(hi);
  for (let v = 0; v <= hi + 1e-9; v += step) {
    const x = LABEL + (v / hi) * scaleW;
    svg.append(s('line', { class: 'grid', x1: x, x2: x, y1: top, y2: H - 22 }),
      s('text', { class: 'tick', x, y: H - 6, 'text-anchor': 'middle', 'font-size': FONT - 2 }, formatNumber(v)));
  }
  items.forEach((it, i) => {
    const y = top + i * ROW;
    const w = hi > 0 ? Math.max(0, (it.value || 0) / hi) * scaleW : 0;
    const text = it.text !== undefined ? it.text : formatNumber(it.value || 0);
    const g = s('g', { class: 'bar-row' },
      s('title', null, `${it.label}: ${text}`),
      s('text', { class: 'label', x: LABEL - 8, y: y + ROW / 2 + 5, 'text-anchor': 'end', 'font-size': FONT },
        it.label.length > (narrow ? 13 : 20) ? it.label.slice(0, narrow ? 12 : 19) + '…' : it.label),
      s('rect', {
        class: ['bar', `bar-${kind}`], x: LABEL, y: y + 6, width: Math.max(w, it.value ? 2 : 0), height: ROW - 12,
        fill: pat.fill(kind),
      }),
      s('text', { class: 'value', x: LABEL + w + 6, y: y + ROW / 2 + 5, 'font-size': FONT }, text));
    svg.append(g);
  });
  svg.append(s('line', { class: 'axis', x1: LABEL, x2: LABEL, y1: top, y2: H - 22 }));
  if (!items.length) {
    svg.append(s('text', { class: 'tick', x: W / 2, y: top + ROW / 2 + 5, 'text-anchor': 'middle', 'font-size': FONT }, t('chart.no_data')));
  }
  // Drawn for the page's width: narrower (a turned phone) scrolls sideways.
  svg.style.minWidth = `${Math.round(W * 0.7)}px`;
  const table = dataTable(title,
    [labelHead, valueHead, ...extraColumns.map((c) => c.head)],
    items.map((it, i) => [it.label, it.text !== undefined ? it.text : formatNumber(it.value || 0),
      ...extraColumns.map((c) => c.values[i])]));
  return frame(title, svg, { table, labelId });
}

// columnChart({title, buckets: [{label, short, values: {key: n}}], series:
// [{key, label, kind: solid|hatch|dots}], labelHead}): per bucket one column
// per series, side by side, over a labelled y axis; x labels thinned to fit,
// each column's value in its <title>, every value in the table.
export function columnChart({ title, buckets, series, labelHead, yLabel }) {
  const labelId = nextId('chart');
  const n = Math.max(1, buckets.length);
  const LEFT = 56;
  const RIGHT = 12;
  const TOP = 24;
  const BOTTOM = 46;
  const PER = Math.max(14, Math.min(60, Math.floor((room() - LEFT - RIGHT) / n)));
  const W = LEFT + RIGHT + n * PER;
  const H = 280;
  const plotH = H - TOP - BOTTOM;
  const hiRaw = Math.max(0, ...buckets.flatMap((b) => series.map((sr) => b.values[sr.key] || 0)));
  const { top: hi, step } = niceScale(hiRaw);
  const pat = patterns();
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'chart-svg', role: 'img', 'aria-labelledby': labelId,
    width: W, height: H,
  }, pat.defs);
  if (yLabel) svg.append(s('text', { class: 'tick', x: 4, y: 14, 'font-size': FONT - 2 }, yLabel));
  for (let v = 0; v <= hi + 1e-9; v += step) {
    const y = TOP + plotH - (v / hi) * plotH;
    svg.append(s('line', { class: 'grid', x1: LEFT, x2: W - RIGHT, y1: y, y2: y }),
      s('text', { class: 'tick', x: LEFT - 6, y: y + 4, 'text-anchor': 'end', 'font-size': FONT - 2 }, formatNumber(v)));
  }
  const every = Math.ceil(n / Math.max(1, Math.floor((W - LEFT) / 70)));
  const colW = Math.max(3, (PER - 6) / series.length);
  buckets.forEach((b, i) => {
    const x0 = LEFT + i * PER + 3;
    const g = s('g', { class: 'bucket' });
    series.forEach((sr, j) => {
      const v = b.values[sr.key] || 0;
      const hgt = hi > 0 ? (v / hi) * plotH : 0;
      g.append(s('rect', {
        class: ['bar', `bar-${sr.kind || 'solid'}`], x: x0 + j * colW, y: TOP + plotH - hgt,
        width: colW - 1, height: Math.max(hgt, v ? 1.5 : 0), fill: pat.fill(sr.kind),
      }, s('title', null, `${b.label} · ${sr.label}: ${formatNumber(v)}`)));
      // The value above its column when there is room to read it.
      if (v && PER >= 28) {
        g.append(s('text', {
          class: 'value', x: x0 + j * colW + (colW - 1) / 2, y: TOP + plotH - hgt - 4,
          'text-anchor': 'middle', 'font-size': FONT - 3,
        }, formatNumber(v)));
      }
    });
    if (i % every === 0) {
      g.append(s('text', {
        class: 'tick', x: x0 + (PER - 6) / 2, y: H - BOTTOM + 18, 'text-anchor': 'middle', 'font-size': FONT - 2,
      }, b.short || b.label));
    }
    svg.append(g);
  });
  svg.append(s('line', { class: 'axis', x1: LEFT, x2: W - RIGHT, y1: TOP + plotH, y2: TOP + plotH }),
    s('line', { class: 'axis', x1: LEFT, x2: LEFT, y1: TOP, y2: TOP + plotH }));
  // The legend: each series' pattern and name.
  const legend = h('ul', { class: 'chart-legend' }, series.map((sr) => {
    const p = patterns();
    return h('li', null,
      s('svg', { width: 18, height: 18, viewBox: '0 0 18 18', 'aria-hidden': 'true', class: 'chart-svg swatch' },
        p.defs, s('rect', { class: ['bar', `bar-${sr.kind || 'solid'}`], x: 1, y: 1, width: 16, height: 16, fill: p.fill(sr.kind) })),
      sr.label);
  }));
  const table = dataTable(title, [labelHead, ...series.map((sr) => sr.label)],
    buckets.map((b) => [b.label, ...series.map((sr) => formatNumber(b.values[sr.key] || 0))]));
  const fig = frame(title, svg, { legend, table, labelId });
  // Wide series scroll sideways rather than shrink past reading.
  svg.style.minWidth = `${PER === 14 ? W : Math.round(W * 0.7)}px`;
  return fig;
}
