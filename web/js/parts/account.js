// What the account, analytics and monitoring pages share: the provider
// catalogue (names), number formats, and the saved preferences (theme and
// language) applied when someone signs in.
import { h } from '../dom.js';
import { t, formatNumber, languages, lang, setLang } from '../i18n.js';
import { api, onSession } from '../api.js';

let catalogue = null;

// GET /api/settings/api-providers, once a page load (refresh: ask again).
export async function loadProviders({ refresh = false } = {}) {
  if (!catalogue || refresh) {
    const r = await api('/api/settings/api-providers');
    catalogue = r.providers || [];
  }
  return catalogue;
}

export function providerName(name) {
  const p = catalogue && catalogue.find((x) => x.name === name);
  return p ? p.display_name : name;
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${formatNumber(v, { maximumFractionDigits: i ? 1 : 0 })} ${units[i]}`;
}

export function ms(n) {
  if (n === null || n === undefined) return '—';
  return n >= 1000 ? `${formatNumber(n / 1000, { maximumFractionDigits: 2 })} s` : `${formatNumber(n, { maximumFractionDigits: 1 })} ms`;
}

// percent(42.5) → "42.5%" in the page's language.
export function percent(n) {
  if (n === null || n === undefined) return '—';
  return formatNumber(n / 100, { style: 'percent', maximumFractionDigits: 1 });
}

// A yes/no/unknown state as a symbol and a word (never colour alone).
export function state(ok, yes, no, unknown = t('monitoring.unknown')) {
  if (ok === true) return h('span', { class: 'state ok' }, '✓ ', yes);
  if (ok === false) return h('span', { class: 'state bad' }, '✗ ', no);
  return h('span', { class: 'state unknown' }, '– ', unknown);
}

// Apply a preferences object's theme and language (those it holds).
export function applyPreferences(prefs, setTheme) {
  if (!prefs) return;
  if (prefs.theme && setTheme) setTheme(prefs.theme);
  if (prefs.language && languages.some((l) => l.code === prefs.language) && prefs.language !== lang()) {
    setLang(prefs.language);
  }
}

// followSavedPreferences(setTheme): each time someone signs in (or a
// session is restored), the theme and language they saved apply. The user
// object of the sign-in holds only the preferences they chose.
export function followSavedPreferences(setTheme) {
  let seen = null;
  onSession((u) => {
    const id = u ? u.id : null;
    if (id && id !== seen) applyPreferences(u.preferences, setTheme);
    seen = id;
  });
}

// A table in a box that scrolls sideways on narrow screens; focusable, so
// that a keyboard can scroll it too.
export function tableBox(label, table) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'group', 'aria-label': label }, table);
}

// labelledTable(label, cls, columns, body): a table in its scrolling box,
// both named by label (the caption is for screen readers), one header cell
// a column.
export function labelledTable(label, cls, columns, body) {
  return tableBox(label, h('table', { class: cls },
    h('caption', { class: 'visually-hidden' }, label),
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
    body));
}
