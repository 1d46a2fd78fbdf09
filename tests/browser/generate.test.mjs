// The generate page (js/pages/generate.js) and the assistant
// (js/pages/assistant.js): generating with builtin, the live prompt score,
// errors beside the field the API names, the creative tools on a result,
// the whole flow by keyboard alone, every string of the page translated,
// the assistant's prompts taken to the form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, assertClean, newUser, registerApi, signIn, shots, assertAccessible, apiCall } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// A signed-in page on the generate view; the account's token for API checks.
async function ready(prefix, opts) {
  const u = newUser(prefix);
  const token = await registerApi(u);
  const o = await open(browser, opts);
  await signIn(o.page, u);
  await o.page.goto('/#/generate');
  await o.page.getByRole('heading', { name: 'Generate images' }).waitFor();
  await o.page.locator('select[name=api_provider] option').first().waitFor({ state: 'attached' });
  return { ...o, u, token };
}

// Every <img> of the results has loaded a real picture.
async function imagesLoaded(page, n) {
  await page.waitForFunction((count) => {
    const imgs = [...document.querySelectorAll('.gen-results .gen-card img')];
    return imgs.length === count && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, n);
}

async function generate(page, prompt, { size = '256x256' } = {}) {
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByLabel('Image size').fill(size);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
}

test('generate with builtin: a busy state, then the image, its download link and its page', async () => {
  const { context, page, problems, token } = await ready('gen');
  await page.getByLabel('Tags (optional)').fill('fox, winter，fox');
  // Hold the request to see the busy state (no timing involved).
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/api/generate-image', async (route) => { await held; await route.continue(); });
  await generate(page, 'a red fox in a snowy forest, watercolor');
  await page.getByRole('status').filter({ hasText: 'Generating 1 image(s) with Built-in (offline)…' }).waitFor();
  assert.equal(await page.locator('button[type=submit]').getAttribute('aria-busy'), 'true');
  release();
  await imagesLoaded(page, 1);
  await page.getByRole('status').filter({ hasText: '1 image(s) ready.' }).waitFor();
  assert.equal(await page.locator('button[type=submit]').getAttribute('aria-busy'), null);
  const card = page.locator('.gen-card').first();
  assert.equal(await card.locator('img').getAttribute('alt'), 'a red fox in a snowy forest, watercolor');
  assert.equal(await card.locator('img').evaluate((i) => `${i.naturalWidth}x${i.naturalHeight}`), '256x256');
  const dl = card.getByRole('link', { name: 'Download' });
  const hrefDl = await dl.getAttribute('href');
  assert.match(hrefDl, /^\/generated_images\/builtin_[^/]+\.png$/);
  assert.notEqual(await dl.getAttribute('download'), null, 'the link downloads');
  const file = await page.request.get(hrefDl);
  assert.equal(file.status(), 200);
  assert.equal(file.headers()['content-type'], 'image/png');
  const id = await card.getAttribute('data-id');
  assert.equal(await card.getByRole('link', { name: 'Open' }).getAttribute('href'), `#/image/${id}`);
  // The tags typed went on the image (POST /api/generate-image tags).
  assert.deepEqual((await apiCall(`/api/images/${id}`, { token })).json.image.tags, ['fox', 'winter']);
  // The form keeps what was typed.
  assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), 'a red fox in a snowy forest, watercolor');
  await assertAccessible(page, 'generate (with a result)');
  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible(page, 'generate (dark theme)');
  await page.emulateMedia({ colorScheme: 'light' });
  await shots(page, 'generate');
  assertClean(problems);
  await context.close();
});

