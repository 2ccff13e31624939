import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browsers,
  screenshot,
  startApp,
  VIEWPORTS,
  watchForProblems,
  type Browser,
  type RunningApp,
} from './harness.ts';

/**
 * The course landing page: a visitor plays a free preview and meets locked lessons; a learner
 * enrols in a free course, continues, and writes then edits a review with the keyboard.
 */
const COURSE = '/courses/typescript-from-zero';

describe('landing page journey', () => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('serves the page with the course’s share tags', async () => {
    const html = await (await fetch(`${running.baseUrl}${COURSE}`)).text();
    expect(html).toContain('<title>TypeScript from Zero · UsefulWriter</title>');
    expect(html).toContain('<meta property="og:title" content="TypeScript from Zero" />');
    expect(html).toContain(`<link rel="canonical" href="${running.baseUrl}${COURSE}" />`);
  });

  it('lets a visitor play a preview lesson and shows the others locked', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(`${running.baseUrl}${COURSE}`);
    await page.getByRole('heading', { level: 1, name: 'TypeScript from Zero' }).waitFor();

    const outline = page.getByRole('region', { name: 'Course outline' });
    expect(await outline.getByText('Enrol to unlock').count()).toBeGreaterThan(0);
    const locked = outline.locator('.lesson-locked').first();
    await expect(locked.getByRole('button').count()).resolves.toBe(0);

    // The preview opens from the keyboard, plays in a dialog, and Escape gives focus back.
    const preview = outline.getByRole('button', { name: /Why TypeScript\?.*play the free preview/ });
    await preview.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Why TypeScript?' });
    await dialog.waitFor();
    await dialog.locator('video[controls]').waitFor();
    await expect(dialog.locator('video').getAttribute('src')).resolves.toMatch(/^https:\/\//);
    await screenshot(page, 'landing-preview-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toContain(
      'Why TypeScript?',
    );

    // The course's own preview video plays from the buy box, from the keyboard too.
    const watch = page.getByRole('button', { name: 'Watch the course preview' });
    await screenshot(page, 'landing-visitor');
    await watch.focus();
    await page.keyboard.press('Enter');
    const trailer = page.getByRole('dialog', { name: 'Preview: TypeScript from Zero' });
    await trailer.waitFor();
    await screenshot(page, 'landing-course-preview');
    await expect(trailer.locator('video[controls]').getAttribute('src')).resolves.toMatch(
      /ForBiggerFun\.mp4$/,
    );
    await page.keyboard.press('Escape');
    await trailer.waitFor({ state: 'hidden' });
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toContain(
      'Watch the course preview',
    );

    // Description rendered from Markdown, not shown as raw text.
    await expect(page.locator('.course-main .prose').count()).resolves.toBe(1);
    expect(problems).toEqual([]);
  });

  it('lets a learner enrol, continue, and write then edit a review with the keyboard', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent(COURSE)}`);
    await page.getByLabel('Email address').fill('barbara@usefulwriter.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-student-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(new RegExp(`${COURSE}$`));

    await page.getByRole('button', { name: 'Enrol for free' }).click();
    await page.locator('.enrol-box .badge-success', { hasText: 'Enrolled' }).waitFor();
    // Enrolled: every lesson opens, none is locked.
    const outline = page.getByRole('region', { name: 'Course outline' });
    await expect(outline.getByText('Enrol to unlock').count()).resolves.toBe(0);

    // Continue opens the course player (tests/e2e/learning.e2e.test.ts); back to the page to review.
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(/\/learn\/typescript-from-zero\/[0-9a-f-]{36}$/);
    await page.getByRole('navigation', { name: 'Course curriculum' }).waitFor();
    await page.goBack();
    await page.waitForURL(new RegExp(`${COURSE}$`));

    await page.getByRole('button', { name: 'Write a review' }).click();
    // Keyboard star rating: focus the first star, arrow right to four stars.
    await page.getByRole('radio', { name: '1 star' }).focus();
    await page.keyboard.press('Space');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('radio', { name: '4 stars' }).isChecked()).resolves.toBe(true);
    await page.getByLabel('Title (optional)').fill('Solid <b>course</b>');
    await page.getByRole('button', { name: 'Post review' }).click();
    await page.getByText('Thank you: your review is saved.').waitFor();
    await page.getByText('Solid <b>course</b>').waitFor(); // text, never markup

    await page.getByRole('button', { name: 'Edit your review' }).click();
    // A pointer user clicks the star itself (the radio is visually hidden behind it).
    await page.locator('.star-rating label').nth(4).click();
    await expect(page.getByRole('radio', { name: '5 stars' }).isChecked()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Thank you: your review is saved.').waitFor();
    await screenshot(page, 'landing-reviewed');
    expect(problems).toEqual([]);
  });
});
