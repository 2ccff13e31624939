import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  createSection,
  publishCourse,
  updateLessonFields,
} from '../../server/modules/authoring/authoring.service.ts';
import { callerFor } from '../../server/modules/courses/courses.service.ts';
import { uploadFile } from '../../server/modules/files/files.service.ts';
import { createAccount } from '../../server/seed/accounts.ts';
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
 * The learner's journey through the course player: enrol in a free course, watch part of a real
 * video (a 24-second VP8 WebM uploaded like any lesson video), reload and resume at the same
 * second, complete every lesson (the video by watching to the end, articles marked done, one by
 * its keyboard shortcut), download a resource through its signed link, keep notes, and find the
 * course completed at 100 % on My learning.
 */
const CLIP = fileURLToPath(new URL('../fixtures/clip-24s.webm', import.meta.url));
const CLIP_SECONDS = 24;
const SLUG = 'player-journey';
const STUDENT = { email: 'paula@learners.example', password: 'paula-learns-every-day' };

interface Seeded {
  courseId: string;
  videoId: string;
  articleId: string;
  summaryId: string;
}

/** A free course by its instructor, through the product's own services: a video, an article with a resource, a summary. */
async function seedCourse(running: RunningApp): Promise<Seeded> {
  const db = running.database.db;
  const teacher = await createAccount(db, {
    email: 'vera@teachers.example',
    password: 'vera-teaches-video',
    fullName: 'Vera Video',
    role: 'instructor',
  });
  await createAccount(db, { ...STUDENT, fullName: 'Paula Player', role: 'student' });
  const author = callerFor(db, teacher);
  const deps = { storage: running.app.storage, uploads: running.app.config.uploads };
  const course = await createCourse(author, {
    slug: SLUG,
    title: 'Player Journey',
    description: 'A short course to exercise the player.',
    category: 'programming',
    difficultyLevel: 'beginner',
    accessType: 'free',
    learningOutcomes: ['Finish a course'],
  });
  const first = await createSection(author, course.id, { title: 'Watch and read' });
  const video = await createLesson(author, course.id, first.id, {
    title: 'Moving square',
    contentType: 'video',
    videoUrl: 'https://example.com/placeholder.webm',
    videoDurationSeconds: CLIP_SECONDS,
    isPreview: true,
  });
  const clip = await uploadFile(author, deps, {
    courseId: course.id,
    purpose: 'lesson_video',
    lessonId: video.id,
    clientName: 'clip-24s.webm',
    stream: createReadStream(CLIP),
  });
  await updateLessonFields(author, course.id, video.id, { videoUrl: clip.url });

  const article = await createLesson(author, course.id, first.id, {
    title: 'Reading notes',
    contentType: 'article',
    articleContent: '# Reading notes\n\nSquares move **left to right**. Download the cheat sheet below.',
  });
  const sheet = 'Cheat sheet: n next, p previous, m done.\n';
  const resource = await uploadFile(author, deps, {
    courseId: course.id,
    purpose: 'lesson_resource',
    lessonId: article.id,
    clientName: 'cheatsheet.txt',
    stream: Readable.from([Buffer.from(sheet)]),
  });
  await updateLessonFields(author, course.id, article.id, {
    downloadableResources: [
      { name: 'Cheat sheet', url: resource.url, size: Buffer.byteLength(sheet), type: 'text/plain' },
    ],
  });

  const second = await createSection(author, course.id, { title: 'Wrap up' });
  const summary = await createLesson(author, course.id, second.id, {
    title: 'Summary',
    contentType: 'article',
    articleContent: 'You made it.',
  });
  await publishCourse(author, course.id);
  return { courseId: course.id, videoId: video.id, articleId: article.id, summaryId: summary.id };
}

/** The learner's stored progress on a lesson, read through the API as the page's own session. */
async function storedLesson(page: Page, courseId: string, lessonId: string) {
  return page.evaluate(
    async ([course, lesson]) => {
      const response = await fetch(`/api/courses/${course}/progress`, { credentials: 'include' });
      const body = (await response.json()) as {
        lessons: Array<{ lessonId: string; positionSeconds: number; status: string }>;
      };
      return body.lessons.find((l) => l.lessonId === lesson) ?? null;
    },
    [courseId, lessonId] as const,
  );
}

