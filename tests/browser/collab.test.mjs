// Projects, members, comments and share links, through the UI: a project
// made and a member added in the page, the member seeing it in their own
// browser, comments and prompts holding markup shown as text, a public link
// opened by a browser that never signed in, and the same link revoked.
// Images are made through the API (builtin provider), which is quicker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, open, assertClean, newUser, registerApi, apiCall, signIn, shots, assertAccessible } from './lib.mjs';

const XSS = '<img src=x onerror=alert(1)>';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function makeImage(token, prompt, projectId) {
  const r = await apiCall('/api/generate-image', {
    method: 'POST', token,
    body: { prompt, api_provider: 'builtin', image_count: 1, no_cache: true, project_id: projectId },
  });
  assert.equal(r.status, 200, r.text);
  return r.json.images[0];
}

function projectIdOf(page) {
  const m = /#\/projects\/([0-9a-f-]{36})/.exec(page.url());
  assert.ok(m, `a project's address: ${page.url()}`);
  return m[1];
}

test('a project made in the UI, a member added, who sees it; comments and prompts with markup stay text', async () => {
  const owner = newUser('pown');
  const member = newUser('pmem');
  const ownerToken = await registerApi(owner);
  await registerApi(member);

  const A = await open(browser);
  await A.page.goto('/#/projects');
  await signIn(A.page, owner, { go: false });
  await A.page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  await A.page.getByText('No projects yet').waitFor();
  await A.page.getByText('New project').click();
  const name = `Poster ${XSS}`;
  await A.page.getByLabel('Name').fill(name);
  await A.page.getByLabel('Description (optional)').fill('Spring campaign\nsecond line');
  await A.page.getByRole('button', { name: 'Create the project' }).click();
  await A.page.getByRole('heading', { name, level: 1 }).waitFor();
  const pid = projectIdOf(A.page);
  assert.equal(await A.page.locator('h1').textContent(), name, 'the name is text');
  assert.equal(await A.page.locator('main img').count(), 0, 'no image yet, and none from the name');

  // An image of the project, its prompt holding markup.
  const img = await makeImage(ownerToken, `a red fox ${XSS}`, pid);

  // Add the member; an unknown one first: the API's error beside the box.
  const members = A.page.locator('section.project-members');
  await members.getByLabel('Username or email').fill('nobody_such_user_here');
  await members.getByRole('button', { name: 'Add' }).click();
  await members.locator('input[name=who][aria-invalid=true]').waitFor();
  assert.equal(await members.getByLabel('Username or email').inputValue(), 'nobody_such_user_here', 'what was typed stays');
  await members.getByLabel('Username or email').fill(member.username);
  await members.getByLabel('Role').selectOption('editor');
  await members.getByRole('button', { name: 'Add' }).click();
  const row = A.page.locator('section.project-members li.member').filter({ hasText: member.username });
  await row.waitFor();
  assert.match(await row.textContent(), /Editor/);
  // The page re-read the project: the image is listed, its prompt as text.
  const fig = A.page.locator(`.project-images figure[data-id="${img.id}"]`);
  await fig.waitFor();
  assert.equal(await fig.locator('figcaption').textContent(), `a red fox ${XSS}`);
  assert.equal(await fig.locator('img').count(), 1, 'the thumbnail only, nothing from the prompt');
  await assertAccessible(A.page, 'a project');
  await shots(A.page, 'project');

  // The member, in their own browser, sees the project and its image.
  const B = await open(browser);
  await B.page.goto('/#/projects');
  await signIn(B.page, member, { go: false });
  const card = B.page.locator('.project-card').filter({ hasText: name });
  await card.waitFor();
  assert.match(await card.textContent(), /Editor/);
  assert.match(await card.textContent(), new RegExp(`owned by ${owner.username}`));
  assert.match(await card.textContent(), /2 people/);
  await assertAccessible(B.page, 'the projects list');
  await shots(B.page, 'projects');
  await card.getByRole('link', { name }).click();
  await B.page.getByRole('heading', { name, level: 1 }).waitFor();
  await B.page.locator(`.project-images figure[data-id="${img.id}"]`).waitFor();
  // An editor may rename, not delete; a member may leave.
  assert.equal(await B.page.getByText('Rename or describe').count(), 1);
  assert.equal(await B.page.getByRole('button', { name: 'Delete the project' }).count(), 0);
  assert.equal(await B.page.getByRole('button', { name: 'Leave this project' }).count(), 1);

  // The owner comments on the image (markup, as text); the member replies.
  await A.page.getByRole('link', { name: `Comments and sharing: a red fox ${XSS}` }).click();
  const comments = A.page.locator('section.comments');
  await comments.getByText('No comments yet.').waitFor();
  const box = comments.getByLabel('Add a comment');
  await box.fill(XSS);
  await comments.getByText(`${XSS.length} / 4,000 characters`).waitFor();
  await comments.getByRole('button', { name: 'Post the comment' }).click();
  const mine = comments.locator('li.comment').first();
  await mine.locator('.comment-body').waitFor();
  assert.equal(await mine.locator('.comment-body').textContent(), XSS);
  assert.equal(await comments.locator('li.comment img').count(), 0, 'no <img> inside the comment');
  assert.equal(await box.inputValue(), '', 'the box is emptied once posted');
  // Too long: said beside the box before anything is sent.
  await box.fill('x'.repeat(4001));
  await comments.getByText('Too long: at most 4,000 characters.').waitFor();
  await box.fill('');

  await B.page.goto(`/#/projects/${pid}?image=${img.id}`);
  const bc = B.page.locator('section.comments');
  const first = bc.locator('li.comment').first();
  await first.locator('.comment-body').waitFor();
  assert.equal(await first.locator('.comment-body').textContent(), XSS);
  await first.getByRole('button', { name: 'Reply' }).click();
  await bc.getByLabel(`Reply to ${owner.username}`).fill(`a reply ${XSS}`);
  await bc.getByRole('button', { name: 'Post the reply' }).click();
  const reply = first.locator('.comment-list li.comment');
  await reply.locator('.comment-body').waitFor();
  assert.equal(await reply.locator('.comment-body').textContent(), `a reply ${XSS}`);
  assert.equal(await bc.locator('li.comment img').count(), 0);
  await assertAccessible(B.page, 'a project image with comments');
  // Sharing the owner's image is the owner's (the API says role editor):
  // not offered to the editor, here nor on the image's own page.
  assert.equal(await B.page.getByRole('heading', { name: 'Share this image' }).count(), 0);
  await B.page.goto(`/#/image/${img.id}`);
  await B.page.locator('.image-layout').waitFor();
  await B.page.locator('section.comments li.comment').first().waitFor();
  assert.equal(await B.page.getByRole('heading', { name: 'Share this image' }).count(), 0);
  await B.page.goto(`/#/projects/${pid}?image=${img.id}`);
  await bc.locator('li.comment').first().waitFor();
  await shots(B.page, 'project-image');

  // Through the API too: the thread holds both, exactly as typed.
  const thread = await apiCall(`/api/collaboration/comments/${img.id}`, { token: ownerToken });
  assert.deepEqual(thread.json.comments.map((c) => c.body), [XSS, `a reply ${XSS}`]);

  // The member leaves; the project is gone from their list.
  await B.page.getByRole('button', { name: 'Leave this project' }).click();
  await B.page.getByRole('dialog').getByRole('button', { name: 'Leave this project' }).click();
  await B.page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  await B.page.getByText('No projects yet').waitFor();

  assertClean(A.problems);
  assertClean(B.problems);
  await A.context.close();
  await B.context.close();
});