test('a bad request shows the error beside the field the API names, and keeps the form', async () => {
  const { context, page, problems } = await ready('genbad');
  const long = 'a '.repeat(2000) + 'x'; // 4001 characters
  await page.getByLabel('Prompt', { exact: true }).fill(long);
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const promptBox = page.locator('textarea[name=prompt][aria-invalid=true]');
  await promptBox.waitFor();
  const promptErr = page.locator('.field', { has: promptBox }).locator('.field-error');
  assert.match(await promptErr.innerText(), /prompt must be between 1 and 4000 characters/);
  assert.equal(await promptBox.evaluate((el) => el === document.activeElement), true, 'the named field has the focus');
  assert.equal((await promptBox.inputValue()).length, 4001, 'nothing typed is lost');

  await page.getByLabel('Prompt', { exact: true }).fill('a quiet harbour at dawn');
  await page.getByLabel('Seed (optional)').fill('4294967296');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const seedBox = page.locator('input[name=seed][aria-invalid=true]');
  await seedBox.waitFor();
  assert.equal(await page.locator('textarea[name=prompt][aria-invalid=true]').count(), 0, 'the earlier error is gone');
  assert.match(await page.locator('.field', { has: seedBox }).locator('.field-error').innerText(), /seed must be between 0 and 4294967295/);
  assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), 'a quiet harbour at dawn');
  assert.equal(await seedBox.inputValue(), '4294967296');
  assert.equal(await page.locator('.gen-card').count(), 0, 'no result, no pending card left');

  // The provider's own rate limit (the mock answers 429): the wait is said.
  await page.getByLabel('Seed (optional)').fill('');
  await page.getByLabel('Provider').selectOption('local_ai');
  const mock = process.env.IG_MOCK_URL;
  const script = (entry) => fetch(`${mock}/_control/script`, { method: 'POST', body: JSON.stringify({ provider: 'local_ai', responses: [entry], replace: true }) });
  try {
    await script({ mode: 'rate_limit', retry_after: 7, times: 10 });
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.locator('.form-error[role=alert]').filter({ hasText: /Too many requests: try again in \d+ s\./ }).waitFor();
    // The provider failing: a 502, its message shown.
    await script({ mode: 'error_5xx', status: 500, times: 10 });
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.locator('.form-error[role=alert]').filter({ hasText: /^The provider failed: local_ai: the provider failed \(HTTP 500\)/ }).waitFor();
  } finally {
    await fetch(`${mock}/_control/reset`, { method: 'POST' });
  }
  assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), 'a quiet harbour at dawn');
  // Chromium logs the 502 this test provoked (lib.mjs lets 4xx of /api/ pass).
  const provoked = /^console: Failed to load resource: the server responded with a status of 502 .*\/api\/generate-image\)$/;
  assert.equal(problems.filter((p) => provoked.test(p)).length, 1);
  assertClean(problems.filter((p) => !provoked.test(p)));
  await context.close();
});

test('the prompt score updates as you type; a late answer for an older prompt is ignored', async () => {
  const { context, page, problems } = await ready('genscore');
  const prompt = page.getByLabel('Prompt', { exact: true });
  const score = page.locator('.gen-score');
  await page.locator('.gen-analysis').filter({ hasText: 'Type a prompt to see its score and tips.' }).waitFor();
  await prompt.pressSequentially('a cat');
  await score.filter({ hasText: /^Score [\d.]+ of 10$/ }).waitFor();
  const first = Number((await score.innerText()).match(/[\d.]+/)[0]);
  const tipsBefore = await page.locator('.gen-tips li').count();
  assert.ok(tipsBefore >= 3, 'a short prompt gets tips');
  await prompt.pressSequentially(' on a windowsill, oil painting, golden hour lighting, close-up, serene mood, highly detailed');
  await page.waitForFunction((f) => {
    const s = document.querySelector('.gen-score');
    return s && Number(s.textContent.match(/[\d.]+/)[0]) > f;
  }, first);
  assert.ok(await page.locator('.gen-tips li').count() < tipsBefore, 'fewer tips for a richer prompt');
  // The analyzer's answer is what the API says for this prompt.
  const api = await apiCall('/api/analyze-prompt', { method: 'POST', body: { prompt: await prompt.inputValue(), api_provider: 'builtin' } });
  assert.equal(await score.innerText(), `Score ${api.json.analysis.quality_score} of 10`);

  // Stale answers: the answer for "old" arrives after the one for "new".
  let releaseOld, oldArrived, oldDone;
  const oldHeld = new Promise((r) => { releaseOld = r; });
  const arrived = new Promise((r) => { oldArrived = r; });
  const done = new Promise((r) => { oldDone = r; });
  await page.route('**/api/analyze-prompt', async (route) => {
    const body = route.request().postDataJSON();
    if (body.prompt !== 'old') return route.continue();
    oldArrived();
    await oldHeld;
    await route.fulfill({ json: { success: true, prompt: 'old', analysis: { word_count: 1, complexity: 'simple', quality_score: 9.9, suggestions: [], estimated_generation_time: '1-2 seconds' } } }).catch(() => {});
    oldDone();
  });
  await prompt.fill('old');
  await arrived;
  await prompt.fill('new');
  const newScore = (await apiCall('/api/analyze-prompt', { method: 'POST', body: { prompt: 'new', api_provider: 'builtin' } })).json.analysis.quality_score;
  await score.filter({ hasText: `Score ${newScore} of 10` }).waitFor();
  await page.waitForFunction(() => !document.querySelector('.gen-analysis').hasAttribute('aria-busy'));
  releaseOld();
  await done;
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await score.innerText(), `Score ${newScore} of 10`, 'the stale 9.9 is not shown');
  assertClean(problems);
  await context.close();
});

