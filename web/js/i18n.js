// Strings: one catalogue per language (web/i18n/LANG.js), every visible
// string of the UI comes from there through t(). The language is the user's
// choice (kept in localStorage and in their preferences), else the browser's.

export const languages = [
  { code: 'zh-TW', name: '繁體中文' },
  { code: 'zh-CN', name: '简体中文' },
  { code: 'en', name: 'English' },
];

const STORE_KEY = 'ig.lang';
let current = 'en';
let catalogue = {};
const listeners = new Set();

export function lang() {
  return current;
}

function known(code) {
  return languages.some((l) => l.code === code);
}

// The browser's language mapped onto ours: Traditional Chinese for zh-TW,
// zh-HK, zh-MO and zh-Hant, Simplified for other zh, English otherwise.
export function detect() {
  const stored = localStorage.getItem(STORE_KEY);
  if (known(stored)) return stored;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const x = l.toLowerCase();
    if (x.startsWith('zh')) return /-(tw|hk|mo|hant)/.test(x) ? 'zh-TW' : 'zh-CN';
    if (x.startsWith('en')) return 'en';
  }
  return 'en';
}

export async function setLang(code, { remember = true } = {}) {
  if (!known(code)) code = 'en';
  const mod = await import(`/i18n/${code}.js`);
  catalogue = mod.default;
  current = code;
  document.documentElement.lang = code;
  if (remember) localStorage.setItem(STORE_KEY, code);
  for (const fn of listeners) fn(code);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// t(key, {n: 3}) → the catalogue's string for key with {n} replaced.
// A key missing from the catalogue shows as the key itself (and the
// catalogue test in tests/browser fails), never as an empty string.
export function t(key, params) {
  const str = Object.prototype.hasOwnProperty.call(catalogue, key) ? catalogue[key] : key;
  if (!params) return str;
  return str.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export function formatNumber(n, opts) {
  return new Intl.NumberFormat(current, opts).format(n);
}

export function formatDate(iso, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : new Intl.DateTimeFormat(current, opts).format(d);
}
