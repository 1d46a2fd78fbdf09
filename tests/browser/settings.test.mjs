// The account page (personal API keys, provider keys, preferences),
// analytics and monitoring, in a real browser against the test stack.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  launch, open, assertClean, newUser, apiCall, registerApi, signIn, shots, assertAccessible,
} from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// An administrator, made as operators make one: the imagegen command line
// (the stack's env gives it the database).
function adminUser() {
  const u = newUser('adm');
  const bin = `${process.env.IG_BUILD_DIR}/app/imagegen`;
  const r = spawnSync(bin, ['user', 'create', '--admin', '--username', u.username, '--email', u.email, '--password-stdin'],
    { input: `${u.password}\n`, env: process.env, encoding: 'utf8' });
  assert.equal(r.status, 0, `${bin} user create --admin: ${r.stderr}`);
  return u;
}

async function signedIn(opts = {}) {
  const u = opts.user || newUser(opts.prefix || 'set');
  if (!opts.user) await registerApi(u);
  const o = await open(browser, opts);
  // Straight to the account page once signed in.
  await o.page.goto('/#/login?next=%2Faccount');
  await signIn(o.page, u, { go: false });
  return { ...o, u };
}

// axe-core on the page as it is, in the light and in the dark theme.
async function accessibleBothThemes(page, what) {
  const before = await page.getAttribute('html', 'data-theme');
  for (const theme of ['light', 'dark']) {
    await page.evaluate((th) => { document.documentElement.dataset.theme = th; }, theme);
    await assertAccessible(page, `${what} (${theme})`);
  }
  await page.evaluate((th) => { document.documentElement.dataset.theme = th; }, before);
}

test('a personal API key: created in the page, shown once, works, revoked in the page stops it', async () => {
  const { context, page, problems, u } = await signedIn({ prefix: 'key' });
  await page.goto('/#/account');
  await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Recent activity' }).waitFor();
  await page.getByText('You have no API keys yet.').waitFor();
  await accessibleBothThemes(page, 'account');

  const keys = page.locator('section[aria-labelledby=ac-keys]');
  await keys.getByLabel('Name').fill('backup <script>');
  await keys.getByLabel('Expires after').selectOption({ label: '7 days' });
  await keys.getByRole('button', { name: 'Create key' }).click();
  const panel = page.locator('.new-key');
  await panel.getByText('you will not see it again').waitFor();
  const key = (await panel.locator('.secret').innerText()).trim();
  assert.match(key, /^ig_\S{20,}$/);
  assert.equal(await panel.getByRole('button', { name: 'Copy key' }).count(), 1);
  await shots(page, 'account-new-key');

  // The key works against the API, as the user, with the scopes chosen.
  const me = await apiCall('/api/user', { token: key });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user.username, u.username);
  const listed = await apiCall('/api/keys', { token: key });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.api_keys[0].scopes, ['read', 'generate']);
  assert.ok(listed.json.api_keys[0].expires_at, 'an expiry was set');

  // Once dismissed, the secret is nowhere in the page: only its prefix.
  const row = keys.locator('tbody tr').filter({ hasText: 'backup <script>' });
  await row.waitFor();
  await panel.getByRole('button', { name: 'Done, I have copied it' }).click();
  await panel.waitFor({ state: 'detached' });
  assert.equal((await page.content()).includes(key), false, 'the key is not shown again');
  assert.match(await row.innerText(), new RegExp(listed.json.api_keys[0].prefix));

  // Revoke: asked first; cancel keeps it, confirm ends it.
  await row.getByRole('button', { name: 'Revoke key backup <script>' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Cancel' }).click();
  await dlg.waitFor({ state: 'detached' });
  assert.equal((await apiCall('/api/user', { token: key })).status, 200, 'cancel keeps the key');
  await row.getByRole('button', { name: 'Revoke key backup <script>' }).click();
  await dlg.getByRole('button', { name: 'Revoke' }).click();
  await row.waitFor({ state: 'detached' });
  await keys.getByText('You have no API keys yet.').waitFor();
  assert.equal((await apiCall('/api/user', { token: key })).status, 401, 'a revoked key stops working');
  assertClean(problems);
  await context.close();
});

