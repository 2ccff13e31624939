import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourse,
  createLesson,
  createSection,
  publishCourse,
} from '../../server/modules/authoring/authoring.service.ts';
import { createChallenge, publishChallenge } from '../../server/modules/challenges/challenges.service.ts';
import { startJudgeWorker } from '../../server/modules/challenges/judge-worker.ts';
import { callerFor } from '../../server/modules/courses/courses.service.ts';
import { createJobs, type Jobs } from '../../server/platform/jobs/jobs.ts';
import { createAccount } from '../../server/seed/accounts.ts';
import { memoryLogger } from '../helpers/test-app.ts';
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
 * A learner solves a code challenge: opens the code lesson in the player, goes to its challenge,
 * runs a wrong Python program on the samples, submits it (wrong answer, hidden test shown only as
 * failed), submits a right one (accepted), sees both in the history and the lesson completed. The
 * judge is the real sandboxed worker, fed through pg-boss. The verdict arrives live: the page asks for
 * the submission again only after /realtime announced a change to it (no polling).
 */
const SLUG = 'challenge-journey';
const STUDENT = { email: 'cody@learners.example', password: 'cody-writes-python' };
const HIDDEN_INPUT = '40 2 1000';
const WRONG = 'print(0)';
// Judged for a few seconds (it sleeps on each test): long enough that a polling page would ask for
// the verdict several times before it exists.
const WRONG_SLOW = 'import time; time.sleep(1.5); print(0)';
const RIGHT = 'import sys; print(sum(int(x) for x in sys.stdin.read().split()))';

