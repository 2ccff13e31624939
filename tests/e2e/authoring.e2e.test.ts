import { AUTH_COOKIES } from '../../contracts/auth.ts';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browsers,
  expectNoHorizontalOverflow,
  screenshot,
  startApp,
  VIEWPORTS,
  watchForProblems,
  type Browser,
  type RunningApp,
  expectFocusOnField,
} from './harness.ts';

/**
 * The authoring journey, end to end in Chromium: a demo instructor creates a course, fills in its
 * details (a validation error on the way), builds two sections with an article, a video and a
 * resources lesson, reorders lessons by drag and drop and by keyboard, and publishes once the
 * checklist allows. Then a visitor in a fresh profile searches the catalogue, opens the landing
 * page, plays the free preview and meets the other lessons locked.
 */

const INSTRUCTOR = { email: 'ada@usefulwriter.example', password: 'demo-instructor-password' };
const COURSE = {
  title: `Field Notes for Writers ${Date.now().toString(36)}`,
  category: 'writing',
  description: 'Keep a **field notebook** and turn it into essays.',
};
const SECTIONS = ['Getting started', 'Going further'];
const ARTICLE = 'Why notes matter';
const VIDEO = 'Watching a draft take shape';
const RESOURCES = 'Templates to download';
const VIDEO_URL = 'https://media.usefulwriter.example/notes/draft.mp4';

