// The first screen's weight: everything the browser fetches to show the
// sign-in page (signed out) and the generate page (signed in), as sent over
// the wire (compressed), under 150 KB in total each; the UI's text files are
// sent compressed, and nothing is fetched from another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, assertClean, newUser, registerApi, signIn, UI } from './lib.mjs';

const BUDGET = 150 * 1024;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// weigh(page, go, ready): the responses of the page's load: total encoded
// bytes (headers and body), each URL with its size and encoding.
async function weigh(page, go, ready) {
  const seen = [];
  const listener = (res) => seen.push(res);
  page.on('response', listener);
  await go();
  await ready();
  await page.waitForLoadState('networkidle');
  page.off('response', listener);
  const rows = [];
  for (const res of seen) {
    const sizes = await res.request().sizes();
    rows.push({
      url: res.url(), status: res.status(), bytes: sizes.responseBodySize + sizes.responseHeadersSize,
      encoding: (await res.allHeaders())['content-encoding'] || '', type: (await res.allHeaders())['content-type'] || '',
    });
  }
  return rows;
}

function report(name, rows) {
  const total = rows.reduce((a, r) => a + r.bytes, 0);
  console.log(`${name}: ${rows.length} responses, ${(total / 1024).toFixed(1)} KB on the wire (budget ${BUDGET / 1024} KB)`);
  for (const r of rows) console.log(`  ${String(r.bytes).padStart(7)} ${r.encoding.padEnd(5)} ${r.status} ${r.url}`);
  return total;
}

function checkRows(rows) {
  const origin = new URL(UI).origin;
  for (const r of rows) {
    assert.equal(new URL(r.url).origin, origin, `${r.url}: nothing from another origin`);
    if (/javascript|css|svg/.test(r.type) && r.bytes > 1400) assert.equal(r.encoding, 'gzip', `${r.url} is compressed`);
  }
}

test('the sign-in page, signed out, weighs under 150 KB', async () => {
  const { context, page, problems } = await open(browser);
  const rows = await weigh(page, () => page.goto('/'), () => page.getByRole('heading', { name: 'Sign in' }).waitFor());
  checkRows(rows);
  assert.ok(report('sign-in page', rows) < BUDGET);
  assertClean(problems);
  await context.close();
});

test('the generate page, signed in, weighs under 150 KB', async () => {
  const u = newUser('budget');
  await registerApi(u);
  const { context, page, problems } = await open(browser);
  await signIn(page, u);
  // A fresh page in the same context: the session resumes from the cookie
  // and nothing is in the memory cache.
  const page2 = await context.newPage();
  page2.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const client = await context.newCDPSession(page2);
  await client.send('Network.setCacheDisabled', { cacheDisabled: true });
  const rows = await weigh(page2, () => page2.goto('/#/generate'),
    () => page2.getByRole('heading', { name: 'Generate', exact: false }).first().waitFor());
  checkRows(rows);
  assert.ok(report('generate page', rows) < BUDGET);
  assertClean(problems);
  await context.close();
});
