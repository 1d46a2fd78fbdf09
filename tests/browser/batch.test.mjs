// Batches through the UI: 20 prompts live to 100 % without a reload, a
// slow batch canceled mid-way, a failed item retried, the ZIP download,
// prompts read from a .txt chosen and a .csv dropped, and the parsers
// themselves (web/js/parts/batch.js, plain functions: checked in node).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  launch, open, assertClean, newUser, registerApi, signIn, shots, assertAccessible, apiCall, OUT,
} from './lib.mjs';
import { fromLines, fromCsv, fromFile, csvRecords, etaSeconds, BATCH_MAX } from '../../web/js/parts/batch.js';

const MOCK = process.env.IG_MOCK_URL;
const STACK = process.env.IG_TEST_STACK;
const STACK_CMD = process.env.IG_TEST_STACK_CMD;
const LONG = { timeout: 180000 };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// ---- helpers ----------------------------------------------------------

async function mock(path, body) {
  const r = await fetch(`${MOCK}/_control/${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(r.status, 200, await r.text());
}

function stack(cmd) {
  execFileSync(STACK_CMD, [cmd, STACK], { stdio: 'ignore' });
}

// A signed-in page on the batch list.
async function batchPage(user, opts) {
  const o = await open(browser, opts);
  // The page's event streams, to see them closed when it is left.
  await o.page.addInitScript(() => {
    const Real = window.EventSource;
    window.testSources = [];
    window.EventSource = class extends Real {
      constructor(...args) { super(...args); window.testSources.push(this); }
    };
  });
  await o.page.goto('/#/login?next=%2Fbatch');
  await signIn(o.page, user, { go: false });
  await o.page.getByRole('heading', { name: 'New batch' }).waitFor();
  return o;
}

const progress = (page) => page.locator('.batch-summary [role=progressbar]');

async function valueNow(page) {
  return Number(await progress(page).getAttribute('aria-valuenow'));
}

// The entry names of a ZIP archive (its central directory).
function zipNames(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a ZIP ends with its central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const n = buf.readUInt16LE(at + 28);
    const m = buf.readUInt16LE(at + 30);
    const k = buf.readUInt16LE(at + 32);
    names.push(buf.subarray(at + 46, at + 46 + n).toString('utf8'));
    at += 46 + n + m + k;
  }
  return names;
}

// ---- the parsers (no browser) -----------------------------------------

test('prompt files: text lines, comments, CSV columns, quotes and headers', () => {
  const txt = fromLines('a cat\r\n# a comment\n\n  a   dog  \n' + 'x'.repeat(4001) + '\n一隻貓\n', { comments: true });
  assert.deepEqual(txt.prompts, ['a cat', 'a dog', '一隻貓']);
  assert.deepEqual(txt.skipped, [{ line: 2, reason: 'comment' }, { line: 3, reason: 'empty' }, { line: 5, reason: 'too_long' }]);
  // Pasted text keeps '#' lines: only files have comments.
  assert.deepEqual(fromLines('#1 best\n').prompts, ['#1 best']);

  assert.deepEqual(csvRecords('a,"b,c"\n"say ""hi""",x\r\n"two\nlines",y'), [
    { line: 1, cells: ['a', 'b,c'] }, { line: 2, cells: ['say "hi"', 'x'] }, { line: 3, cells: ['two\nlines', 'y'] }]);
  const csv = fromCsv('\uFEFFid,Prompt,style\n1,"a red fox, at dawn",photo\n2,,x\n3,"a ""quoted"" owl\non a branch",y\n');
  assert.deepEqual(csv.prompts, ['a red fox, at dawn', 'a "quoted" owl on a branch']);
  assert.deepEqual(csv.skipped, [{ line: 1, reason: 'header' }, { line: 3, reason: 'empty' }]);
  // Without a header row: the first column, every row.
  assert.deepEqual(fromCsv('a sunset,1\n夕陽下的山,2').prompts, ['a sunset', '夕陽下的山']);
  assert.deepEqual(fromFile('p.CSV', 'prompt\nx').prompts, ['x']);
  assert.deepEqual(fromFile('p.txt', 'prompt\nx').prompts, ['prompt', 'x']);
  assert.equal(etaSeconds(10, 1.5), 15);
  assert.equal(etaSeconds(0, 1.5), null);
  assert.equal(etaSeconds(3, null), null);
});

// ---- in the browser ---------------------------------------------------

test('a batch of 20 builtin prompts: live progress to 100 % without a reload, then its ZIP', LONG, async () => {
  const u = newUser('bat');
  await registerApi(u);
  const { context, page, problems } = await batchPage(u);
  await assertAccessible(page, 'the batch list (empty)');

  const prompts = Array.from({ length: 20 }, (_, i) => `batch ui test ${i + 1}: a lighthouse on a cliff, style ${i}`);
  await page.getByLabel('Name (optional)').fill('Twenty lighthouses');
  await page.getByLabel('Prompts, one per line').fill(prompts.join('\n'));
  await page.locator('.batch-count').filter({ hasText: '20 prompts' }).waitFor();
  await page.getByLabel('Provider').selectOption('builtin');
  await page.getByLabel('Size').fill('256x256');
  await page.getByLabel('Images per prompt').fill('1');
  await shots(page, 'batch-new');

  // The runner is held back until the page shows the queued batch: the
  // progress the page then shows comes through the live stream only.
  stack('worker-stop');
  try {
    await page.getByRole('button', { name: 'Start the batch' }).click();
    await page.getByRole('heading', { name: 'Twenty lighthouses' }).waitFor();
    assert.match(page.url(), /#\/batch\/[0-9a-f-]{36}$/);
    await page.evaluate(() => { window.batchTestMarker = 'same page'; });
    await page.locator('.batch-summary .badge').filter({ hasText: 'Queued' }).waitFor();
    assert.equal(await valueNow(page), 0);
    assert.equal(await page.locator('.batch-item').count(), 20);
    assert.equal(await page.locator('.batch-item .batch-item-prompt').first().innerText(), prompts[0]);
    await assertAccessible(page, 'a queued batch');
    // Leaving the page closes its stream; coming back opens a new one.
    await page.waitForFunction(() => window.testSources.some((es) => es.readyState === 1));
    await page.getByRole('link', { name: 'All batches' }).click();
    await page.getByRole('heading', { name: 'New batch' }).waitFor();
    assert.deepEqual(await page.evaluate(() => window.testSources.map((es) => es.readyState)).then((v) => [...new Set(v)]), [2]);
    await page.getByRole('link', { name: 'Twenty lighthouses' }).click();
    await page.locator('.batch-summary .badge').filter({ hasText: 'Queued' }).waitFor();
    await page.waitForFunction(() => window.testSources.some((es) => es.readyState === 1));
  } finally {
    stack('worker-start');
  }
  await page.waitForFunction(() =>
    document.querySelector('.batch-summary [role=progressbar]').getAttribute('aria-valuenow') === '100', null, { timeout: 60000 });
  await page.locator('.batch-summary .badge').filter({ hasText: 'Completed' }).waitFor();
  assert.equal(await page.evaluate(() => window.batchTestMarker), 'same page', 'no reload');
  const done = page.locator('.batch-item[data-status=succeeded]');
  assert.equal(await done.count(), 20);
  for (let i = 0; i < 20; i++) {
    const item = done.nth(i);
    assert.match(await item.locator('.badge').innerText(), /^✓\s*Done$/);
    assert.match(await item.locator('img').getAttribute('src'), /^\/generated_images\/.+\.png$/);
    assert.equal(await item.locator('img').getAttribute('alt'), prompts[i]);
  }
  assert.match(await page.locator('#batch-progress-label').innerText(), /20 of 20 ended: 20 done/);
  assert.equal(await page.getByRole('button', { name: 'Cancel the batch' }).isHidden(), true);
  await assertAccessible(page, 'a finished batch');
  await shots(page, 'batch-done');

  // The ZIP: fetched with the Bearer token, saved through a blob: link.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download ZIP' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^batch-[0-9a-f-]{36}\.zip$/);
  const file = join(OUT, 'batch-download.zip');
  await download.saveAs(file);
  const buf = readFileSync(file);
  assert.equal(buf.readUInt32LE(0), 0x04034b50, 'a ZIP file');
  const names = zipNames(buf);
  assert.equal(names.filter((n) => n.endsWith('.png')).length, 20, names.join(' '));
  assert.ok(names.includes('manifest.json'));

  // Opened again (GET /api/batch/{id}): every item shows its thumbnail.
  await page.reload();
  await page.locator('.batch-summary .badge').filter({ hasText: 'Completed' }).waitFor();
  await page.waitForFunction(() =>
    document.querySelectorAll('.batch-item[data-status=succeeded] img[src$=".thumb.png"]').length === 20, null, { timeout: 15000 });

  // The list shows it, finished.
  await page.getByRole('link', { name: 'All batches' }).click();
  const row = page.locator('.batch-row').filter({ hasText: 'Twenty lighthouses' });
  await row.locator('.badge').filter({ hasText: 'Completed' }).waitFor();
  assert.equal(await row.getByRole('progressbar').getAttribute('aria-valuenow'), '100');
  await assertAccessible(page, 'the batch list');
  await shots(page, 'batch-list');
  assertClean(problems);
  await context.close();
});

test('a slow batch canceled mid-way keeps its finished items', LONG, async () => {
  const u = newUser('bcan');
  const token = await registerApi(u);
  // local_ai is the mock: two answers at once, then each after 4 s.
  await mock('script', { provider: 'local_ai', replace: true, responses: [{ mode: 'ok', times: 2 }, { mode: 'slow', delay: 4, times: 60 }] });
  try {
    const { context, page, problems } = await batchPage(u, { viewport: { width: 390, height: 844 } });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.equal(await fits(), true, 'the form fits a 390 px phone');
    await page.getByLabel('Prompts, one per line').fill(Array.from({ length: 40 }, (_, i) => `slow prompt ${i + 1}`).join('\n'));
    await page.getByLabel('Provider').selectOption('local_ai');
    await page.getByLabel('Size').fill('64x64');
    await page.getByRole('button', { name: 'Start the batch' }).click();
    await page.getByRole('heading', { name: 'Batch of 40 prompts' }).waitFor();
    const id = page.url().split('/').pop();
    await page.locator('.batch-item[data-status=succeeded] img').first().waitFor();
    await page.locator('.batch-summary .badge').filter({ hasText: 'Running' }).waitFor();
    const mid = await valueNow(page);
    assert.ok(mid > 0 && mid < 100, `mid-way: ${mid}`);
    assert.equal(await fits(), true, 'the batch fits a 390 px phone');
    await assertAccessible(page, 'a running batch');
    await shots(page, 'batch-running');

    await page.getByRole('button', { name: 'Cancel the batch' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Cancel the batch' }).click();
    await page.locator('.batch-summary .badge').filter({ hasText: 'Canceled' }).waitFor({ timeout: 30000 });
    await page.waitForFunction(() =>
      document.querySelector('.batch-summary [role=progressbar]').getAttribute('aria-valuenow') === '100');
    const kept = await page.locator('.batch-item[data-status=succeeded]').count();
    const canceled = await page.locator('.batch-item[data-status=canceled]').count();
    assert.ok(kept >= 2, `finished items kept: ${kept}`);
    assert.ok(canceled >= 1, `items canceled: ${canceled}`);
    assert.equal(await page.locator('.batch-item[data-status=succeeded] img').count(), kept);
    assert.equal(await page.getByRole('button', { name: 'Cancel the batch' }).isHidden(), true);
    // The page tells what the API holds.
    const r = await apiCall(`/api/batch/${id}`, { token });
    assert.equal(r.json.status, 'canceled');
    assert.equal(r.json.items.filter((it) => it.status === 'succeeded').length, kept);
    assert.equal(r.json.items.filter((it) => it.status === 'canceled').length, canceled);
    assertClean(problems);
    await context.close();
  } finally {
    await mock('script', { provider: 'local_ai', replace: true, responses: [] });
  }
});

test('a failed item is shown with its error and retried', LONG, async () => {
  const u = newUser('bret');
  await registerApi(u);
  // local_ai's refusal: an answer without images (the item fails).
  await mock('script', { provider: 'local_ai', replace: true, responses: [{ mode: 'refusal', times: 1 }] });
  try {
    const { context, page, problems } = await batchPage(u);
    await page.getByLabel('Prompts, one per line').fill('one fish\ntwo fish\nred fish');
    await page.getByLabel('Provider').selectOption('local_ai');
    await page.getByLabel('Size').fill('64x64');
    await page.getByRole('button', { name: 'Start the batch' }).click();
    await page.locator('.batch-summary .badge').filter({ hasText: 'Partly done' }).waitFor({ timeout: 30000 });
    const failed = page.locator('.batch-item[data-status=failed]');
    assert.equal(await failed.count(), 1);
    assert.notEqual((await failed.locator('.batch-item-error').innerText()).trim(), '');
    await page.getByRole('button', { name: 'Retry the failed ones' }).click();
    await page.locator('.batch-summary .badge').filter({ hasText: 'Completed' }).waitFor({ timeout: 30000 });
    assert.equal(await page.locator('.batch-item[data-status=succeeded] img').count(), 3);
    assert.equal(await page.getByRole('button', { name: 'Retry the failed ones' }).isHidden(), true);
    assertClean(problems);
    await context.close();
  } finally {
    await mock('script', { provider: 'local_ai', replace: true, responses: [] });
  }
});

test('a refused stream: a fresh ticket for each try, then polling to the end', LONG, async () => {
  const u = newUser('bpoll');
  await registerApi(u);
  const { context, page, problems } = await batchPage(u);
  const tickets = [];
  // Every event stream answers 429: EventSource gives up on each, the
  // page asks a new ticket twice more, then polls GET /api/batch/{id}.
  await page.route('**/api/batch/*/events?*', (route) => {
    tickets.push(new URL(route.request().url()).searchParams.get('ticket'));
    return route.fulfill({ status: 429, contentType: 'application/json', body: '{"success":false,"error":{"code":"rate_limited","message":"test"}}' });
  });
  let polls = 0;
  page.on('request', (r) => { if (/\/api\/batch\/[0-9a-f-]{36}$/.test(new URL(r.url()).pathname)) polls += 1; });
  await page.getByLabel('Prompts, one per line').fill('a tin robot\na glass robot\na wooden robot');
  await page.getByLabel('Provider').selectOption('builtin');
  await page.getByLabel('Size').fill('128x128');
  // The runner waits until the page has given up on the stream.
  stack('worker-stop');
  try {
    await page.getByRole('button', { name: 'Start the batch' }).click();
    await page.locator('.batch-summary .badge').filter({ hasText: 'Queued' }).waitFor();
    await page.waitForFunction(() => performance.getEntriesByType('resource')
      .filter((e) => /\/api\/batch\/[0-9a-f-]{36}$/.test(new URL(e.name).pathname)).length >= 2, null, { timeout: 30000 });
  } finally {
    stack('worker-start');
  }
  await page.locator('.batch-summary .badge').filter({ hasText: 'Completed' }).waitFor({ timeout: 60000 });
  assert.equal(await valueNow(page), 100);
  assert.equal(await page.locator('.batch-item[data-status=succeeded] img').count(), 3);
  assert.equal(tickets.length, 3, 'three tries');
  assert.equal(new Set(tickets).size, 3, 'each with its own ticket');
  assert.ok(polls >= 2, `the page polled (${polls} GETs)`);
  assertClean(problems);
  await context.close();
});

test('prompts from a .txt chosen and a .csv dropped; the limit on prompts', async () => {
  const u = newUser('bfile');
  await registerApi(u);
  const { context, page, problems } = await batchPage(u);
  const area = page.getByLabel('Prompts, one per line');
  const status = page.locator('.batch-file-status');

  await page.getByLabel('or choose a file').setInputFiles({
    name: 'prompts.txt', mimeType: 'text/plain',
    buffer: Buffer.from('a koi pond\n# not this one\n\n夕陽下的山\n  a paper boat  \n'),
  });
  await status.filter({ hasText: 'Read 3 prompts from prompts.txt.' }).waitFor();
  assert.match(await status.innerText(), /Skipped line 2 \(comment\); line 3 \(empty\)\./);
  assert.equal(await area.inputValue(), 'a koi pond\n夕陽下的山\na paper boat\n');

  await area.fill('');
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.items.add(new File(['n,prompt\n1,"a fox, red"\n2,\n3,"an ""odd"" owl"\n'], 'list.csv', { type: 'text/csv' }));
    return d;
  });
  await page.locator('.batch-zone').dispatchEvent('drop', { dataTransfer: dt });
  await status.filter({ hasText: 'Read 2 prompts from list.csv.' }).waitFor();
  assert.match(await status.innerText(), /Skipped line 1 \(header row\); line 3 \(empty\)\./);
  assert.equal(await area.inputValue(), 'a fox, red\nan "odd" owl\n');
  await page.locator('.batch-count').filter({ hasText: '2 prompts' }).waitFor();

  // Over the API's limit: said at once, and the form keeps every prompt.
  await page.getByLabel('or choose a file').setInputFiles({
    name: 'many.txt', mimeType: 'text/plain',
    buffer: Buffer.from(Array.from({ length: BATCH_MAX }, (_, i) => `p${i}`).join('\n')),
  });
  await status.filter({ hasText: `That makes ${BATCH_MAX + 2} prompts, and a batch holds at most ${BATCH_MAX}` }).waitFor();
  await page.getByRole('button', { name: 'Start the batch' }).click();
  await page.locator('textarea[name=prompts][aria-invalid=true]').waitFor();
  assert.match(await page.locator('.field-error:not([hidden])').first().innerText(), /at most 500/);
  assert.equal((await area.inputValue()).trim().split('\n').length, BATCH_MAX + 2);
  assert.match(page.url(), /#\/batch$/, 'nothing was submitted');
  // A file that is neither: said, nothing read.
  await page.getByLabel('or choose a file').setInputFiles({ name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('x') });
  await status.filter({ hasText: 'cat.png is not a .txt or .csv file.' }).waitFor();
  await assertAccessible(page, 'the new batch form with a file read');
  assertClean(problems);
  await context.close();
});