const videoTime = (page: Page) => page.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);

describe('learning journey: the course player and My learning', () => {
  let running: RunningApp;
  let browser: Browser;
  let seeded: Seeded;

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    seeded = await seedCourse(running);
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('serves the player and My learning paths with the app', async () => {
    for (const path of ['/my-learning', `/learn/${SLUG}`, `/learn/${SLUG}/${seeded.videoId}`]) {
      const response = await fetch(`${running.baseUrl}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    }
  });

  it('enrols, resumes a video at the same second, completes every lesson, and shows 100 % on My learning, downloads the certificate that a visitor verifies', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    const lessonUrl = (id: string) => new RegExp(`/learn/${SLUG}/${id}$`);

    // Sign in, straight back to the course's landing page, enrol.
    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent(`/courses/${SLUG}`)}`);
    await page.getByLabel('Email address').fill(STUDENT.email);
    await page.getByLabel('Password', { exact: true }).fill(STUDENT.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(new RegExp(`/courses/${SLUG}$`));
    await page.getByRole('button', { name: 'Enrol for free' }).click();
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(lessonUrl(seeded.videoId));

    // The player: curriculum with the current lesson marked, durations, nothing done yet.
    const curriculum = page.getByRole('navigation', { name: 'Course curriculum' });
    await page.getByRole('heading', { level: 1, name: 'Moving square' }).waitFor();
    await expect(curriculum.locator('[aria-current="page"]').textContent()).resolves.toContain(
      'Moving square',
    );
    await expect(curriculum.getByText('0:24').count()).resolves.toBe(1);
    await expect(
      page.getByRole('progressbar', { name: 'Course progress' }).getAttribute('aria-valuenow'),
    ).resolves.toBe('0');

    // Play with the keyboard shortcut (k) for a few seconds, pause: the pause reports the position.
    const video = page.locator('video');
    await video.evaluate((v: HTMLVideoElement) =>
      v.readyState >= 1
        ? undefined
        : new Promise((resolve) => v.addEventListener('loadedmetadata', resolve, { once: true })),
    );
    await page.locator('#lesson-title').focus();
    await page.keyboard.press('k');
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) >= 6, undefined, {
      timeout: 20_000,
    });
    await page.keyboard.press('k');
    await expect(video.evaluate((v: HTMLVideoElement) => v.paused)).resolves.toBe(true);
    const pausedAt = Math.floor(await videoTime(page));
    await expect
      .poll(async () => (await storedLesson(page, seeded.courseId, seeded.videoId))?.positionSeconds, {
        timeout: 10_000,
      })
      .toBe(pausedAt);
    await screenshot(page, 'learning-player-video');

    // Reload: the video comes back at the stored second.
    const stored = (await storedLesson(page, seeded.courseId, seeded.videoId))!.positionSeconds;
    expect(stored).toBeGreaterThanOrEqual(6);
    await page.reload();
    await page.getByText('Resumed where you left off.').waitFor();
    await page.waitForFunction(() => !document.querySelector('video')?.seeking);
    expect(Math.abs((await videoTime(page)) - stored)).toBeLessThanOrEqual(1);

    // Leaving while it plays (no pause): the report sent as the page goes away keeps the position.
    await page.locator('#lesson-title').focus();
    await page.keyboard.press('k');
    await page.waitForFunction(
      (from) => (document.querySelector('video')?.currentTime ?? 0) >= from + 3,
      stored,
      { timeout: 20_000 },
    );
    // The last timeupdate the player saw may be a fraction behind what the test reads: ±1 s.
    const leftAt = Math.floor(await videoTime(page));
    await page.reload();
    await expect
      .poll(async () => (await storedLesson(page, seeded.courseId, seeded.videoId))?.positionSeconds, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(leftAt - 1);
    const leftStored = (await storedLesson(page, seeded.courseId, seeded.videoId))!.positionSeconds;
    expect(leftStored).toBeLessThanOrEqual(leftAt + 1);
    expect(leftStored).toBeGreaterThan(stored);

    // My learning's Continue opens the same lesson at the same second.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My learning' }).click();
    const inProgress = page.getByRole('region', { name: 'In progress' });
    await inProgress.getByText('Last lesson: Moving square').waitFor();
    await inProgress.getByRole('link', { name: /^Continue\s*: Player Journey$/ }).click();
    await page.waitForURL(lessonUrl(seeded.videoId));
    await page.getByText('Resumed where you left off.').waitFor();
    await page.waitForFunction(() => !document.querySelector('video')?.seeking);
    expect(Math.abs((await videoTime(page)) - leftStored)).toBeLessThanOrEqual(1);

    // Watch the rest: seek near the end and play to it; the video completes (≥ 90 % watched).
    await video.evaluate((v: HTMLVideoElement) => {
      v.currentTime = 20;
    });
    await page.waitForFunction(() => !document.querySelector('video')?.seeking);
    await page.locator('#lesson-title').focus();
    await page.keyboard.press('k');
    await page.waitForFunction(() => document.querySelector('video')?.ended === true, undefined, {
      timeout: 20_000,
    });
    await page.locator('.lp-lesson-header').getByText('Completed').waitFor();
    await curriculum.getByRole('link', { name: /Moving square \(completed\)/ }).waitFor();

    // The keyboard help says what the shortcuts are.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await expect(help.getByText('Next lesson').count()).resolves.toBe(1);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    // n: the next lesson, an article with a resource and notes.
    await page.keyboard.press('n');
    await page.waitForURL(lessonUrl(seeded.articleId));
    await page.locator('#lesson-title', { hasText: 'Reading notes' }).waitFor();
    await page.locator('.lp-lesson-article strong', { hasText: 'left to right' }).waitFor();
    // The article's own "# Reading notes" is not shown a second time under the lesson's title.
    await expect(page.getByRole('heading', { name: 'Reading notes', exact: true }).count()).resolves.toBe(1);

    // Notes autosave; typing n, p or m in them never triggers a shortcut.
    const notes = page.getByLabel(/Notes on this lesson/);
    await notes.fill('Squares: ');
    await notes.press('n');
    await notes.press('m');
    await notes.press('p');
    await page.getByText('Saved', { exact: true }).waitFor();
    expect(page.url()).toMatch(lessonUrl(seeded.articleId));
    await expect(notes.inputValue()).resolves.toBe('Squares: nmp');

    // The resource downloads through its signed link, and the download is counted.
    const resources = page.getByRole('region', { name: 'Resources' });
    await resources.getByText('text/plain').waitFor();
    const counted = page.waitForResponse(
      (r) => r.url().endsWith(`/api/lessons/${seeded.articleId}/resource-downloads`) && r.status() === 200,
    );
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      resources.getByRole('link', { name: 'Download Cheat sheet' }).click(),
    ]);
    await counted;
    expect(download.suggestedFilename()).toBe('cheatsheet.txt');

    // m (outside the notes): marked as done.
    await page.locator('#lesson-title').focus();
    await page.keyboard.press('m');
    await page.locator('.lp-lesson-header').getByText('Completed').waitFor();
    await curriculum.getByRole('link', { name: /Reading notes \(completed\)/ }).waitFor();

    // The last lesson, by its button; marked done with the mouse.
    await page.getByRole('link', { name: /^Next lesson\s*: Summary$/ }).click();
    await page.waitForURL(lessonUrl(seeded.summaryId));
    await page.getByRole('button', { name: 'Mark as done' }).click();
    await page.locator('.lp-lesson-header').getByText('Completed').waitFor();
    await expect
      .poll(() => page.getByRole('progressbar', { name: 'Course progress' }).getAttribute('aria-valuenow'))
      .toBe('100');

    // The notes were kept.
    await page.keyboard.press('p');
    await page.waitForURL(lessonUrl(seeded.articleId));
    // The lesson's notes load after the page does: wait for them rather than read the field at once.
    await expect.poll(() => page.getByLabel(/Notes on this lesson/).inputValue()).toBe('Squares: nmp');

    // Notes edited elsewhere (another device, here a request beside the page) show when the learner
    // comes back to the lesson: the cached copy appears first, and the refetch replaces it.
    await page.evaluate(async (lesson) => {
      const csrf = decodeURIComponent(/(?:^|; )uw_csrf=([^;]*)/.exec(document.cookie)?.[1] ?? '');
      const response = await fetch(`/api/lessons/${lesson}/notes`, {
        method: 'PUT',
        credentials: 'include',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ notes: 'Squares: edited on the phone' }),
      });
      if (!response.ok) throw new Error(`saving notes answered ${response.status}`);
    }, seeded.articleId);
    const steps = page.getByRole('navigation', { name: 'Lessons' });
    await steps.getByRole('link', { name: /^Next\s*: Summary/ }).click();
    await page.waitForURL(lessonUrl(seeded.summaryId));
    await steps.getByRole('link', { name: /^Previous\s*: Reading notes/ }).click();
    await page.waitForURL(lessonUrl(seeded.articleId));
    await expect
      .poll(() => page.getByLabel(/Notes on this lesson/).inputValue())
      .toBe('Squares: edited on the phone');

    // My learning: the course is completed at 100 %, with the dashboard above it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My learning' }).click();
    await page.waitForURL(/\/my-learning$/);
    const completed = page.getByRole('region', { name: 'Completed' });
    await completed.getByRole('heading', { name: 'Player Journey' }).waitFor();
    await expect(
      completed
        .getByRole('progressbar', { name: 'Progress in Player Journey' })
        .getAttribute('aria-valuenow'),
    ).resolves.toBe('100');
    await completed.getByText('3 of 3 lessons done (100%)').waitFor();
    await page.getByRole('heading', { name: 'Your learning' }).waitFor();
    await page.getByText('Current streak').waitFor();
    await screenshot(page, 'learning-my-learning');

    // The certificate: a PDF download from My learning, and its public verification page, which an
    // anonymous visitor (another browser profile, no session) opens from the link.
    const [certificate] = await Promise.all([
      page.waitForEvent('download'),
      completed.getByRole('link', { name: 'Download certificate for Player Journey (PDF)' }).click(),
    ]);
    const pdf = await readFile((await certificate.path())!);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const verifyUrl = await completed
      .getByRole('link', { name: 'Verification page for Player Journey' })
      .getAttribute('href');
    expect(verifyUrl).toMatch(/\/verify\/[A-Z2-7]{26}$/);
    expect(problems).toEqual([]);

    const visitor = await (await browser.newProfile(VIEWPORTS.phone)).newPage();
    const visitorProblems = watchForProblems(visitor, () => false);
    await visitor.goto(verifyUrl!.replace(/^https?:\/\/[^/]+/, running.baseUrl));
    const card = visitor.getByRole('region', { name: 'Certificate of completion' });
    await card.getByText('This certificate is valid.').waitFor();
    await expect(card.getByText('Paula Player', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(card.getByText('Player Journey', { exact: true }).isVisible()).resolves.toBe(true);
    await expect(card.getByText(STUDENT.email).count()).resolves.toBe(0);
    await screenshot(visitor, 'learning-certificate-verified');
    expect(visitorProblems).toEqual([]);
  });

  it('lays the player out on a phone without sideways scrolling', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.phone)).newPage();
    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent(`/learn/${SLUG}`)}`);
    await page.getByLabel('Email address').fill(STUDENT.email);
    await page.getByLabel('Password', { exact: true }).fill(STUDENT.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // /learn/<slug> opens where the learner left off.
    await page.waitForURL(new RegExp(`/learn/${SLUG}/[0-9a-f-]{36}$`));
    await page.getByRole('navigation', { name: 'Course curriculum' }).waitFor();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'learning-player-phone');
  });

  it('says so when a lesson video cannot be loaded, and loads it on Try again', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    await page.goto(
      `${running.baseUrl}/sign-in?next=${encodeURIComponent(`/learn/${SLUG}/${seeded.videoId}`)}`,
    );
    // The video's file fails (as offline, or when its host is gone) until we let it through.
    let blocked = true;
    await page.route('**/api/files/**', (route) => (blocked ? route.abort() : route.continue()));
    await page.getByLabel('Email address').fill(STUDENT.email);
    await page.getByLabel('Password', { exact: true }).fill(STUDENT.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'This video could not be loaded' });
    await alert.waitFor();
    blocked = false;
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1);
    await expect(alert.count()).resolves.toBe(0);
  });
});
