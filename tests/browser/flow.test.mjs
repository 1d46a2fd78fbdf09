// The whole path a new person takes, through the UI only (no API call
// from the test): register → signed in → generate with builtin → the image
// appears → it is in the gallery → search finds it, English and Chinese →
// process it → the child shows its lineage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, assertClean, newUser } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function generate(page, prompt) {
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByLabel('Provider').selectOption('builtin');
  await page.getByLabel('Image size').fill('256x256');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const img = page.locator('.gen-results .gen-card img').filter({ has: page.locator(`xpath=self::*[@alt="${prompt}"]`) });
  await img.first().waitFor();
  await page.waitForFunction((alt) => [...document.querySelectorAll('.gen-results .gen-card img')]
    .some((i) => i.alt === alt && i.complete && i.naturalWidth > 0), prompt);
}

async function search(page, q) {
  await page.getByLabel('Search the prompts').fill(q);
  await page.getByLabel('Search the prompts').press('Enter');
  await page.waitForFunction((x) => decodeURIComponent(location.hash).includes('q=' + x), q);
}

const alts = (page) => page.locator('.gallery-grid > li img').evaluateAll((els) => els.map((e) => e.alt));

test('register, generate, find it in the gallery in English and Chinese, process it, see the lineage', async () => {
  const { context, page, problems } = await open(browser);
  const u = newUser('flow');
  const en = `a lighthouse on a cliff at dusk ${u.username}`;
  const zh = `山上的燈塔 ${u.username}`;

  await page.goto('/');
  await page.getByRole('link', { name: 'No account yet? Register' }).click();
  await page.getByLabel('Username').fill(u.username);
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password').fill(u.password);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.locator('.user-name').filter({ hasText: u.username }).waitFor();

  await page.getByRole('link', { name: 'Generate', exact: true }).click();
  await page.getByRole('heading', { name: 'Generate images' }).waitFor();
  await generate(page, en);
  await generate(page, zh);

  await page.getByRole('link', { name: 'Gallery', exact: true }).click();
  await page.getByRole('heading', { name: 'Gallery' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.gallery-grid > li').length === 2);
  assert.deepEqual((await alts(page)).sort(), [en, zh].sort());

  await search(page, 'lighthouse');
  await page.waitForFunction(() => document.querySelectorAll('.gallery-grid > li').length === 1);
  assert.deepEqual(await alts(page), [en]);
  await search(page, '燈塔');
  await page.waitForFunction((x) => [...document.querySelectorAll('.gallery-grid > li img')].map((i) => i.alt).join() === x, zh);

  // Open it, rotate it: the new image's page names its parent.
  await page.locator('.gallery-grid > li a').first().click();
  await page.getByRole('heading', { name: zh, level: 1 }).waitFor();
  const parent = page.url().split('/image/')[1];
  await page.getByLabel('Operation', { exact: true }).selectOption('rotate');
  await page.getByLabel('Degrees').fill('90');
  await page.getByRole('button', { name: 'Add to the list' }).click();
  await page.getByRole('button', { name: 'Make the new image' }).click();
  await page.waitForFunction((p) => /^#\/image\/[0-9a-f-]{36}$/.test(location.hash) && !location.hash.endsWith(p), parent);
  await page.locator('.image-lineage dl').getByText('Processed').waitFor();
  assert.equal(await page.locator('.lineage-parent a').first().getAttribute('href'), '#/image/' + parent);

  // The gallery now holds the child as well, found by the same search.
  await page.getByRole('link', { name: 'Gallery', exact: true }).click();
  await search(page, '燈塔');
  await page.waitForFunction(() => document.querySelectorAll('.gallery-grid > li').length === 2);
  assertClean(problems);
  await context.close();
});