test('a provider key: stored, only its last four shown, the test button says whether it is valid', async () => {
  const { context, page, problems, u } = await signedIn({ prefix: 'pk' });
  await page.goto('/#/account');
  const sec = page.locator('section[aria-labelledby=ac-provider-keys]');
  await sec.getByText('No provider keys stored.').waitFor();
  // The mock providers take keys starting with "good".
  const secret = 'good-openai-secret-7f3a9c21';
  await sec.getByLabel('Provider', { exact: true }).selectOption('openai');
  await sec.getByLabel("The provider's API key").fill(secret);
  await sec.getByLabel('Label (optional)').fill('work');
  await sec.getByRole('button', { name: 'Store key' }).click();
  const row = sec.locator('tbody tr').filter({ hasText: 'work' });
  await row.waitFor();
  assert.match(await row.innerText(), /••••9c21/);
  assert.equal(await sec.getByLabel("The provider's API key").inputValue(), '', 'the field is emptied');
  assert.equal((await page.content()).includes('secret-7f3a'), false, 'no more than the last four are in the page');

  await row.getByRole('button', { name: 'Test key work' }).click();
  await row.locator('.test-result').filter({ hasText: /✓ Valid/ }).waitFor();
  assert.match(await row.locator('.test-result').innerText(), /checked/);

  // A key the provider refuses is reported as not valid, with its answer.
  const tok = await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: u.username, password: u.password } });
  const bad = await apiCall('/api/keys/providers', {
    method: 'POST', token: tok.json.access_token, body: { provider: 'stability', api_key: 'refused-key-0042', name: 'old' },
  });
  assert.equal(bad.status, 201, bad.text);
  // Away and back (no reload: the list is asked again).
  await page.goto('/#/analytics');
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  await page.goto('/#/account');
  const badRow = sec.locator('tbody tr').filter({ hasText: 'old' });
  await badRow.waitFor();
  assert.match(await badRow.innerText(), /••••0042/);
  await badRow.getByRole('button', { name: 'Test key old' }).click();
  await badRow.locator('.test-result').filter({ hasText: /✗ Not valid/ }).waitFor();
  assert.match(await badRow.locator('.test-result').innerText(), /provider answered 401/);
  await shots(page, 'account-provider-keys');

  // Deleting asks first.
  await badRow.getByRole('button', { name: 'Delete key old' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await badRow.waitFor({ state: 'detached' });
  const left = await apiCall('/api/keys', { token: tok.json.access_token });
  assert.deepEqual(left.json.provider_keys.map((k) => k.last4), ['9c21']);
  assertClean(problems);
  await context.close();
});

test('preferences: dark theme and zh-TW apply at once, and again at the next sign-in elsewhere', async () => {
  const { context, page, problems, u } = await signedIn({ prefix: 'pref' });
  await page.goto('/#/account');
  const sec = page.locator('section[aria-labelledby=ac-prefs]');
  await sec.getByLabel('Default provider').waitFor();
  await sec.getByLabel('Default provider').selectOption('openai');
  // The sizes and models offered are the provider's.
  await sec.getByLabel('Default model').selectOption('dall-e-3');
  await sec.getByLabel('Default size').selectOption('1792x1024');
  await sec.getByLabel('Images per request').fill('3');
  await sec.getByLabel('Theme').selectOption('dark');
  await sec.getByLabel('Language', { exact: true }).selectOption('zh-TW');
  await sec.getByRole('button', { name: 'Save preferences' }).click();
  await page.getByRole('heading', { name: '帳戶', level: 1 }).waitFor();
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  const saved = await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: u.username, password: u.password } });
  const prefs = await apiCall('/api/settings/user-preferences', { token: saved.json.access_token });
  assert.deepEqual(prefs.json.preferences, {
    default_provider: 'openai', default_model: 'dall-e-3', default_image_size: '1792x1024', default_image_count: 3,
    theme: 'dark', language: 'zh-TW',
  });
  // The form shows what was saved, in the new language.
  await page.getByRole('heading', { name: '偏好設定' }).waitFor();
  assert.equal(await page.getByLabel('預設尺寸').inputValue(), '1792x1024');
  await assertAccessible(page, 'account (dark, zh-TW)');
  await shots(page, 'account-dark-zh-TW');
  assertClean(problems);
  await context.close();

  // A fresh browser (English, no stored theme): signing in applies them.
  const fresh = await open(browser);
  await fresh.page.goto('/#/login?next=%2Faccount');
  assert.notEqual(await fresh.page.getAttribute('html', 'data-theme'), 'dark');
  await signIn(fresh.page, u, { go: false });
  await fresh.page.waitForFunction(() => document.documentElement.lang === 'zh-TW');
  assert.equal(await fresh.page.getAttribute('html', 'data-theme'), 'dark');
  await fresh.page.goto('/#/account');
  await fresh.page.getByRole('heading', { name: '帳戶', level: 1 }).waitFor();
  assertClean(fresh.problems);
  await fresh.context.close();
});

