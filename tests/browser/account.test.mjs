// Registering, signing in and out, and the session across a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, assertClean, newUser, registerApi, signIn, shots, assertAccessible } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('register: a bad field is named beside its control; then the account works', async () => {
  const { context, page, problems } = await open(browser);
  const u = newUser('reg');
  await page.goto('/#/register');
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  await assertAccessible(page, 'register');
  await shots(page, 'register');
  await page.getByLabel('Username').fill(u.username);
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Register' }).click();
  const pw = page.getByLabel('Password');
  await assert.doesNotReject(page.locator('input[name=password][aria-invalid=true]').waitFor());
  assert.equal(await pw.evaluate((el) => el === document.activeElement), true, 'the bad field has the focus');
  assert.match(await page.locator('.form-error').innerText(), /password/i);
  await pw.fill(u.password);
  // The display name is shown as text, markup and all.
  await page.getByLabel('Display name (optional)').fill('<img src=x onerror=alert(1)>');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.locator('.user-name').filter({ hasText: '<img src=x onerror=alert(1)>' }).waitFor();
  assert.equal(await page.locator('header img').count(), 0);
  assertClean(problems);
  await context.close();
});

test('sign in, reload keeps the session, sign out ends it', async () => {
  const u = newUser('login');
  await registerApi(u);
  const { context, page, problems } = await open(browser);
  await page.goto('/#/login');
  await assertAccessible(page, 'login');
  await shots(page, 'login');
  await page.getByLabel('Username or email').fill(u.username);
  await page.getByLabel('Password', { exact: true }).fill('wrong password here');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.form-error').filter({ hasText: /wrong/i }).waitFor();
  await signIn(page, u);
  // Nothing a script can read holds a refresh or access token.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.doesNotMatch(stored, /refresh|access_token|eyJ/);
  const cookies = await context.cookies();
  const refresh = cookies.find((c) => c.name === 'ig_refresh');
  assert.ok(refresh, 'the refresh cookie is set');
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.secure, true);
  assert.equal(refresh.sameSite, 'Strict');
  assert.equal(refresh.path, '/api/auth/');
  await page.reload();
  await page.locator('.user-name').filter({ hasText: u.username }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal((await context.cookies()).find((c) => c.name === 'ig_refresh'), undefined, 'sign-out clears the cookie');
  assertClean(problems);
  await context.close();
});

test('a signed-out visitor of a private view signs in first, then lands there', async () => {
  const u = newUser('next');
  await registerApi(u);
  const { context, page, problems } = await open(browser);
  await page.goto('/#/account');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.match(page.url(), /#\/login\?next=%2Faccount/);
  await signIn(page, u, { go: false });
  await page.waitForFunction(() => location.hash === '#/account');
  assertClean(problems);
  await context.close();
});

test('the language follows the browser and can be switched', async () => {
  const { context, page, problems } = await open(browser, { locale: 'zh-TW' });
  await page.goto('/#/login');
  await page.getByRole('heading', { name: '登入' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-TW');
  await page.getByLabel('語言').selectOption('zh-CN');
  await page.getByRole('heading', { name: '登录' }).waitFor();
  await page.getByLabel('语言').selectOption('en');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assertClean(problems);
  await context.close();
});
