// What the browser tests share: the browser, a page that records every
// console error, uncaught exception and dialog, accounts made through the
// API, screenshots, and the axe-core check.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);

// The UI over TLS, as people use it (the stack's certificate is its own);
// the API from node over plain HTTP on loopback.
export const UI = process.env.IG_TEST_HTTPS_URL;
export const API = process.env.IG_TEST_BASE_URL;
export const OUT = process.env.IG_BROWSER_OUT || '/tmp/imagegen-browser';
mkdirSync(join(OUT, 'screens'), { recursive: true });

export const VIEWPORTS = { wide: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.IG_CHROMIUM || '/usr/bin/chromium',
    headless: process.env.IG_BROWSER_HEADED !== '1',
    // Root has no sandbox; the rest keeps Chromium off the (closed) network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// open(browser, opts): a fresh context (no cookies) and page. problems
// collects console errors, page errors and dialogs; check them with
// assertClean(problems).
export async function open(browser, { viewport = VIEWPORTS.wide, locale = 'en-US' } = {}) {
  const context = await browser.newContext({ baseURL: UI, viewport, locale, ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium logs every 4xx answer as a console error. An API call the
    // page made and handled (a 400 naming a field, a 401 for a wrong
    // password) is the page working; a missing file of the page is not.
    const url = (m.location() && m.location().url) || '';
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) &&
        new URL(url, UI).pathname.startsWith('/api/')) return;
    problems.push(`console: ${m.text()} (${url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`dialog: ${d.type()} ${d.message()}`); await d.dismiss(); });
  return { context, page, problems };
}

export function assertClean(problems) {
  assert.deepEqual(problems, [], 'no console error, page error or dialog');
}

let serial = 0;
// A new account's fields, unique in this run.
export function newUser(prefix = 'ui') {
  serial += 1;
  const id = `${prefix}${Date.now().toString(36)}${serial}`.slice(0, 40);
  return { username: id, email: `${id}@example.test`, password: 'correct horse battery' };
}

// apiCall(path, {method, body, token}): the API from node (fixtures, checks).
export async function apiCall(path, { method = 'GET', body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (_) { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

// registerApi(user): the account made through the API; its access token.
export async function registerApi(user) {
  const r = await apiCall('/api/auth/register', { method: 'POST', body: user });
  assert.equal(r.status, 201, r.text);
  const l = await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: user.username, password: user.password } });
  assert.equal(l.status, 200, l.text);
  return l.json.access_token;
}

// signIn(page, user): through the sign-in page, as a person would
// (go: false when the page shows the sign-in form already).
export async function signIn(page, user, { go = true } = {}) {
  if (go) await page.goto('/#/login');
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.user-name').filter({ hasText: user.username }).waitFor();
}

// shots(page, name): screenshots at 1280×800 and 390×844 in OUT/screens.
export async function shots(page, name) {
  const before = page.viewportSize();
  for (const [label, vp] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(vp);
    await page.screenshot({ path: join(OUT, 'screens', `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe(page): the serious and critical violations axe-core finds on the page
// as it is now (evaluated through the DevTools protocol: the page's
// Content-Security-Policy stays in force for the page's own scripts).
export async function axe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function assertAccessible(page, what) {
  const bad = await axe(page);
  assert.deepEqual(bad, [], `axe-core: no serious violation on ${what}`);
}
