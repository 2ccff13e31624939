import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLesson,
  createSection,
  createCourse,
  publishCourse,
} from '../../server/modules/authoring/authoring.service.ts';
import { callerFor, enrolFree } from '../../server/modules/courses/courses.service.ts';
import { signAccessToken } from '../../server/platform/auth.ts';
import { createAccount } from '../../server/seed/accounts.ts';
import { TEST_JWT_SECRET } from '../helpers/test-app.ts';
import { browsers, startApp, VIEWPORTS, watchForProblems, type Browser, type RunningApp } from './harness.ts';

/**
 * Live updates in the browser: a learner has the course player open; progress made on another
 * device (the API with a token of their own) moves the progress bar, and a lesson the instructor
 * adds appears in the curriculum — both without a reload, through /realtime.
 */
const SLUG = 'live-journey';
const STUDENT = { email: 'lina@learners.example', password: 'lina-learns-live-1' };

describe('realtime journey: the player follows other devices and the instructor', () => {
  let running: RunningApp;
  let browser: Browser;
  let seeded: { courseId: string; sectionId: string; first: string; second: string; studentId: string };
  let teacher: Awaited<ReturnType<typeof createAccount>>;

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    const db = running.database.db;
    teacher = await createAccount(db, {
      email: 'theo@teachers.example',
      password: 'theo-teaches-live-1',
      fullName: 'Theo Teacher',
      role: 'instructor',
    });
    const student = await createAccount(db, { ...STUDENT, fullName: 'Lina Live', role: 'student' });
    const author = callerFor(db, teacher);
    const course = await createCourse(author, {
      slug: SLUG,
      title: 'Live Journey',
      description: 'A course that changes while you look.',
      category: 'programming',
      difficultyLevel: 'beginner',
      accessType: 'free',
      learningOutcomes: ['Watch it change'],
    });
    const section = await createSection(author, course.id, { title: 'Part one' });
    const first = await createLesson(author, course.id, section.id, {
      title: 'First words',
      contentType: 'article',
      articleContent: 'Hello.',
    });
    const second = await createLesson(author, course.id, section.id, {
      title: 'Second words',
      contentType: 'article',
      articleContent: 'Hello again.',
    });
    await publishCourse(author, course.id);
    await enrolFree(callerFor(db, student), course.id);
    seeded = {
      courseId: course.id,
      sectionId: section.id,
      first: first.id,
      second: second.id,
      studentId: student.id,
    };
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  it('moves the progress bar when another device completes a lesson, and shows a lesson added meanwhile', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(
      `${running.baseUrl}/sign-in?next=${encodeURIComponent(`/learn/${SLUG}/${seeded.first}`)}`,
    );
    await page.getByLabel('Email address').fill(STUDENT.email);
    await page.getByLabel('Password', { exact: true }).fill(STUDENT.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'First words' }).waitFor();
    const bar = page.getByRole('progressbar', { name: 'Course progress' });
    await expect(bar.getAttribute('aria-valuenow')).resolves.toBe('0');

    // Another device (an API client with the learner's own token) completes the second lesson.
    const token = await signAccessToken(TEST_JWT_SECRET, { id: seeded.studentId });
    const response = await fetch(`${running.baseUrl}/api/lessons/${seeded.second}/progress`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientTime: new Date().toISOString(), completed: true }),
    });
    expect(response.status).toBe(200);
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe('50');

    // The instructor adds a lesson: it appears in the open player's curriculum.
    await createLesson(callerFor(running.database.db, teacher), seeded.courseId, seeded.sectionId, {
      title: 'Fresh words',
      contentType: 'article',
      articleContent: 'Brand new.',
    });
    const curriculum = page.getByRole('navigation', { name: 'Course curriculum' });
    await curriculum.getByText('Fresh words').waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
  });

  it('shows a new email in the open admin mailbox without a reload', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent('/admin/mailbox')}`);
    await page.getByLabel('Email address').fill('admin@usefulwriter.example');
    await page.getByLabel('Password', { exact: true }).fill('demo-admin-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // The mailbox has loaded: a list of emails, or none yet.
    const list = page.getByRole('list', { name: 'Emails, newest first' });
    await list.or(page.getByText('No emails yet')).first().waitFor();
    const toLina = page.getByText(`To ${STUDENT.email}`);
    await expect(toLina.count()).resolves.toBe(0);
    // Somewhere else, the learner asks for a password reset: the outbox gets an email.
    const response = await fetch(`${running.baseUrl}/api/auth/password-reset/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: STUDENT.email }),
    });
    expect(response.status).toBe(202);
    await toLina.first().waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
  });
});
