// The catalogues (web/i18n/*.js) against each other and against the code:
// the same keys in every language, no empty string, and every key the code
// asks t() for is in them. Needs no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const LANGS = ['en', 'zh-TW', 'zh-CN'];
const cats = {};
for (const l of LANGS) cats[l] = (await import(join(WEB, 'i18n', `${l}.js`))).default;

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []);
}

test('every language has the same keys, none empty', () => {
  const en = Object.keys(cats.en).sort();
  assert.ok(en.length > 40);
  for (const l of LANGS) {
    assert.deepEqual(Object.keys(cats[l]).sort(), en, `${l} has the keys en has`);
    for (const [k, v] of Object.entries(cats[l])) assert.ok(typeof v === 'string' && v.trim() !== '', `${l} ${k}`);
  }
});

test('the Chinese catalogues are translations', () => {
  // A string may stay as in English only where it holds no letters a
  // translation would change (brand names, units, symbols).
  for (const l of ['zh-TW', 'zh-CN']) {
    const same = Object.keys(cats.en).filter((k) => cats[l][k] === cats.en[k] && /[A-Za-z]{3,}/.test(cats.en[k]));
    assert.deepEqual(same, [], `${l}: strings left in English`);
  }
});

test('every t() key in web/js is in the catalogues, with the same parameters', () => {
  const used = new Set();
  for (const f of sources(join(WEB, 'js'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bt\(\s*'([a-z0-9_.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 20);
  const missing = [...used].filter((k) => !(k in cats.en));
  assert.deepEqual(missing, [], 'keys used but not in the catalogues');
  for (const k of Object.keys(cats.en)) {
    const params = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');
    for (const l of LANGS) assert.equal(params(cats[l][k]), params(cats.en[k]), `${l} ${k}: parameters`);
  }
});
