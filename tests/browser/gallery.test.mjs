// The gallery and the image page: listing, search (English and Chinese),
// filters, pages loaded as the list scrolls, multi-select with organize and
// delete, keyboard navigation; an image's parameters, editing, processing
// into a child that shows its lineage; another user sees none of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, assertClean, newUser, apiCall, registerApi, signIn, shots, assertAccessible } from './lib.mjs';

let browser;
let owner; // {user, token, fox: [ids], cat: [ids], lake: [ids]}

// Images made through the API (builtin provider, small, fast).
async function generate(token, prompt, count) {
  const r = await apiCall('/api/generate-image', {
    method: 'POST', token, body: { prompt, image_count: count, api_provider: 'builtin', image_size: '256x256', no_cache: true },
  });
  assert.equal(r.status, 200, r.text);
  return r.json.images.map((i) => i.id);
}

// A view of the page without reloading it (the session lives in memory).
async function go(page, hash) {
  await page.evaluate((hsh) => { location.hash = hsh; }, hash);
}

// Sign in and land on path (the sign-in page's ?next=), as a bookmark would.
async function signInTo(page, user, path) {
  await page.goto('/#/login?next=' + encodeURIComponent(path));
  await signIn(page, user, { go: false });
  await page.waitForFunction((p) => location.hash === '#' + p, path);
}

const cards = (page) => page.locator('.gallery-grid > li');

async function ids(page) {
  return cards(page).evaluateAll((els) => els.map((e) => e.dataset.id));
}

async function waitCount(page, n) {
  await page.waitForFunction((k) => document.querySelectorAll('.gallery-grid > li').length === k
    && !document.querySelector('main .loading'), n);
}

before(async () => {
  browser = await launch();
  const user = newUser('gal');
  const token = await registerApi(user);
  owner = { user, token };
  owner.fox = await generate(token, 'a red fox in the snow', 2);
  owner.cat = await generate(token, '一隻貓在月光下', 2);
  owner.lake = await generate(token, 'mountain lake at dawn', 3);
  const r = await apiCall('/api/files/organize', { method: 'POST', token, body: { image_ids: owner.lake, tags_add: ['landscape'] } });
  assert.equal(r.status, 200, r.text);
});
after(async () => { await browser.close(); });

test('the gallery lists the images; search finds English and Chinese prompts; a filter narrows; the next pages load on scroll', async () => {
  const { context, page, problems } = await open(browser);
  await signInTo(page, owner.user, '/gallery');
  await page.getByRole('heading', { name: 'Gallery' }).waitFor();
  await waitCount(page, 7);
  await page.getByText('Showing 7 of 7 images').waitFor();
  await assertAccessible(page, 'gallery');
  await shots(page, 'gallery');

  // English: the two foxes and nothing else; the search is in the address.
  await page.getByLabel('Search the prompts').fill('fox');
  await page.getByLabel('Search the prompts').press('Enter');
  await waitCount(page, 2);
  assert.deepEqual((await ids(page)).sort(), [...owner.fox].sort());
  assert.match(page.url(), /#\/gallery\?q=fox$/);

  // Chinese: a part of the prompt finds it.
  await page.getByLabel('Search the prompts').fill('月光');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await waitCount(page, 2);
  assert.deepEqual((await ids(page)).sort(), [...owner.cat].sort());
  assert.equal(new URLSearchParams(page.url().split('?')[1]).get('q'), '月光');
  for (const alt of await cards(page).locator('img').evaluateAll((els) => els.map((e) => e.alt))) assert.equal(alt, '一隻貓在月光下');

  // A shared address opens with its search (a different one, to see it change).
  await go(page, '#/gallery?q=' + encodeURIComponent('一隻貓'));
  await waitCount(page, 2);
  assert.equal(await page.getByLabel('Search the prompts').inputValue(), '一隻貓');
  await go(page, '#/gallery?q=nothing-like-this');
  await waitCount(page, 0);
  await page.getByText('No image matches this search and these filters.').waitFor();

  // A filter: the tag the lake images have.
  await page.getByRole('button', { name: 'Clear search and filters' }).click();
  await waitCount(page, 7);
  await page.getByText('Filters and sort').click();
  await page.getByLabel('Tag', { exact: true }).fill('landscape');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await waitCount(page, 3);
  assert.deepEqual((await ids(page)).sort(), [...owner.lake].sort());
  assert.match(page.url(), /tag=landscape/);
  // Sorting: oldest first puts the first fox first.
  await page.getByLabel('Tag', { exact: true }).fill('');
  await page.getByLabel('Sort by').selectOption('oldest');
  await waitCount(page, 7);
  assert.equal((await ids(page))[0], owner.fox[0]);

  // Pages of 3: the rest arrives as the list scrolls, each page asked with the cursor.
  const paged = [];
  page.on('request', (req) => { if (/\/api\/files\/gallery\?.*cursor=/.test(req.url())) paged.push(req.url()); });
  await go(page, '#/gallery?limit=3');
  await page.waitForFunction(() => document.querySelectorAll('.gallery-grid > li').length >= 3);
  await page.locator('.gallery-sentinel').scrollIntoViewIfNeeded();
  await waitCount(page, 7);
  assert.ok(paged.length >= 2, `the next pages were fetched with the cursor (${paged.length})`);
  assert.equal(new Set(await ids(page)).size, 7, 'no image twice');
  assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false, 'no more to load');
  assertClean(problems);
  await context.close();
});