test('upscale, variations and restyle of a result each show the new image beside it', async () => {
  const { context, page, problems, token } = await ready('gentools');
  await generate(page, 'an old lighthouse on a cliff, dramatic clouds');
  await imagesLoaded(page, 1);
  const source = page.locator('.gen-card').first();
  const sourceId = await source.getAttribute('data-id');
  const parentOf = async (id) => (await apiCall(`/api/images/${id}`, { token })).json;

  await source.getByRole('button', { name: 'Upscale' }).click();
  await page.getByRole('status').filter({ hasText: '1 new image(s) beside the original.' }).waitFor();
  await imagesLoaded(page, 2);
  let cards = page.locator('.gen-card');
  assert.equal(await cards.nth(0).getAttribute('data-id'), sourceId);
  assert.equal(await cards.nth(1).locator('.gen-note').innerText(), 'Upscaled 2× from image 1');
  assert.equal(await cards.nth(1).locator('img').evaluate((i) => i.naturalWidth), 512);
  const up = await parentOf(await cards.nth(1).getAttribute('data-id'));
  assert.equal(up.image ? up.image.parent_id : up.parent_id, sourceId);

  await source.getByRole('button', { name: 'Two variations' }).click();
  await imagesLoaded(page, 4);
  cards = page.locator('.gen-card');
  assert.equal(await cards.nth(1).locator('.gen-note').innerText(), 'Variation 1 of 2 of image 1');
  assert.equal(await cards.nth(2).locator('.gen-note').innerText(), 'Variation 2 of 2 of image 1');
  assert.equal(await cards.nth(3).locator('.gen-note').innerText(), 'Upscaled 2× from image 1');

  await source.getByLabel('Style').selectOption('sepia');
  await source.getByRole('button', { name: 'Restyle' }).click();
  await imagesLoaded(page, 5);
  const restyled = page.locator('.gen-card').nth(1);
  assert.equal(await restyled.locator('.gen-note').innerText(), 'Image 1 restyled: Sepia');
  const rs = await parentOf(await restyled.getAttribute('data-id'));
  assert.equal((rs.image || rs).operation, 'style-transfer');
  assert.equal((rs.image || rs).parent_id, sourceId);
  // Each new image opens on its own page and downloads as its own file.
  for (let i = 1; i < 5; i++) {
    const c = page.locator('.gen-card').nth(i);
    assert.match(await c.getByRole('link', { name: 'Download' }).getAttribute('href'), /^\/generated_images\//);
    assert.equal(await c.getByRole('link', { name: 'Open' }).getAttribute('href'), `#/image/${await c.getAttribute('data-id')}`);
  }
  assertClean(problems);
  await context.close();
});

test('the whole generate flow by keyboard alone', async () => {
  const { context, page, problems } = await ready('genkeys');
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName.toLowerCase(), name: el.getAttribute('name'), text: el.textContent.trim(), label: el.labels && el.labels[0] ? el.labels[0].textContent : null };
  });
  // The page's title has the focus after it opens; Tab goes to the prompt.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'page-title');
  await page.keyboard.press('Tab');
  assert.equal((await focused()).name, 'prompt');
  await page.keyboard.type('a small red boat on a calm lake, morning mist');
  // Walk the form with Tab, noting every stop, to the Generate button.
  const stops = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    const f = await focused();
    stops.push(f.name || f.text);
    if (f.name === 'image_size') {
      await page.keyboard.press('Control+A');
      await page.keyboard.type('256x256');
    }
    if (f.name === 'image_count') await page.keyboard.press('ArrowDown'); // 1 → 2
    if (f.tag === 'button' && f.text === 'Generate') break;
  }
  assert.deepEqual(stops, ['Enhance the prompt', 'negative_prompt', 'api_provider', 'model',
    'Unavailable providers (5) and why', 'image_size', 'image_count', 'seed', 'tags', 'Generate']);
  // Shift+Tab goes back; Tab returns.
  await page.keyboard.press('Shift+Tab');
  assert.equal((await focused()).name, 'tags');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await imagesLoaded(page, 2);
  await page.getByRole('status').filter({ hasText: '2 image(s) ready.' }).waitFor();
  // From the button, Tab reaches the first result's controls; Space upscales it.
  const order = [];
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Tab');
    const f = await focused();
    order.push(f.name || f.text);
    if (f.text === 'Upscale') break;
  }
  assert.deepEqual(order, ['Download', 'Open', 'scale', 'Upscale']);
  await page.keyboard.press('Space');
  await imagesLoaded(page, 3);
  assert.equal(await page.locator('.gen-card').nth(1).locator('.gen-note').innerText(), 'Upscaled 2× from image 1');
  // The focus stayed on the button pressed.
  assert.equal((await focused()).text, 'Upscale');
  assertClean(problems);
  await context.close();
});

