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
} from './harness.ts';

/**
 * A visitor browses without an account: the catalogue, a course's landing page with its outline,
 * the keyboard path through them, and the server's fallback for client routes.
 */
/** A visitor has no session cookies, so the app asks nothing about a session: no 4xx is expected. */
const noErrorExpected = () => false;

describe('visitor journey: catalogue and course page', () => {
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

  it('browses the catalogue and opens a course on a desktop', async () => {
    const context = await browser.newProfile(VIEWPORTS.desktop);
    const page = await context.newPage();
    const problems = watchForProblems(page, noErrorExpected);

    await page.goto(running.baseUrl);
    await expect(page.getByRole('heading', { level: 1, name: 'Courses' }).isVisible()).resolves.toBe(true);
    const cards = page.getByRole('list', { name: 'Courses' }).getByRole('listitem');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(3);
    await expect(page.title()).resolves.toBe('Courses · UsefulWriter');
    await screenshot(page, 'catalogue-desktop');

    // Filter by difficulty: the URL keeps it, the list shrinks to matching courses.
    await page.getByLabel('Difficulty').selectOption('advanced');
    await page.waitForURL(/difficulty=advanced/);
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length === 1);
    await expect(page.locator('.course-card .eyebrow').textContent()).resolves.toMatch(/Advanced/);
    await page.getByLabel('Difficulty').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length >= 3);

    // `/courses` is the catalogue too, its filters kept.
    await page.goto(`${running.baseUrl}/courses?difficulty=advanced`);
    await page.waitForURL((url) => url.pathname === '/' && url.search === '?difficulty=advanced');
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length === 1);
    await page.goto(running.baseUrl);
    await page.waitForFunction(() => document.querySelectorAll('.course-card').length >= 3);

    await page.getByRole('link', { name: 'TypeScript from Zero' }).click();
    await page.waitForURL(/\/courses\/typescript-from-zero$/);
    await page.getByRole('heading', { level: 1, name: 'TypeScript from Zero' }).waitFor();
    await expect(page.title()).resolves.toBe('TypeScript from Zero · UsefulWriter');

    // The outline: sections with lessons, durations and preview markers; never lesson content.
    const outline = page.getByRole('region', { name: 'Course outline' });
    await expect(outline.getByText('Getting started').first().isVisible()).resolves.toBe(true);
    expect(await outline.locator('.badge-preview').count()).toBeGreaterThan(0);
    expect(await outline.locator('.lesson-duration').count()).toBeGreaterThan(0);
    await expect(page.getByRole('heading', { name: 'Your instructor' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('heading', { name: 'Reviews' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'Sign in to enrol' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'course-desktop');

    // Client routes load the app from the server (index.html fallback); unknown ones say so.
    await page.goto(`${running.baseUrl}/no/such/page`);
    await page.getByRole('heading', { name: 'This page does not exist' }).waitFor();
    await page.goto(`${running.baseUrl}/courses/no-such-course`);
    await page.getByText('This course does not exist or is not published').waitFor();

    expect(problems.filter((p) => !p.includes('/api/courses/no-such-course'))).toEqual([]);
  });

  it('works on a phone, with the keyboard: skip link, focus order, course link', async () => {
    const context = await browser.newProfile(VIEWPORTS.phone);
    const page = await context.newPage();
    const problems = watchForProblems(page, noErrorExpected);

    await page.goto(running.baseUrl);
    await page.getByRole('list', { name: 'Courses' }).getByRole('listitem').first().waitFor();

    // The first Tab reaches the skip link; Enter moves focus to the main content.
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('main');

    await screenshot(page, 'catalogue-phone');
    await expectNoHorizontalOverflow(page);

    await page.getByRole('link', { name: 'PostgreSQL Performance in Practice' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/courses\/postgresql-performance-in-practice$/);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await screenshot(page, 'course-phone');
    await expectNoHorizontalOverflow(page);

    expect(problems).toEqual([]);
  });

  it('serves hashed assets with a long cache and never answers /api/* with the app', async () => {
    const index = await fetch(running.baseUrl);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${running.baseUrl}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const api = await fetch(`${running.baseUrl}/api/no-such-route`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const missingAsset = await fetch(`${running.baseUrl}/assets/missing-0000.js`);
    expect(missingAsset.status).toBe(404);
    const clientRoute = await fetch(`${running.baseUrl}/account/profile`);
    expect(clientRoute.status).toBe(200);
    expect(await clientRoute.text()).toContain('<div id="root">');
  });
});
