// Password reset through the UI: asked for on the sign-in page, the mailed
// link (to the stack's SMTP sink) opens the UI's own page, which sets the
// new password; the token leaves the address bar and works once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launch, open, assertClean, newUser, registerApi, signIn, apiCall, shots, assertAccessible } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

// The reset link of the mail sent to `to` (polls the sink's folder; the
// runner sends mail from its outbox).
async function mailedLink(to) {
  const dir = process.env.IG_TEST_MAIL_DIR;
  for (let i = 0; i < 300; i++) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      if (!text.includes(to)) continue;
      const m = /(https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+)/.exec(text);
      if (m) return m[1];
    }
    await sleep(100);
  }
  throw new Error(`no reset mail to ${to} in ${dir}`);
}

test('forgot password: the mailed link opens the UI, sets a new password, works once', async () => {
  const u = newUser('reset');
  await registerApi(u);
  const { context, page, problems } = await open(browser);
  await page.goto('/#/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
  await assertAccessible(page, 'forgot password');
  await page.getByLabel('Email').fill(u.email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByRole('status').filter({ hasText: 'a link is on its way' }).waitFor();

  const link = await mailedLink(u.email);
  assert.equal(new URL(link).pathname, '/reset-password');
  await page.goto(link);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  assert.equal(await page.getByLabel('Reset token').inputValue(), new URL(link).searchParams.get('token'));
  await assertAccessible(page, 'reset password');
  await shots(page, 'reset-password');
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await page.locator('input[name=new_password][aria-invalid=true]').waitFor();
  const fresh = 'a brand new passphrase';
  await page.getByLabel('New password').fill(fresh);
  await page.getByRole('button', { name: 'Set the password' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.doesNotMatch(page.url(), /token=/, 'the token has left the address bar');

  await signIn(page, { ...u, password: fresh }, { go: false });
  const old = await apiCall('/api/auth/login', { method: 'POST', body: { username_or_email: u.username, password: u.password } });
  assert.equal(old.status, 401, 'the old password no longer works');

  // The link works once.
  await page.goto(link);
  await page.getByLabel('New password').fill('yet another passphrase');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await page.locator('.form-error').filter({ hasText: /token/i }).waitFor();
  assertClean(problems);
  await context.close();
});
