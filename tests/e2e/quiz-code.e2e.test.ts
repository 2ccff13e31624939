import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJudgeWorker } from '../../server/modules/challenges/judge-worker.ts';
import { startQuizCodeGrading } from '../../server/modules/quizzes/code-grading.ts';
import { createJobs, type Jobs } from '../../server/platform/jobs/jobs.ts';
import { DEMO_PRACTICE } from '../../server/seed/demo-content.ts';
import { memoryLogger } from '../helpers/test-app.ts';
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
 * A demo learner takes the demo practice course's graded quiz, whose last question is code: after
 * submitting, the results say "Grading your code…" (and, with no judge running yet, that the judge
 * is unavailable); once a judge worker starts, the page updates by itself to the final score, with
 * the hidden test shown only as passed/failed.
 */

const LINUS = { email: 'linus@usefulwriter.example', password: 'demo-student-password' };
/** The hidden test's input in the demo quiz: it must never reach the learner's browser. */
const HIDDEN_INPUT = DEMO_PRACTICE.questions
  .flatMap((q) => (q.questionType === 'code' ? q.testCases : []))
  .find((t) => t.isHidden)!.input;

describe('quiz code question graded by the judge', () => {
  let running: RunningApp;
  let browser: Browser;
  let jobs: Jobs | undefined;

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
  });

  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    await running?.close();
  });

  it('shows "Grading your code…" until a judge grades the code answer, then the score', async () => {
    const { rows } = await sql<{ lessonId: string }>`
      select l.id as lesson_id from course_lessons l join courses c on c.id = l.course_id
       where c.slug = ${DEMO_PRACTICE.courseSlug} and l.title = ${DEMO_PRACTICE.quizLessonTitle}`.execute(
      running.database.handle.kysely,
    );
    const lessonId = rows[0]!.lessonId;
    const page = await (await browser.newProfile(VIEWPORTS.desktop)).newPage();
    const problems = watchForProblems(page, () => false);
    // What the page receives on /realtime about quiz attempts, and when it asks for its attempt.
    const events: Array<{ kind: 'change' | 'subscribed' | 'get' }> = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (frame) => {
        try {
          const m = JSON.parse(String(frame.payload)) as { type?: string; table?: string; topic?: string };
          if (m.type === 'change' && m.table === 'quiz_attempts') events.push({ kind: 'change' });
          if (m.type === 'subscribed' && m.topic?.startsWith('changes:quiz_attempts'))
            events.push({ kind: 'subscribed' });
        } catch {
          // not JSON: not ours
        }
      }),
    );
    page.on('request', (request) => {
      if (request.method() === 'GET' && /\/api\/quiz-attempts\/[0-9a-f-]{36}$/.test(request.url()))
        events.push({ kind: 'get' });
    });
    const apiBodies: string[] = [];
    page.on('response', (response) => {
      if (!response.url().includes('/api/')) return;
      void response
        .text()
        .then((text) => apiBodies.push(text))
        .catch(() => {});
    });

    const next = `/learn/${DEMO_PRACTICE.courseSlug}/${lessonId}`;
    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email address').fill(LINUS.email);
    await page.getByLabel('Password', { exact: true }).fill(LINUS.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Start the quiz' }).click();
    await page.getByRole('heading', { name: 'Question 1 of 4' }).waitFor();
    const question = page.locator('.quiz-question');
    await question.getByLabel(/^\[1, 2, 3\]/).check();
    await page.getByRole('button', { name: 'Next question' }).click();
    await question.getByLabel('True', { exact: true }).check();
    await page.getByRole('button', { name: 'Next question' }).click();
    await question.getByLabel('Your answer').fill('5');
    await page.getByRole('button', { name: 'Next question' }).click();
    await question.getByLabel(/Your code/).fill("print('Hello, ' + input() + '!')");
    await page.getByTestId('save-state').getByText('All answers saved').waitFor();

    await page.getByRole('button', { name: 'Submit answers' }).click();
    const confirm = page.getByRole('dialog', { name: 'Submit your answers?' });
    await confirm.getByRole('button', { name: 'Submit', exact: true }).click();
    // No judge worker runs yet: grading waits, and says why.
    await page
      .getByTestId('quiz-grading')
      .getByText(/Grading your code/)
      .waitFor();
    await page.getByText(/judge is unavailable/).waitFor();
    await screenshot(page, 'quiz-code-grading');

    // The worker role starts (the outbox relay, the quiz reply handler and the judge).
    jobs = createJobs({
      db: running.database.db,
      logger: memoryLogger().logger,
      pollingIntervalSeconds: 0.5,
    });
    await startQuizCodeGrading({ db: running.database.db, jobs, logger: memoryLogger().logger });
    const worker = await startJudgeWorker({
      db: running.database.db,
      jobs,
      logger: memoryLogger().logger,
      config: running.app.config.judge,
    });
    expect(await worker.ready).toEqual({ state: 'ready' });
    await jobs.relayOutbox();

    // The page shows the final grade by itself, live: while grading it asked for the attempt only
    // when /realtime confirmed its subscription or announced a change (a polling page asks every
    // 2.5 s, and starting the worker takes longer than that).
    const score = page.getByTestId('quiz-score');
    await score.getByText('5 of 5 points · 100 %').waitFor({ timeout: 60_000 });
    const subscribedAt = events.findIndex((e) => e.kind === 'subscribed');
    expect(subscribedAt, JSON.stringify(events)).toBeGreaterThanOrEqual(0);
    const whileGrading = events.slice(subscribedAt);
    expect(
      whileGrading.some((e) => e.kind === 'change'),
      JSON.stringify(events),
    ).toBe(true);
    let announced = false;
    for (const e of whileGrading) {
      if (e.kind !== 'get') announced = true;
      else {
        expect(announced, `a request without an announcement: ${JSON.stringify(events)}`).toBe(true);
        announced = false;
      }
    }
    await score.getByText('Passed', { exact: true }).waitFor();
    await page.getByTestId('code-verdict').getByText('Accepted').waitFor();
    await page.getByText(/Hidden test 2: passed/).waitFor();
    expect(await page.getByTestId('quiz-grading').count()).toBe(0);
    await screenshot(page, 'quiz-code-graded');

    expect(apiBodies.filter((body) => body.includes(HIDDEN_INPUT))).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);
});