// The visible strings of the page: every text node that is rendered, the
// options of every select, placeholders and aria-labels, each with where
// it is (its path of element positions from <body>).
function visibleStrings() {
  const out = [];
  const pathOf = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      parts.unshift(`${e.tagName.toLowerCase()}${[...e.parentElement.children].indexOf(e)}`);
    }
    return parts.join('/');
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.replace(/\s+/g, ' ').trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script, style, template')) continue;
    const inSelect = el.closest('select, datalist');
    if (inSelect ? !inSelect.checkVisibility() : !el.checkVisibility()) continue;
    if (!inSelect && el.getClientRects().length === 0) continue;
    out.push({ where: pathOf(el), text });
  }
  for (const el of document.body.querySelectorAll('[placeholder], [aria-label]')) {
    if (!el.checkVisibility()) continue;
    for (const a of ['placeholder', 'aria-label']) {
      if (el.hasAttribute(a)) out.push({ where: `${pathOf(el)}@${a}`, text: el.getAttribute(a).trim() });
    }
  }
  return out;
}

test('a language switch to zh-TW changes every visible string of the generate page', async () => {
  const { context, page, problems, u } = await ready('genlang');
  const prompt = 'a paper lantern floating over a river at night';
  await generate(page, prompt);
  await imagesLoaded(page, 1);
  await page.locator('.gen-score').waitFor();
  await page.locator('.gen-off summary').click(); // the unavailable providers' reasons shown too
  await page.getByLabel('Negative prompt (optional)').fill('blurry');
  const en = await page.evaluate(visibleStrings);

  await page.getByLabel('Language').selectOption('zh-TW');
  await page.getByRole('heading', { name: '生成圖片' }).waitFor();
  await imagesLoaded(page, 1);
  await page.locator('.gen-score').waitFor();
  await page.locator('.gen-off summary').click();
  const zh = await page.evaluate(visibleStrings);

  // What may stay the same: what the user typed (the prompt, its alt text
  // and caption, the negative prompt, the user name), numbers and sizes,
  // and names: the brand, the languages' own names, providers and models
  // as the API names them.
  const cat = (await apiCall('/api/settings/api-providers')).json.providers;
  const names = new Set(['imagegen', 'English', '繁體中文', '简体中文', u.username,
    ...cat.map((p) => p.display_name), ...cat.flatMap((p) => p.models.map((m) => m.name))]);
  const user = new Set([prompt, 'blurry', '256x256']);
  const numeric = /^[\d\s.,:×x/%+\-–]+$/;
  const exempt = (s) => names.has(s) || user.has(s) || numeric.test(s);

  assert.deepEqual(zh.map((x) => x.where), en.map((x) => x.where), 'the same elements in both languages');
  assert.ok(en.length > 60, `many strings compared (${en.length})`);
  const same = [];
  let compared = 0;
  for (let i = 0; i < en.length; i++) {
    if (numeric.test(en[i].text)) continue; // a number may be written either way ("2×", "2 倍")
    if (exempt(en[i].text)) {
      assert.equal(zh[i].text, en[i].text, `${en[i].where}: "${en[i].text}" stays`);
    } else {
      compared += 1;
      if (zh[i].text === en[i].text) same.push(`${en[i].where}: ${en[i].text}`);
    }
  }
  assert.deepEqual(same, [], 'strings left untranslated');
  assert.ok(compared > 50, `${compared} strings translated`);
  // No English word is left inside a translated string, either (names,
  // settings such as IG_GEMINI_API_KEY, units and user content aside).
  const strip = (s) => [...names, ...user].reduce((acc, n) => acc.split(n).join(' '), s)
    .replace(/\bIG_[A-Z_]+\b/g, ' ').replace(/\b(UTC|px|\d+k)\b/g, ' ');
  const english = zh.filter((x) => !exempt(x.text) && /[A-Za-z]{2,}/.test(strip(x.text))).map((x) => x.text);
  assert.deepEqual(english, [], 'English words in the zh-TW page');
  await shots(page, 'generate-zh-TW');
  assertClean(problems);
  await context.close();
});