test('"Load more" fetches the next page for keyboard users', async () => {
  const { context, page, problems } = await open(browser, { viewport: { width: 1280, height: 800 } });
  await signInTo(page, owner.user, '/gallery');
  // The sentinel is watched; stop the automatic loading to press the button itself.
  await page.evaluate(() => { delete window.IntersectionObserver; });
  await go(page, '#/gallery?limit=2');
  await waitCount(page, 2);
  const more = page.getByRole('button', { name: 'Load more' });
  await more.focus();
  await page.keyboard.press('Enter');
  await waitCount(page, 4);
  await page.getByText('Showing 4 of 7 images').waitFor();
  assertClean(problems);
  await context.close();
});

test('keyboard: arrows move between cards, Space selects, Enter opens; organize and delete the selection', async () => {
  const user = newUser('galsel');
  const token = await registerApi(user);
  const made = await generate(token, 'a blue bird on a branch', 4);
  const { context, page, problems } = await open(browser);
  await signInTo(page, user, '/gallery');
  await waitCount(page, 4);
  const order = await ids(page);
  const focused = () => page.evaluate(() => document.activeElement.closest('li') && document.activeElement.closest('li').dataset.id);

  // One card in the tab order; the arrows move the focus.
  assert.equal(await page.locator('.gallery-grid a[tabindex="0"]').count(), 1);
  await page.locator('.gallery-grid a').first().focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), order[1]);
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), order[2]);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), order[1]);
  await page.keyboard.press('End');
  assert.equal(await focused(), order[3]);
  await page.keyboard.press('Home');
  assert.equal(await focused(), order[0]);
  assert.equal(await page.locator('.gallery-grid a[tabindex="0"]').count(), 1);

  // Space selects (and again unselects) the focused card.
  await page.keyboard.press('Space');
  await page.getByText('1 selected').waitFor();
  assert.equal(await page.locator(`li[data-id="${order[0]}"] input[type=checkbox]`).isChecked(), true);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Space');
  await page.getByText('2 selected').waitFor();
  assert.equal(await page.locator('.gallery-grid li.selected').count(), 2);

  // Organize: mark the two as favourites.
  await page.getByText('Organize selected').click();
  await page.getByLabel('Favourite', { exact: true }).selectOption('true');
  await page.getByLabel('Add tags').fill('birds, 鳥');
  await page.getByRole('button', { name: 'Apply to the selected images' }).click();
  await page.getByText('Updated 2 image(s)').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.gallery-grid .mark.fav').length === 2);
  for (const id of made) {
    const r = await apiCall('/api/images/' + id, { token });
    const want = id === order[0] || id === order[1];
    assert.equal(r.json.image.favorite, want, `favourite of ${id}`);
    assert.deepEqual(r.json.image.tags.sort(), want ? ['birds', '鳥'].sort() : []);
  }

  // The favourites filter shows just those two.
  await page.getByText('Filters and sort').click();
  await page.getByLabel('Favourites').selectOption('true');
  await waitCount(page, 2);
  assert.deepEqual((await ids(page)).sort(), [order[0], order[1]].sort());
  await page.getByRole('button', { name: 'Clear search and filters' }).click();
  await waitCount(page, 4);

  // Delete the selected two (a confirmation first; Cancel keeps them).
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await cards(page).count(), 4);
  await page.getByRole('button', { name: 'Delete selected' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Deleted 2 image(s)').waitFor();
  await waitCount(page, 2);
  assert.deepEqual((await ids(page)).sort(), [order[2], order[3]].sort());
  assert.equal((await apiCall('/api/images/' + order[0], { token })).status, 404);
  assert.equal((await apiCall('/api/images/' + order[2], { token })).status, 200);

  // A click on the checkbox selects too; Enter opens the focused card.
  await page.locator(`li[data-id="${order[3]}"] input[type=checkbox]`).check();
  await page.getByText('1 selected').waitFor();
  await page.locator(`li[data-id="${order[2]}"] a`).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => location.hash === '#/image/' + id, order[2]);
  await page.getByRole('heading', { name: 'a blue bird on a branch' }).waitFor();
  assertClean(problems);
  await context.close();
});

