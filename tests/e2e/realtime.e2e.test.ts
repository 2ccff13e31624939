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
import type { Page } from 'playwright-core';
import { browsers, startApp, VIEWPORTS, watchForProblems, type Browser, type RunningApp } from './harness.ts';

/**
 * Live updates in the browser: a learner has the course player open; progress made on another
 * device (the API with a token of their own) moves the progress bar, and a lesson the instructor
 * adds appears in the curriculum — both without a reload, through /realtime. The instructor's live
 * view follows a learner (another browser context) from lesson to lesson and out; another
 * instructor cannot open it. A learner's open quiz timer takes the extra minutes the instructor
 * grants, without a reload.
 */
const SLUG = 'live-journey';
const STUDENT = { email: 'lina@learners.example', password: 'lina-learns-live-1' };
const TEACHER = { email: 'theo@teachers.example', password: 'theo-teaches-live-1' };
const RIVAL = { email: 'rita@teachers.example', password: 'rita-teaches-too-1' };

async function signIn(page: Page, baseUrl: string, who: { email: string; password: string }, next: string) {
  await page.goto(`${baseUrl}/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email address').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

describe('realtime journey: the player follows other devices and the instructor', () => {
  let running: RunningApp;
  let browser: Browser;
  let seeded: { courseId: string; sectionId: string; first: string; second: string; studentId: string };
  let teacher: Awaited<ReturnType<typeof createAccount>>;
  /** The lesson the first journey adds while the player is open. */
  let fresh: { id: string };

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    const db = running.database.db;
    teacher = await createAccount(db, { ...TEACHER, fullName: 'Theo Teacher', role: 'instructor' });
    await createAccount(db, { ...RIVAL, fullName: 'Rita Rival', role: 'instructor' });
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
    fresh = await createLesson(callerFor(running.database.db, teacher), seeded.courseId, seeded.sectionId, {
      title: 'Fresh words',
      contentType: 'article',
      articleContent: 'Brand new.',
    });
    const curriculum = page.getByRole('navigation', { name: 'Course curriculum' });
    await curriculum.getByText('Fresh words').waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await page.close(); // the learner leaves the course (the live view below starts empty)
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

  it('shows the instructor who is in the course and on which lesson, live; another instructor cannot see it', async () => {
    const teacherPage = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const teacherProblems = watchForProblems(teacherPage, () => false);
    await signIn(teacherPage, running.baseUrl, TEACHER, `/author/courses/${seeded.courseId}/live`);
    await teacherPage.getByRole('heading', { name: 'Learners here now' }).waitFor();
    await teacherPage.getByText('Nobody is in this course right now').waitFor({ timeout: 10_000 });
    // The tab is in the editor's navigation, reachable by keyboard like the others.
    const tab = teacherPage
      .getByRole('navigation', { name: 'Course editor' })
      .getByRole('link', { name: 'Live' });
    await expect(tab.getAttribute('aria-current')).resolves.toBe('page');

    // The learner, in another browser, opens the first lesson.
    const learnerPage = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const learnerProblems = watchForProblems(learnerPage, () => false);
    await signIn(learnerPage, running.baseUrl, STUDENT, `/learn/${SLUG}/${seeded.first}`);
    await learnerPage.getByRole('heading', { level: 1, name: 'First words' }).waitFor();

    const row = teacherPage.getByRole('row', { name: /Lina/ });
    await row.getByRole('link', { name: /First words/ }).waitFor({ timeout: 10_000 });
    await expect(teacherPage.getByTestId('live-learner').count()).resolves.toBe(1);

    // Moving to the second lesson (no reload) moves the learner on the instructor's view.
    await learnerPage
      .getByRole('navigation', { name: 'Course curriculum' })
      .getByRole('link', { name: /Second words/ })
      .click();
    await learnerPage.getByRole('heading', { level: 1, name: 'Second words' }).waitFor();
    await row.getByRole('link', { name: /Second words/ }).waitFor({ timeout: 10_000 });
    // The lesson link goes to the lesson's editor, by keyboard too.
    await row.getByRole('link', { name: /Second words/ }).focus();
    await expect(teacherPage.evaluate(() => document.activeElement?.textContent ?? '')).resolves.toContain(
      'Second words',
    );

    // The learner leaves: the list empties.
    await learnerPage.close();
    await teacherPage.getByText('Nobody is in this course right now').waitFor({ timeout: 10_000 });

    // Another instructor gets the editor's "not yours" page, not the list.
    const rivalPage = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    await signIn(rivalPage, running.baseUrl, RIVAL, `/author/courses/${seeded.courseId}/live`);
    await rivalPage.getByRole('heading', { name: /not yours to edit/ }).waitFor();
    await expect(rivalPage.getByText('Learners here now').count()).resolves.toBe(0);
    expect(teacherProblems).toEqual([]);
    expect(learnerProblems).toEqual([]);
  });

  it('gives the learner’s open quiz the extra minutes the instructor grants, without a reload', async () => {
    const teacherToken = await signAccessToken(TEST_JWT_SECRET, { id: teacher.id });
    const api = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${running.baseUrl}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${teacherToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return (await response.json()) as { id: string };
    };
    const lesson = await api('POST', `/courses/${seeded.courseId}/sections/${seeded.sectionId}/lessons`, {
      contentType: 'quiz',
      title: 'Timed check',
    });
    const quiz = await api('POST', `/courses/${seeded.courseId}/quizzes`, {
      title: 'Timed check',
      lessonId: lesson.id,
      timeLimitMinutes: 10,
    });
    await api('POST', `/quizzes/${quiz.id}/questions`, {
      questionType: 'true_false',
      questionText: 'Live updates need a reload.',
      correctAnswer: false,
    });

    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await signIn(page, running.baseUrl, STUDENT, `/learn/${SLUG}/${lesson.id}`);
    await page.getByRole('button', { name: 'Start the quiz' }).click();
    const timer = page.getByTestId('quiz-timer');
    const minutesLeft = async () => Number(/(\d+):\d\d/.exec((await timer.textContent()) ?? '')?.[1] ?? -1);
    await expect.poll(minutesLeft, { timeout: 10_000 }).toBe(9);

    await api('POST', `/quizzes/${quiz.id}/extra-grants`, { userId: seeded.studentId, extraMinutes: 5 });
    await expect.poll(minutesLeft, { timeout: 10_000 }).toBe(14);
    await page.getByText(/Your instructor gave you more time/).waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('moves "Last lesson" and the progress on My learning when another device studies', async () => {
    const token = await signAccessToken(TEST_JWT_SECRET, { id: seeded.studentId });
    const study = async (lessonId: string, completed: boolean) => {
      const response = await fetch(`${running.baseUrl}/api/lessons/${lessonId}/progress`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientTime: new Date().toISOString(), completed }),
      });
      expect(response.status).toBe(200);
    };
    // Another device was last on the lesson added in the first journey (no browser of the learner is
    // open any more). Both are first completions: written at once (a repeat would be a coalesced heartbeat).
    await study(fresh.id, true);
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await signIn(page, running.baseUrl, STUDENT, '/my-learning');
    const bar = page.getByRole('progressbar', { name: 'Progress in Live Journey' });
    await bar.waitFor();
    await page.getByText('Last lesson: Fresh words').waitFor();
    const before = await bar.getAttribute('aria-valuenow');

    await study(seeded.first, true);
    await page.getByText('Last lesson: First words').waitFor({ timeout: 10_000 });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).not.toBe(before);
    expect(problems).toEqual([]);
  });
});