test('a share link made in the UI opens without an account; revoked in the UI, it says so', async () => {
  const owner = newUser('shr');
  const token = await registerApi(owner);
  const proj = await apiCall('/api/collaboration/projects', { method: 'POST', token, body: { name: 'Shared things' } });
  assert.equal(proj.status, 201, proj.text);
  const pid = proj.json.project.id;
  const img = await makeImage(token, `a lighthouse at dusk ${XSS}`, pid);

  const A = await open(browser);
  await A.page.goto(`/#/projects/${pid}?image=${img.id}`);
  await signIn(A.page, owner, { go: false });
  const share = A.page.locator('section.share').filter({ has: A.page.getByRole('heading', { name: 'Share this image' }) });
  await share.getByText('Not shared yet.').waitFor();
  const days = share.getByLabel('Expires after (days)');
  assert.equal(await days.inputValue(), '7', 'a week by default');
  await days.fill('91');
  await share.getByRole('button', { name: 'Create the link' }).click();
  await share.locator('input[name=expires_in][aria-invalid=true]').waitFor();
  await days.fill('3');
  await share.getByRole('button', { name: 'Create the link' }).click();
  const linkBox = share.getByLabel('The link');
  await linkBox.waitFor();
  const link = await linkBox.inputValue();
  assert.match(link, /^https:\/\/[^/]+\/#\/shared\/[A-Za-z0-9_-]+$/);
  await share.locator('li.share-item').filter({ hasText: 'Active' }).waitFor();
  await assertAccessible(A.page, 'a project image with its sharing');

  // A browser that never signed in.
  const C = await open(browser);
  await C.page.goto(link);
  await C.page.getByRole('heading', { name: 'A shared image' }).waitFor();
  const shown = C.page.locator('.shared-image img');
  await shown.waitFor();
  assert.equal(await shown.getAttribute('alt'), `a lighthouse at dusk ${XSS}`);
  assert.equal(await shown.evaluate((el) => el.complete && el.naturalWidth > 0), true, 'the image loads');
  assert.equal(await C.page.locator('.shared-facts dd.prompt').textContent(), `a lighthouse at dusk ${XSS}`);
  assert.equal(await C.page.locator('.shared-facts img').count(), 0);
  assert.equal(await C.page.getByRole('button', { name: 'Sign out' }).count(), 0, 'not signed in');
  await assertAccessible(C.page, 'the shared image page');
  await shots(C.page, 'shared-image');

  // The project's own link shows its images to that same browser.
  const pshare = A.page.locator('section.share').filter({ has: A.page.getByRole('heading', { name: 'Share this project' }) });
  await pshare.getByRole('button', { name: 'Create the link' }).click();
  const plink = await pshare.getByLabel('The link').inputValue();
  await C.page.goto(plink);
  await C.page.getByRole('heading', { name: 'Shared things', level: 1 }).waitFor();
  await C.page.locator('.thumbs figure img').first().waitFor();
  assert.equal(await C.page.locator('.thumbs figcaption').first().textContent(), `a lighthouse at dusk ${XSS}`);
  await assertAccessible(C.page, 'the shared project page');
  await shots(C.page, 'shared-project');

  // The image's own page, as its owner: its sharing lists this image's
  // link only (the API filters by image_id), not the project's.
  await A.page.goto(`/#/image/${img.id}`);
  await A.page.locator('.image-layout').waitFor();
  const ishare = A.page.locator('section.share').filter({ has: A.page.getByRole('heading', { name: 'Share this image' }) });
  await ishare.locator('li.share-item').first().waitFor();
  assert.equal(await ishare.locator('li.share-item').count(), 1);
  await A.page.goto(`/#/projects/${pid}?image=${img.id}`);
  await share.locator('li.share-item').first().waitFor();

  // Revoked in the UI: the image link now answers the "no longer works" page.
  await share.getByRole('button', { name: 'Revoke: Public link' }).click();
  const dlg = A.page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Revoke' }).click();
  await share.locator('li.share-item').filter({ hasText: 'Revoked' }).waitFor();
  assert.equal(await share.getByRole('button', { name: 'Revoke: Public link' }).count(), 0);
  await shots(A.page, 'project-image-shared');
  await C.page.goto(link);
  await C.page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
  await C.page.getByText('This link has expired or was revoked.').waitFor();
  assert.equal(await C.page.locator('main img').count(), 0, 'nothing of the image');
  await assertAccessible(C.page, 'the revoked link page');
  await shots(C.page, 'shared-gone');

  // The owner renames the project, then deletes it (after confirming).
  await A.page.getByText('Rename or describe').click();
  const settings = A.page.locator('.project-settings');
  await settings.getByLabel('Name').fill('Shared things, renamed');
  await settings.getByRole('button', { name: 'Save' }).click();
  await A.page.getByRole('heading', { name: 'Shared things, renamed', level: 1 }).waitFor();
  await A.page.getByRole('button', { name: 'Delete the project' }).click();
  await A.page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await apiCall(`/api/collaboration/projects/${pid}`, { token })).status, 200, 'cancel keeps it');
  await A.page.getByRole('button', { name: 'Delete the project' }).click();
  await A.page.getByRole('dialog').getByRole('button', { name: 'Delete the project' }).click();
  await A.page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
  await A.page.getByText('No projects yet').waitFor();
  assert.equal((await apiCall(`/api/collaboration/projects/${pid}`, { token })).status, 404);

  assertClean(A.problems);
  assertClean(C.problems);
  await A.context.close();
  await C.context.close();
});