test('analytics: the charts hold the numbers the API gives for the user', async () => {
  const u = newUser('ana');
  const token = await registerApi(u);
  for (const body of [
    { prompt: 'a lighthouse at dusk', api_provider: 'builtin', image_count: 2, image_size: '256x256' },
    { prompt: 'a lighthouse at dawn', api_provider: 'builtin', image_count: 1, image_size: '256x256' },
    { prompt: '山上的燈塔', api_provider: 'local_ai', image_count: 1, image_size: '256x256' },
  ]) {
    const r = await apiCall('/api/generate-image', { method: 'POST', token, body });
    assert.equal(r.status, 200, r.text);
  }
  const { context, page, problems } = await signedIn({ user: u });
  await page.getByRole('link', { name: 'Analytics' }).click();
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  const byProv = page.locator('figure').filter({ hasText: 'Images by provider' });
  await byProv.waitFor();

  // The page's range, as the API takes it (to is exclusive: the day after).
  const from = await page.getByLabel('From').inputValue();
  const through = await page.getByLabel('Through').inputValue();
  const tz = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const d = new Date(`${through}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  const q = `from=${from}&to=${d.toISOString().slice(0, 10)}&tz=${encodeURIComponent(tz)}`;
  const usage = (await apiCall(`/api/analytics/usage-stats?${q}`, { token })).json;
  const trends = (await apiCall(`/api/analytics/generation-trends?${q}&interval=day`, { token })).json;
  assert.equal(usage.total_images, 4);

  // Images by provider: the table under the bar chart, and each bar's title.
  const rows = await byProv.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
  assert.equal(rows.length, usage.by_provider.length);
  for (const p of usage.by_provider) {
    const label = p.provider === 'builtin' ? 'Built-in (offline)' : 'Local Stable Diffusion (AUTOMATIC1111)';
    assert.ok(byName[label], `a row for ${p.provider}`);
    assert.equal(Number(byName[label][1]), p.images);
    assert.equal(Number(byName[label][2]), p.generations);
    assert.equal(Number(byName[label][3]), p.failures);
  }
  const titles = await byProv.locator('svg title').allTextContents();
  assert.ok(titles.includes('Built-in (offline): 3'), titles.join(' | '));
  // The summary.
  const stat = async (name) => (await page.locator('.stat').filter({ has: page.getByText(name, { exact: true }) }).locator('dd').innerText()).split('\n')[0];
  assert.equal(await stat('Images'), String(usage.total_images));
  assert.equal(await stat('Generations'), String(usage.total_generations));

  // Images per day: every day of the range, the counts as the API's.
  const perDay = page.locator('figure').filter({ hasText: 'Images and failures per day' });
  const cells = await perDay.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.equal(cells.length, trends.series.length);
  assert.deepEqual(cells.map((c) => Number(c[1])), trends.series.map((b) => b.images));
  assert.deepEqual(cells.map((c) => Number(c[2])), trends.series.map((b) => b.failures));
  // Popular prompts, as text.
  await page.locator('table.prompts').getByText('山上的燈塔').waitFor();
  await accessibleBothThemes(page, 'analytics');
  await shots(page, 'analytics');

  // A range without any generation says so; a reversed one is refused beside its field.
  await page.getByLabel('From').fill('2020-01-01');
  await page.getByLabel('Through').fill('2020-01-31');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByText('Nothing in this range.').first().waitFor();
  assert.match(page.url(), /from=2020-01-01/);
  await page.getByLabel('Through').fill('2019-12-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('.field-error').filter({ hasText: 'The end date comes before the start date.' }).waitFor();
  assertClean(problems);
  await context.close();
});

test('monitoring: an administrator sees it; a user is not offered it and is told it is forbidden', async () => {
  const admin = adminUser();
  const a = await signedIn({ user: admin });
  const tok = (await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: admin.username, password: admin.password } })).json.access_token;
  const ev = await apiCall('/api/monitoring/log-event', {
    method: 'POST', token: tok, body: { event_type: 'ui_action', message: `<img src=x onerror=alert(1)> ${admin.username}`, metadata: { n: 1 } },
  });
  assert.equal(ev.status, 201, ev.text);
  await a.page.getByRole('link', { name: 'Monitoring' }).click();
  await a.page.getByRole('heading', { name: 'Monitoring', level: 1 }).waitFor();
  await a.page.locator('figure').filter({ hasText: 'Host resources in use' }).waitFor();
  const health = a.page.locator('table.health');
  await health.waitFor();
  const builtin = health.locator('tbody tr').filter({ hasText: 'Built-in (offline)' });
  assert.match(await builtin.innerText(), /✓ Yes/);
  await a.page.locator('table.events').getByText(`<img src=x onerror=alert(1)> ${admin.username}`).waitFor();
  assert.equal(await a.page.locator('main img').count(), 0);
  // The request count shown is the API's (it grows with every call, so: a number, and refresh works).
  await a.page.getByText(/^Updated /).waitFor();
  await a.page.getByRole('button', { name: 'Refresh now' }).click();
  await a.page.getByRole('button', { name: 'Refresh now' }).and(a.page.locator(':not([disabled])')).waitFor();
  await accessibleBothThemes(a.page, 'monitoring');
  await shots(a.page, 'monitoring');
  assertClean(a.problems);
  await a.context.close();

  const b = await signedIn({ prefix: 'nomon' });
  assert.equal(await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' }).count(), 0);
  await b.page.goto('/#/monitoring');
  await b.page.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
  await b.page.getByRole('alert').filter({ hasText: 'for administrators only' }).waitFor();
  await accessibleBothThemes(b.page, 'monitoring forbidden');
  await shots(b.page, 'monitoring-forbidden');
  assertClean(b.problems);
  await b.context.close();
});

test('profile and activity; deleting the account needs the password, asks first, then signs out', async () => {
  const { context, page, problems, u } = await signedIn({ prefix: 'del' });
  await page.goto('/#/account');
  const prof = page.locator('section[aria-labelledby=ac-profile]');
  await prof.getByLabel('Display name').fill('Ada <b>L</b>');
  await prof.getByRole('button', { name: 'Save profile' }).click();
  await page.locator('.user-name').filter({ hasText: 'Ada <b>L</b>' }).waitFor();
  // A new email needs the current password: the API names the field.
  await prof.getByLabel('Email').fill(`new.${u.email}`);
  await prof.getByRole('button', { name: 'Save profile' }).click();
  await prof.locator('input[name=current_password][aria-invalid=true]').waitFor();
  assert.equal(await prof.getByLabel('Email').inputValue(), `new.${u.email}`, 'what was typed stays');

  // The activity lists what happened, newest first.
  await page.goto('/#/analytics');
  await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
  await page.goto('/#/account');
  const act = page.locator('section[aria-labelledby=ac-activity] tbody tr');
  await act.first().filter({ hasText: 'Profile updated' }).waitFor();
  assert.match(await act.last().innerText(), /Account created/);

  const del = page.locator('section[aria-labelledby=ac-delete]');
  await del.getByLabel('Your password, to confirm').fill('not the password');
  await del.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete for good' }).click();
  await del.locator('input[name=password][aria-invalid=true]').waitFor();
  assert.equal((await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: u.username, password: u.password } })).status, 200);
  await del.getByLabel('Your password, to confirm').fill(u.password);
  await del.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete for good' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  await page.getByText('Your account was deleted.').waitFor();
  assert.equal((await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: u.username, password: u.password } })).status, 401);
  assertClean(problems);
  await context.close();
});