test('the assistant proposes prompts; "use" fills the generate form; enhance proposes a prompt to accept', async () => {
  const { context, page, problems, token } = await ready('assist');
  const bodies = [];
  page.on('request', (r) => { if (r.url().endsWith('/api/assistant/chat')) bodies.push(r.postDataJSON()); });
  await page.getByRole('link', { name: 'Assistant' }).click();
  await page.getByRole('heading', { name: 'Prompt assistant' }).waitFor();
  await page.locator('.as-ideas .as-prompt').first().waitFor();
  await page.getByLabel('Your message').fill('a cat in the rain');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.as-turn.bot').first().waitFor();
  assert.match(await page.locator('.as-turn.bot .as-text').first().innerText(), /scores [\d.]+ of 10/);
  await page.getByRole('status').filter({ hasText: /The assistant replied with \d+ proposed prompt\(s\)\./ }).waitFor();
  // The conversation goes on under the same id.
  // Ctrl+Enter sends too.
  await page.getByLabel('Your message').fill('make it more mysterious');
  await page.getByLabel('Your message').press('Control+Enter');
  await page.locator('.as-turn.bot').nth(1).waitFor();
  assert.equal(bodies.length, 2);
  assert.equal(bodies[0].conversation_id, undefined);
  assert.match(bodies[1].conversation_id, /^[0-9a-f-]{36}$/);
  assert.equal(await page.locator('.as-turn.me .as-text').nth(0).innerText(), 'a cat in the rain');
  await assertAccessible(page, 'assistant');
  await page.emulateMedia({ colorScheme: 'dark' });
  await assertAccessible(page, 'assistant (dark theme)');
  await page.emulateMedia({ colorScheme: 'light' });
  await shots(page, 'assistant');

  const proposal = page.locator('.as-turn.bot').nth(1).locator('.as-prompt').first();
  const text = await proposal.locator('p').innerText();
  await proposal.getByRole('button', { name: 'Use this prompt' }).click();
  await page.getByRole('heading', { name: 'Generate images' }).waitFor();
  assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), text);
  await page.locator('.gen-score').waitFor();
  assert.equal(new URL(page.url()).hash, '#/generate', 'the prompt is taken from the address');

  // Enhance: the API's proposal, accepted.
  await page.getByLabel('Prompt', { exact: true }).fill('a cat');
  const want = (await apiCall('/api/assistant/enhance', { method: 'POST', token, body: { prompt: 'a cat' } })).json;
  await page.getByRole('button', { name: 'Enhance the prompt' }).click();
  await page.locator('.gen-enhance .gen-proposal').filter({ hasText: want.enhanced_prompt }).waitFor();
  await assertAccessible(page, 'generate (enhance proposal)');
  await page.locator('.gen-enhance').getByRole('button', { name: 'Use this prompt' }).click();
  assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), want.enhanced_prompt);
  assert.equal(await page.getByLabel('Negative prompt (optional)').inputValue(), want.negative_prompt);
  assert.equal(await page.locator('.gen-enhance').isHidden(), true);

  // An idea from the suggestions also goes to the form.
  await page.goto('/#/assistant');
  const idea = page.locator('.as-ideas .as-prompt', { has: page.getByRole('button', { name: 'Use this prompt' }) }).first();
  const ideaText = await idea.locator('p').nth(1).innerText();
  await idea.getByRole('button', { name: 'Use this prompt' }).click();
  await page.getByRole('heading', { name: 'Generate images' }).waitFor();
  assert.equal(await page.getByLabel('Prompt', { exact: true }).inputValue(), ideaText);
  assertClean(problems);
  await context.close();
});