describe('authoring journey: create, build, reorder, publish; a visitor finds it', () => {
  let running: RunningApp;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let courseUrl = '';

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    problems = watchForProblems(
      page,
      // The upload sent after the access token expired is refused once (then refreshed and sent
      // again). Nothing else may fail.
      (url, status) => status === 401 && /\/api\/courses\/[^/]+\/files$/.test(url),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('creates a course and edits its details, with a validation error on the way', async () => {
    await page.goto(`${running.baseUrl}/sign-in?next=%2Fauthor`);
    await page.getByLabel('Email address').fill(INSTRUCTOR.email);
    await page.getByLabel('Password', { exact: true }).fill(INSTRUCTOR.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/author$/);
    await page.getByRole('heading', { level: 1, name: 'Teach' }).waitFor();
    await page.getByRole('list', { name: 'Your courses' }).waitFor();
    await expect(page.getByRole('link', { name: 'Teach' }).getAttribute('aria-current')).resolves.toBe(
      'page',
    );
    await screenshot(page, 'authoring-list-desktop');

    // A new course: empty fields are refused in place, with focus on the first.
    await page.getByRole('button', { name: 'Create a course' }).click();
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.locator('.field-error').first().waitFor();
    await expectFocusOnField(page, 'title');
    await page.getByLabel('Title', { exact: true }).fill(COURSE.title);
    await page.getByLabel('Category').fill(COURSE.category);
    await page.getByLabel('Difficulty').selectOption('intermediate');
    await page.getByLabel('Short description').fill(COURSE.description);
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await page.waitForURL(/\/author\/courses\/[0-9a-f-]{36}$/);
    courseUrl = page.url();
    await page.getByRole('heading', { level: 1, name: COURSE.title }).waitFor();
    await expect(page.locator('.editor-header .badge').textContent()).resolves.toBe('Draft');

    // The slug came from the title; the details form holds every author field.
    const slug = await page.getByLabel('Address (slug)').inputValue();
    expect(slug).toMatch(/^field-notes-for-writers-[a-z0-9]+$/);
    await page.getByLabel('Subtitle').fill('From pocket notebook to published essay');
    await page.getByRole('button', { name: 'Add outcome' }).click();
    await page.getByLabel('Outcome 1').fill('Keep a notebook you actually use');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Tag 1').fill('essays');
    await expect(page.getByText('Unsaved changes').isVisible()).resolves.toBe(true);

    // A paid course needs a price: the API's rule, shown on the price field.
    await page.getByLabel('Access', { exact: true }).selectOption('paid');
    await page.getByLabel('Price (USD)').fill('0');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#main .field-invalid').first().waitFor();
    await expectFocusOnField(page, 'price');
    await screenshot(page, 'authoring-details-error-desktop');
    await page.getByLabel('Access', { exact: true }).selectOption('free');

    const saved = page.waitForResponse(
      (r) =>
        r.request().method() === 'PATCH' &&
        r.url().endsWith(new URL(courseUrl).pathname.replace('/author', '/api')),
    );
    await page.getByRole('button', { name: 'Save changes' }).click();
    expect((await saved).status()).toBe(200);
    await page.getByText('All changes saved.').waitFor();
    await screenshot(page, 'authoring-details-desktop');
  });

  it('builds two sections with an article, a video and a resources lesson', async () => {
    await page
      .getByRole('navigation', { name: 'Course editor' })
      .getByRole('link', { name: 'Curriculum' })
      .click();
    await page.getByText('No sections yet').waitFor();
    for (const title of SECTIONS) {
      await page.getByLabel('Section title').fill(title);
      await page.getByRole('button', { name: 'Add section' }).click();
      await lessonList(page, title).waitFor();
    }

    await addLesson(page, SECTIONS[0]!, async () => {
      await page.getByLabel('Lesson title').fill(ARTICLE);
      await page.getByLabel('Lesson type').selectOption('article');
      await page
        .getByLabel('Article', { exact: true })
        .fill('# Why notes\n\nWrite it down **before** it fades.');
      // The live preview is the server's rendering (POST /api/markdown/preview, from the landing-page work).
      const preview = page.locator('.markdown-editor-preview').first();
      if (await hasMarkdownPreview(running.baseUrl)) {
        await preview.locator('h1', { hasText: 'Why notes' }).waitFor();
        await preview.locator('strong', { hasText: 'before' }).waitFor();
      } else {
        await preview.getByText('The preview is not available on this server.').waitFor();
      }
      await screenshot(page, 'authoring-article-desktop');
    });
    await addLesson(page, SECTIONS[0]!, async () => {
      await page.getByLabel('Lesson title').fill(VIDEO);
      await page.getByLabel('Lesson type').selectOption('video');
      // Missing duration: refused before anything is sent.
      await page.getByLabel('Video URL').fill(VIDEO_URL);
      await page.getByRole('button', { name: 'Add lesson' }).click();
      await page.getByText('Give the length in whole minutes and seconds').waitFor();
      await page.getByLabel('Minutes', { exact: true }).fill('2');
      await page.getByLabel('Seconds', { exact: true }).fill('30');
      await page.getByLabel('Free preview').check();
    });
    await addLesson(page, SECTIONS[1]!, async () => {
      await page.getByLabel('Lesson title').fill(RESOURCES);
      await page.getByLabel('Lesson type').selectOption('resources');
      await page.getByRole('button', { name: 'Add a file by URL' }).click();
      await page.getByLabel('File 1 name').fill('Notebook template');
      await page.getByLabel('File 1 URL').fill('https://files.usefulwriter.example/notebook.pdf');
      await page.getByLabel('File 1 size (bytes)').fill('48213');
      await page.getByLabel('File 1 type').fill('application/pdf');
      // A second file, uploaded: the row fills itself with the stored file's URL, name, size and type.
      // The access token has expired meanwhile (its cookie gone): the upload refreshes the session
      // and sends again, as every other request does.
      await page.context().clearCookies({ name: AUTH_COOKIES.access });
      await page.getByLabel('Downloadable resource').setInputFiles({
        name: 'checklist.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from(
          '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
        ),
      });
      await page.getByText(/checklist\.pdf uploaded/).waitFor();
      const cookies = await page.context().cookies();
      expect(cookies.some((c) => c.name === AUTH_COOKIES.access)).toBe(true);
      await expect(page.getByLabel('File 2 name').inputValue()).resolves.toBe('checklist.pdf');
      await expect(page.getByLabel('File 2 URL').inputValue()).resolves.toMatch(
        /^\/api\/files\/[0-9a-f-]{36}$/,
      );
      await expect(page.getByLabel('File 2 type').inputValue()).resolves.toBe('application/pdf');
    });

    expect(await lessonTitles(page, SECTIONS[0]!)).toEqual([ARTICLE, VIDEO]);
    expect(await lessonTitles(page, SECTIONS[1]!)).toEqual([RESOURCES]);
    await screenshot(page, 'authoring-curriculum-desktop');

    // On a phone the rows wrap; nothing scrolls sideways.
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'authoring-curriculum-phone');
    await expectNoHorizontalOverflow(page);
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('reorders lessons by drag and drop, by keyboard and by the move buttons', async () => {
    // Drag the video above the article with the pointer.
    const videoHandle = page.getByRole('button', { name: `Move lesson ${VIDEO}`, exact: true });
    const articleRow = lessonList(page, SECTIONS[0]!).locator('li', { hasText: ARTICLE });
    const reordered = waitForOrderSaved(page);
    await drag(page, videoHandle, articleRow, 'above');
    await reordered;
    await waitForTitles(page, SECTIONS[0]!, [VIDEO, ARTICLE]);

    // The keyboard: Space picks the video up, ArrowDown moves it, Space drops it.
    const keyboardSaved = waitForOrderSaved(page);
    await videoHandle.focus();
    await page.keyboard.press('Space');
    await page.waitForTimeout(150);
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(150);
    await page.keyboard.press('Space');
    await keyboardSaved;
    await waitForTitles(page, SECTIONS[0]!, [ARTICLE, VIDEO]);

    // The buttons: "Move down" at the end of a section crosses into the next one; focus stays on it.
    const buttonSaved = page.waitForResponse(
      (r) => r.request().method() === 'POST' && /\/lessons\/[0-9a-f-]{36}\/move$/.test(r.url()),
    );
    await page.getByRole('button', { name: `Move lesson ${VIDEO} down` }).click();
    expect((await buttonSaved).status()).toBe(200);
    await waitForTitles(page, SECTIONS[1]!, [VIDEO, RESOURCES]);
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toContain(
      `Move lesson ${VIDEO} down`,
    );
    // And back with "Move to section…".
    const lessonRow = lessonList(page, SECTIONS[1]!).locator('li', { hasText: VIDEO });
    await lessonRow.getByText('Move to section…').click();
    const menuSaved = waitForOrderSaved(page, 'move');
    await lessonRow.getByRole('button', { name: SECTIONS[0] }).click();
    await menuSaved;
    await waitForTitles(page, SECTIONS[0]!, [ARTICLE, VIDEO]);

    // The order is the server's: it survives a reload.
    await page.reload();
    await waitForTitles(page, SECTIONS[0]!, [ARTICLE, VIDEO]);
    expect(await lessonTitles(page, SECTIONS[1]!)).toEqual([RESOURCES]);
  });

  it('publishes once the checklist allows, then shows the landing page link', async () => {
    await page
      .getByRole('navigation', { name: 'Course editor' })
      .getByRole('link', { name: 'Publish' })
      .click();
    await page.getByRole('heading', { name: 'Before publishing' }).waitFor();
    await page.locator('.checklist-item').first().waitFor();
    const publish = page.getByRole('button', { name: 'Publish', exact: true });
    await expect(publish.isEnabled()).resolves.toBe(true);
    await screenshot(page, 'authoring-publish-desktop');
    await publish.click();
    await page.getByText('Published: the course is in the catalogue.').waitFor();
    await expect(page.locator('.editor-header .badge').textContent()).resolves.toBe('Published');
    await page.getByRole('button', { name: 'Archive' }).waitFor();
    await screenshot(page, 'authoring-published-desktop');
    await expectNoHorizontalOverflow(page);
    expect(problems).toEqual([]);
  });

  it('gives a learner access by email until a day, lists it, and revokes it after a confirmation', async () => {
    const editor = page.getByRole('navigation', { name: 'Course editor' });
    await editor.getByRole('link', { name: 'Access' }).click();
    await page.getByRole('heading', { name: 'Give access by email' }).waitFor();
    await page.getByText('Nobody has been given access yet').waitFor();

    // A wrong address is caught next to its field.
    await page.getByLabel("Learner's email address").fill('not-an-address');
    await page.getByRole('button', { name: 'Give access' }).click();
    await page.getByText('Enter an email address, like name@example.com.').waitFor();

    const email = 'guest.learner@example.test';
    await page.getByLabel("Learner's email address").fill(email);
    await page.getByLabel('Access until (optional)').fill('2099-12-31');
    await page.getByRole('button', { name: 'Give access' }).click();
    await page.getByText(`Access granted to ${email}.`).waitFor();
    const given = page.getByRole('list', { name: 'Access given' });
    await given.getByText(email, { exact: true }).waitFor();
    await expect(given.getByText(/until .*2099/).count()).resolves.toBe(1);
    await screenshot(page, 'authoring-access-desktop');

    await given.getByRole('button', { name: `Revoke access for ${email}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke access for ${email}?` });
    await dialog.getByRole('button', { name: 'Revoke access' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Nobody has been given access yet').waitFor();
    await page.getByText('Revoked (1)').waitFor();
    await expectNoHorizontalOverflow(page);
    expect(problems).toEqual([]);
  });

  it('lets a visitor search for it, open its landing page, play the preview and see the rest locked', async () => {
    const visitor = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const visitorProblems = watchForProblems(visitor, () => false);
    await visitor.goto(running.baseUrl);
    await visitor.getByLabel('Search courses').fill(COURSE.title);
    await visitor.keyboard.press('Enter');
    await visitor.getByRole('link', { name: COURSE.title, exact: true }).click();
    await visitor.getByRole('heading', { level: 1, name: COURSE.title }).waitFor();

    const outline = visitor.getByRole('region', { name: 'Course outline' });
    const preview = outline.getByRole('button', { name: new RegExp(`${VIDEO}\\s*: play the free preview`) });
    await preview.click();
    const dialog = visitor.getByRole('dialog', { name: VIDEO });
    await dialog.locator('video[controls]').waitFor();
    await expect(dialog.locator('video').getAttribute('src')).resolves.toBe(VIDEO_URL);
    await screenshot(visitor, 'authoring-visitor-preview-desktop');
    await visitor.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // The article and the resources are locked: no button opens them.
    await outline.getByText(SECTIONS[1]!).click(); // the second section starts folded
    for (const title of [ARTICLE, RESOURCES]) {
      const row = outline.locator('.lesson-locked', { hasText: title });
      await row.waitFor();
      await expect(row.getByRole('button').count()).resolves.toBe(0);
    }
    expect(await outline.getByText('Enrol to unlock').count()).toBeGreaterThan(0);
    await screenshot(visitor, 'authoring-visitor-landing-desktop');
    expect(visitorProblems).toEqual([]);
  });

  it('moves the course to the trash after a confirmation, and restores it from the trash', async () => {
    await page.goto(`${running.baseUrl}/author`);
    const list = page.getByRole('list', { name: 'Your courses' });
    await list.getByRole('link', { name: COURSE.title, exact: true }).waitFor();
    await list.getByRole('button', { name: `Move to trash ${COURSE.title}` }).click();
    const dialog = page.getByRole('dialog', { name: `Move “${COURSE.title}” to the trash?` });
    await dialog.waitFor();
    // Cancel is the safe default: it has the focus.
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Cancel');
    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByText(`“${COURSE.title}” is in the trash.`).waitFor();
    await list.getByRole('link', { name: COURSE.title, exact: true }).waitFor({ state: 'detached' });

    const lists = page.getByRole('navigation', { name: 'Course lists' });
    await lists.getByRole('link', { name: 'Trash' }).click();
    const trash = page.getByRole('list', { name: 'Courses in the trash' });
    await trash.getByText('In the trash').first().waitFor();
    await screenshot(page, 'authoring-trash-desktop');
    await trash.getByRole('button', { name: `Restore ${COURSE.title}` }).click();
    await page.getByText(`“${COURSE.title}” is restored.`).waitFor();
    await lists.getByRole('link', { name: 'Courses' }).click();
    await page
      .getByRole('list', { name: 'Your courses' })
      .getByRole('link', { name: COURSE.title, exact: true })
      .waitFor();
    expect(problems).toEqual([]);
  });
});

/** Whether this server has the Markdown preview route (an anonymous call: 401 if it exists, 404 if not). */
async function hasMarkdownPreview(baseUrl: string): Promise<boolean> {
  const response = await fetch(`${baseUrl}/api/markdown/preview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ markdown: 'x' }),
  });
  return response.status !== 404;
}

function lessonList(page: Page, section: string): Locator {
  return page.getByRole('list', { name: `Lessons of ${section}` });
}

async function lessonTitles(page: Page, section: string): Promise<string[]> {
  return lessonList(page, section).locator('.curriculum-lesson-title a').allTextContents();
}

/** The list reaches the expected order (the optimistic update is immediate; the server's answer follows). */
async function waitForTitles(page: Page, section: string, titles: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await lessonTitles(page, section);
    if (JSON.stringify(last) === JSON.stringify(titles)) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`Lessons of ${section}: expected ${JSON.stringify(titles)}, got ${JSON.stringify(last)}`);
}

/** The reorder (PUT …/order) or move (POST …/move) request of a drop, answered 200. */
async function waitForOrderSaved(page: Page, kind: 'order' | 'move' = 'order'): Promise<void> {
  const response = await page.waitForResponse((r) =>
    kind === 'order'
      ? r.request().method() === 'PUT' && /\/lessons\/order$/.test(r.url())
      : r.request().method() === 'POST' && /\/move$/.test(r.url()),
  );
  expect(response.status()).toBe(200);
}

/** Adds a lesson to a section through the lesson editor, back on the curriculum when saved. */
async function addLesson(page: Page, section: string, fill: () => Promise<void>): Promise<void> {
  await page.getByRole('link', { name: `Add a lesson to ${section}` }).click();
  await page.getByRole('heading', { name: `New lesson in “${section}”` }).waitFor();
  await fill();
  await page.getByRole('button', { name: 'Add lesson' }).click();
  await page.waitForURL(/\/curriculum$/);
  await lessonList(page, section).waitFor();
}

/** A pointer drag in small steps (the sensor starts after 5 px), onto the upper or lower part of the target. */
async function drag(page: Page, handle: Locator, target: Locator, where: 'above' | 'below'): Promise<void> {
  const from = await handle.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error('drag: an element is not visible');
  const startX = from.x + from.width / 2;
  const startY = from.y + from.height / 2;
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  await page.mouse.move(startX, startY + (where === 'above' ? -8 : 8), { steps: 4 });
  const endY = where === 'above' ? to.y + to.height * 0.25 : to.y + to.height * 0.75;
  await page.mouse.move(startX, endY, { steps: 12 });
  await page.waitForTimeout(100);
  await page.mouse.up();
}