test('the image page: parameters, editing, processing into a child that shows its lineage', async () => {
  const { context, page, problems } = await open(browser);
  const id = owner.lake[0];
  const src = (await apiCall('/api/images/' + id, { token: owner.token })).json.image;
  await signInTo(page, owner.user, '/image/' + id);
  await page.getByRole('heading', { name: 'mountain lake at dawn', level: 1 }).waitFor();
  const params = page.locator('.image-info dl');
  await params.getByText('builtin', { exact: true }).waitFor();
  assert.match(await params.innerText(), new RegExp(src.model));
  assert.match(await params.innerText(), /256 × 256 px/);
  assert.match(await params.innerText(), new RegExp(String(src.seed)));
  assert.match(await params.innerText(), /landscape/);
  await page.locator('.lineage-parent').getByText('None: this is an original.').waitFor();
  assert.equal(await page.locator('.image-full img').getAttribute('src'), src.url);
  // The comments and sharing parts are mounted.
  await page.locator('section.comments').waitFor();
  await page.locator('section.share').waitFor();
  await page.locator('.preview-canvas').waitFor();
  await assertAccessible(page, 'image');
  await shots(page, 'image');

  // Edit: title, rating, favourite.
  await page.getByLabel('Title', { exact: true }).fill('Lake <b>at dawn</b>');
  await page.getByLabel('Rating', { exact: true }).selectOption('4');
  await page.getByLabel('Favourite', { exact: true }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Lake <b>at dawn</b>', level: 1 }).waitFor();
  const edited = (await apiCall('/api/images/' + id, { token: owner.token })).json.image;
  assert.equal(edited.title, 'Lake <b>at dawn</b>');
  assert.equal(edited.rating, 4);
  assert.equal(edited.favorite, true);

  // A bad operation is named and nothing is added.
  await page.getByLabel('Operation', { exact: true }).selectOption('crop');
  await page.getByLabel('Width (px)').fill('');
  await page.getByRole('button', { name: 'Add to the list' }).click();
  await page.locator('.process-form .form-error').filter({ hasText: 'This field is required' }).waitFor();
  assert.equal(await page.locator('.op-list li').count(), 0);

  // Rotate 90° then grayscale: listed in order, previewed, then applied.
  await page.getByLabel('Operation', { exact: true }).selectOption('rotate');
  await page.getByLabel('Degrees').fill('90');
  await page.getByRole('button', { name: 'Add to the list' }).click();
  await page.getByLabel('Operation', { exact: true }).selectOption('filter');
  await page.getByLabel('Filter', { exact: true }).selectOption('grayscale');
  await page.getByRole('button', { name: 'Add to the list' }).click();
  assert.deepEqual(await page.locator('.op-list li > span').allInnerTexts(), ['Rotate 90°', 'Filter: Grayscale']);
  assert.equal(await page.locator('.preview-canvas').getAttribute('aria-label'), 'Preview after: Rotate 90°, Filter: Grayscale');
  // The preview is grey: its pixels have equal channels.
  const grey = await page.locator('.preview-canvas').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4 * 97) if (Math.abs(d[i] - d[i + 1]) > 2 || Math.abs(d[i + 1] - d[i + 2]) > 2) return false;
    return true;
  });
  assert.equal(grey, true, 'the preview shows the grayscale filter');
  await page.getByRole('button', { name: 'Make the new image' }).click();
  await page.waitForFunction((parent) => /^#\/image\/[0-9a-f-]{36}$/.test(location.hash) && !location.hash.endsWith(parent), id);
  const childId = page.url().split('/image/')[1];
  await page.locator('.lineage-parent a').first().waitFor();
  assert.equal(await page.locator('.lineage-parent a').first().getAttribute('href'), '#/image/' + id);
  await page.locator('.image-lineage dl').getByText('Processed').waitFor();
  const child = (await apiCall('/api/images/' + childId, { token: owner.token })).json.image;
  assert.equal(child.parent_id, id);
  assert.equal(child.operation, 'process');

  // The parent lists the child.
  await page.locator('.lineage-parent a').first().click();
  await page.waitForFunction((x) => location.hash === '#/image/' + x, id);
  await page.locator(`.lineage-children a[href="#/image/${childId}"]`).waitFor();
  assertClean(problems);
  await context.close();
});

test('another user sees none of the first user\'s images, in the gallery or by address', async () => {
  const other = newUser('galother');
  await registerApi(other);
  const { context, page, problems } = await open(browser);
  await signInTo(page, other, '/gallery');
  await page.getByText('No images yet: the ones you generate appear here.').waitFor();
  assert.equal(await cards(page).count(), 0);
  await go(page, '#/gallery?q=' + encodeURIComponent('月光'));
  await page.getByText('No image matches this search and these filters.').waitFor();
  await go(page, '#/image/' + owner.fox[0]);
  await page.getByRole('heading', { name: 'Image not found' }).waitFor();
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.getByText('a red fox in the snow').count(), 0);
  await assertAccessible(page, 'image not found');
  assertClean(problems);
  await context.close();
});