async function seed(running: RunningApp, jobs: Jobs) {
  const db = running.database.db;
  const teacher = await createAccount(db, {
    email: 'cora@teachers.example',
    password: 'cora-teaches-code',
    fullName: 'Cora Code',
    role: 'instructor',
  });
  await createAccount(db, { ...STUDENT, fullName: 'Cody Learner', role: 'student' });
  const author = callerFor(db, teacher);
  const course = await createCourse(author, {
    slug: SLUG,
    title: 'Challenge Journey',
    description: 'A course with a code challenge.',
    category: 'programming',
    difficultyLevel: 'beginner',
    accessType: 'free',
    learningOutcomes: ['Sum numbers'],
  });
  const section = await createSection(author, course.id, { title: 'Practice' });
  await createLesson(author, course.id, section.id, {
    title: 'Read first',
    contentType: 'article',
    articleContent: 'Numbers add up.',
  });
  await publishCourse(author, course.id);
  // A code lesson: its content is the challenge (the lesson editor leaves code lessons to this module).
  const { id: lessonId } = await db.asUser(teacher, (tx) =>
    tx
      .insertInto('courseLessons')
      .values({
        courseId: course.id,
        sectionId: section.id,
        title: 'Sum it up',
        sortOrder: 1,
        contentType: 'code',
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  const challenge = await createChallenge(author, course.id, {
    lessonId,
    title: 'Sum it up',
    description: 'Add the numbers',
    difficulty: 'easy',
    category: 'algorithms',
    problemStatement: 'Print the **sum** of the numbers on standard input.',
    examples: '1 2 → 3',
    constraints: null,
    supportedLanguages: ['python', 'javascript'],
    starterCode: { python: '# read the numbers and print their sum\n', javascript: '// read stdin\n' },
    solutionCode: {
      python: RIGHT,
      javascript:
        "const s = require('fs').readFileSync(0, 'utf8').split(/\\s+/).filter(Boolean).map(Number); console.log(s.reduce((a, b) => a + b, 0));",
    },
    testCases: [
      { input: '1 2', expectedOutput: '3', isHidden: false },
      { input: HIDDEN_INPUT, expectedOutput: '1042', isHidden: true },
    ],
    timeLimitMs: 2000,
    memoryLimitMb: 128,
    points: 50,
  });
  await publishChallenge(
    author,
    { jobs, nudge: () => void jobs.relayOutbox(), allowRun: () => true },
    challenge.id,
  );
  for (let i = 0; i < 300; i++) {
    const { status } = await db.asSystem((tx) =>
      tx
        .selectFrom('codeChallenges')
        .select('status')
        .where('id', '=', challenge.id)
        .executeTakeFirstOrThrow(),
    );
    if (status === 'published') break;
    if (status === 'check_failed') throw new Error('the seeded solution failed its publish check');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { courseId: course.id, lessonId, challengeId: challenge.id };
}

/** Replaces the editor's content (insertText: no auto-indent or bracket closing in the way). */
async function typeCode(page: Page, code: string) {
  const editor = page.getByRole('textbox', { name: /Your Python code/ });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

describe('code challenge journey: run, submit wrong, submit right', () => {
  let running: RunningApp;
  let browser: Browser;
  let jobs: Jobs;
  let seeded: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    // The worker role of `usefulwriter start`, in this process: the outbox relay and the judge.
    jobs = createJobs({
      db: running.database.db,
      logger: memoryLogger().logger,
      pollingIntervalSeconds: 0.5,
    });
    const worker = await startJudgeWorker({
      db: running.database.db,
      jobs,
      logger: memoryLogger().logger,
      config: running.app.config.judge,
    });
    expect(await worker.ready).toEqual({ state: 'ready' });
    seeded = await seed(running, jobs);
  });

  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    await running?.close();
  });

  it('a learner opens the code lesson, runs, submits a wrong then a right Python solution and sees the verdicts', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    // What the page receives on /realtime, and when it asks the API for one submission.
    const events: Array<{ kind: 'change'; id: string; status: unknown } | { kind: 'get'; id: string }> = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        try {
          const m = JSON.parse(String(frame.payload)) as {
            type?: string;
            table?: string;
            id?: string;
            row?: { status?: unknown };
          };
          if (m.type === 'change' && m.table === 'code_submissions' && m.id)
            events.push({ kind: 'change', id: m.id, status: m.row?.status });
        } catch {
          // not JSON: not ours
        }
      }),
    );
    page.on('request', (request) => {
      const id = /\/api\/submissions\/([0-9a-f-]{36})$/.exec(request.url())?.[1];
      if (request.method() === 'GET' && id) events.push({ kind: 'get', id });
    });

    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent(`/courses/${SLUG}`)}`);
    await page.getByLabel('Email address').fill(STUDENT.email);
    await page.getByLabel('Password', { exact: true }).fill(STUDENT.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(new RegExp(`/courses/${SLUG}$`));
    await page.getByRole('button', { name: 'Enrol for free' }).click();
    await page.getByRole('link', { name: 'Continue' }).click();

    // The code lesson in the player links to its challenge.
    await page.goto(`${running.baseUrl}/learn/${SLUG}/${seeded.lessonId}`);
    await page.getByRole('link', { name: 'Open the code challenge' }).waitFor();
    // Only an accepted submission completes a code lesson: the player offers no "Mark as done".
    expect(await page.getByRole('button', { name: 'Mark as done' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Open the code challenge' }).click();
    await page.waitForURL(new RegExp(`/challenges/lesson/${seeded.lessonId}$`));
    await page.getByRole('heading', { level: 1, name: 'Sum it up' }).waitFor();
    await expect(page.locator('.prose strong').textContent()).resolves.toBe('sum');
    // Starter code is in the editor; the language switch offers the challenge's languages.
    await expect(page.locator('.cm-content').textContent()).resolves.toContain('read the numbers');
    await expect(page.getByLabel('Language').locator('option').allTextContents()).resolves.toEqual([
      'Python',
      'JavaScript',
    ]);

    // Run a wrong program on the samples: wrong answer, with its output; nothing is recorded.
    await typeCode(page, WRONG);
    await page.getByRole('button', { name: 'Run' }).click();
    const runPanel = page.getByRole('region', { name: 'Run (sample tests, not recorded)' });
    await runPanel.locator('.ch-verdict', { hasText: 'Wrong answer' }).waitFor({ timeout: 30_000 });
    await expect(runPanel.textContent()).resolves.toContain('0 of 1 tests passed');
    await expect(page.getByText('No submissions yet.').isVisible()).resolves.toBe(true);

    // Submit it: wrong answer; the hidden test shows only that it failed, never its input.
    await typeCode(page, WRONG_SLOW);
    const submitted = page.waitForResponse(
      (r) => r.request().method() === 'POST' && /\/api\/challenges\/[^/]+\/submissions$/.test(r.url()),
    );
    await page.getByRole('button', { name: 'Submit' }).click();
    const submissionId = ((await (await submitted).json()) as { id: string }).id;
    const verdict = page.getByRole('region', { name: 'Submission', exact: true });
    await verdict.locator('.ch-verdict', { hasText: 'Wrong answer' }).waitFor({ timeout: 30_000 });
    // The verdict came live: /realtime announced it, and after its first load the page fetched the
    // submission only in answer to announced changes — each later request has an announcement of
    // its own before it (a polling page asks every 0.5–5 s while the judge works, here for seconds,
    // with fewer announcements than requests).
    const mine = events.filter((e) => e.id === submissionId);
    expect(
      mine.some((e) => e.kind === 'change' && e.status === 'wrong_answer'),
      JSON.stringify(mine),
    ).toBe(true);
    let unanswered = 0;
    let firstLoad = true;
    for (const e of mine) {
      if (e.kind === 'change') unanswered += 1;
      else if (firstLoad) firstLoad = false;
      else {
        expect(unanswered, `a request without an announcement: ${JSON.stringify(mine)}`).toBeGreaterThan(0);
        unanswered -= 1;
      }
    }
    expect(firstLoad, JSON.stringify(mine)).toBe(false);
    await expect(verdict.textContent()).resolves.toContain('0 of 2 tests passed');
    await expect(verdict.getByText('Test 2 (hidden)').isVisible()).resolves.toBe(true);
    await expect(page.content()).resolves.not.toContain(HIDDEN_INPUT);
    await screenshot(page, 'challenge-wrong-answer');

    // Fix it and submit again: accepted.
    await typeCode(page, RIGHT);
    await page.getByRole('button', { name: 'Submit' }).click();
    await verdict.locator('.ch-verdict', { hasText: 'Accepted' }).waitFor({ timeout: 30_000 });
    await expect(verdict.textContent()).resolves.toContain('2 of 2 tests passed');
    await page.getByText('Solved').waitFor();

    // The history lists both, newest first.
    const rows = page.getByRole('table').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await expect(rows.nth(0).textContent()).resolves.toContain('Accepted');
    await expect(rows.nth(1).textContent()).resolves.toContain('Wrong answer');
    await screenshot(page, 'challenge-accepted');

    // The accepted submission completed the code lesson.
    const lesson = await page.evaluate(
      async ([course, lessonId]) => {
        const response = await fetch(`/api/courses/${course}/progress`, { credentials: 'include' });
        const body = (await response.json()) as { lessons: Array<{ lessonId: string; status: string }> };
        return body.lessons.find((l) => l.lessonId === lessonId) ?? null;
      },
      [seeded.courseId, seeded.lessonId] as const,
    );
    expect(lesson?.status).toBe('completed');
    expect(problems).toEqual([]);
  });

  it('works on a phone-width screen', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.phone)).newPage();
    await page.goto(
      `${running.baseUrl}/sign-in?next=${encodeURIComponent(`/challenges/lesson/${seeded.lessonId}`)}`,
    );
    await page.getByLabel('Email address').fill(STUDENT.email);
    await page.getByLabel('Password', { exact: true }).fill(STUDENT.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Sum it up' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'challenge-phone');
  });

  it('the instructor finds the challenge from the course editor, sees its publish check, and an admin sees the judge healthy', async () => {
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    await page.goto(
      `${running.baseUrl}/sign-in?next=${encodeURIComponent(`/author/courses/${seeded.courseId}`)}`,
    );
    await page.getByLabel('Email address').fill('cora@teachers.example');
    await page.getByLabel('Password', { exact: true }).fill('cora-teaches-code');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page
      .getByRole('navigation', { name: 'Course editor' })
      .getByRole('link', { name: 'Challenges' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Code challenges' }).waitFor();
    await page.getByRole('link', { name: 'Sum it up' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sum it up' }).waitFor();
    const publication = page.getByRole('region', { name: 'Publication' });
    await expect(publication.textContent()).resolves.toContain('Published');
    await expect(publication.textContent()).resolves.toContain('Python: Accepted (2/2 tests)');
    await expect(page.getByLabel('Test 2: input').inputValue()).resolves.toBe(HIDDEN_INPUT);
    await page.getByRole('textbox', { name: 'Python solution' }).waitFor();
    await screenshot(page, 'challenge-authoring');
    expect(problems).toEqual([]);

    const admin = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    await admin.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent('/admin/judge')}`);
    await admin.getByLabel('Email address').fill('admin@usefulwriter.example');
    await admin.getByLabel('Password', { exact: true }).fill('demo-admin-password');
    await admin.getByRole('button', { name: 'Sign in', exact: true }).click();
    await admin.getByRole('heading', { level: 1, name: 'Code judge' }).waitFor();
    await admin.getByText('Judging', { exact: true }).waitFor();
    await admin.getByText('All blocked.', { exact: true }).waitFor();
    // which limits the boxes get on this host (their own cgroup, or rlimits only and why)
    await admin
      .getByText(/^Limits: /)
      .first()
      .waitFor();
    await screenshot(admin, 'admin-judge');
  });
});
