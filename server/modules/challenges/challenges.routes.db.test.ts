import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChallengeInput } from '../../../contracts/challenges.ts';
import { memoryLogger, TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { createJobs, type Jobs } from '../../platform/jobs/jobs.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { startJudgeWorker } from './judge-worker.ts';

// Code challenges end to end through HTTP (app.inject) with a real judge worker (bubblewrap
// sandbox, pg-boss jobs) on PGlite and PostgreSQL. Secrets carry canary strings that must never
// reach a learner's response or any log line.

const HIDDEN_CANARY = 'HIDDENCANARY9q7w';
const SOLUTION_CANARY = 'SOLUTIONCANARY4x2z';

let testDb: TestDatabase;
let app: App;
let jobs: Jobs;
let logs: ReturnType<typeof memoryLogger>;
let owner: SessionUser;
let otherInstructor: SessionUser;
let admin: SessionUser;
let learner: SessionUser;
let stranger: SessionUser;
let course: BuiltCourse;
let codeLessonId: string;
let challengeId: string;

// Reads two numbers per line; the hidden test's input holds the canary as a comment-free token the
// program ignores (it sums the numbers only).
const RIGHT = `# ${SOLUTION_CANARY}\nimport sys\nnums = [int(x) for x in sys.stdin.read().split() if x.lstrip('-').isdigit()]\nprint(sum(nums))\n`;
const WRONG_ECHO = 'import sys\nprint(sys.stdin.read())\n'; // echoes its input: would leak a hidden test if shown
const BROKEN = 'print(sum(int(x) for x in input().split()) - 1)\n';

function input(overrides: Partial<ChallengeInput> = {}): ChallengeInput {
  return {
    lessonId: codeLessonId,
    title: 'Sum the numbers',
    description: 'Add them up',
    difficulty: 'easy',
    category: 'algorithms',
    problemStatement: '# Sum\n\nPrint the **sum** of the numbers on stdin.',
    examples: 'Input: 1 2 → Output: 3',
    constraints: 'At most 100 numbers.',
    supportedLanguages: ['python'],
    starterCode: { python: 'import sys\n# read stdin and print the sum\n' },
    solutionCode: { python: BROKEN },
    testCases: [
      { input: '1 2', expectedOutput: '3', isHidden: false },
      { input: `40 2 ${HIDDEN_CANARY}`, expectedOutput: '42', isHidden: true },
    ],
    timeLimitMs: 2000,
    memoryLimitMb: 64,
    points: 100,
    ...overrides,
  };
}

type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';
async function call(method: Method, url: string, user?: SessionUser, body?: unknown) {
  const headers = user
    ? { authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 600)}` }
    : {};
  return app.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
}
async function ok(status: number, method: Method, url: string, user?: SessionUser, body?: unknown) {
  const response = await call(method, url, user, body);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
  return response.body ? response.json() : null;
}
/** Polls `url` until `done(body)`; the judge works in the background. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Body = any;
async function poll(
  url: string,
  user: SessionUser,
  done: (body: Body) => boolean,
  ms = 60_000,
): Promise<Body> {
  const until = Date.now() + ms;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
    const body = await ok(200, 'GET', url, user);
    if (done(body)) return body;
    if (Date.now() > until) throw new Error(`timed out polling ${url}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
const judged = (s: { status: string }) => !['pending', 'running'].includes(s.status);

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'carla');
  otherInstructor = await makeUser(db, 'instructor', 'ivan');
  admin = await makeUser(db, 'admin', 'ada');
  learner = await makeUser(db, 'student', 'lena');
  stranger = await makeUser(db, 'student', 'sam');
  course = await buildCourse(db, owner);
  codeLessonId = (
    await db.asUser(owner, (tx) =>
      tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: course.sectionIds[1]!,
          title: 'Code it',
          sortOrder: 5,
          contentType: 'code',
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    )
  ).id;
  logs = memoryLogger();
  const config = testConfig({ UW_JUDGE_SLOTS: '1' });
  jobs = createJobs({ db, logger: logs.logger, pollingIntervalSeconds: 0.5 });
  app = buildApp({ config, db, logger: logs.logger, jobs });
  await app.ready();
  const worker = await startJudgeWorker({ db, jobs, logger: logs.logger, config: config.judge });
  expect(await worker.ready).toEqual({ state: 'ready' });
  expect((await call('POST', `/api/courses/${course.id}/enrollment`, learner)).statusCode).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await jobs?.stop();
  await testDb?.close();
});

describe('authoring', () => {
  it('the owner creates a draft with every field; others get 404 and never the secrets', async () => {
    const created = await ok(201, 'POST', `/api/courses/${course.id}/challenges`, owner, input());
    challengeId = created.id;
    expect(created).toMatchObject({
      status: 'draft',
      lessonId: codeLessonId,
      supportedLanguages: ['python'],
      solutionCode: { python: BROKEN },
      testCases: input().testCases,
      timeLimitMs: 2000,
      memoryLimitMb: 64,
      category: 'algorithms',
      constraints: 'At most 100 numbers.',
    });
    for (const user of [otherInstructor, learner, stranger]) {
      expect((await call('GET', `/api/challenges/${challengeId}/authoring`, user)).statusCode).toBe(404);
      expect(
        (await call('POST', `/api/courses/${course.id}/challenges`, user, input({ lessonId: null })))
          .statusCode,
      ).toBe(404);
      expect((await call('PUT', `/api/challenges/${challengeId}`, user, input())).statusCode).toBe(404);
      expect((await call('POST', `/api/challenges/${challengeId}/publish`, user)).statusCode).toBe(404);
    }
  });

  it('refuses bad input with 400 and a second challenge on the same lesson with 409', async () => {
    const bad = await call('POST', `/api/courses/${course.id}/challenges`, owner, {
      ...input(),
      testCases: [],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const forged = await call('POST', `/api/courses/${course.id}/challenges`, owner, {
      ...input(),
      status: 'published',
    });
    expect(forged.statusCode).toBe(400);
    const notCode = await call(
      'POST',
      `/api/courses/${course.id}/challenges`,
      owner,
      input({ lessonId: course.lessonIds[0]! }),
    );
    expect(notCode.statusCode).toBe(400);
    const taken = await call('POST', `/api/courses/${course.id}/challenges`, owner, input());
    expect(taken.statusCode).toBe(409);
  });

  it('the owner cannot publish by writing the status, nor record a publish check', async () => {
    await expect(
      testDb.db.asUser(owner, (tx) =>
        sql`update code_challenges set status = 'published' where id = ${challengeId}`.execute(tx),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      testDb.db.asUser(owner, (tx) =>
        sql`select private.record_publish_check(${challengeId}, 1, true, '{}'::jsonb)`.execute(tx),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      testDb.db.asUser(owner, (tx) =>
        sql`select private.enqueue_job('judge-submission', '{}'::jsonb, '{}'::jsonb)`.execute(tx),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('a learner cannot see a draft challenge', async () => {
    expect((await call('GET', `/api/challenges/${challengeId}`, learner)).statusCode).toBe(404);
    expect((await call('GET', `/api/lessons/${codeLessonId}/challenge`, learner)).statusCode).toBe(404);
    expect(
      (
        await call('POST', `/api/challenges/${challengeId}/submissions`, learner, {
          language: 'python',
          code: RIGHT,
        })
      ).statusCode,
    ).toBe(404);
  });

  it('publishing fails while the solution fails a test, and succeeds once it passes every test', async () => {
    const checking = await ok(200, 'POST', `/api/challenges/${challengeId}/publish`, owner);
    expect(checking.status).toBe('checking');
    const failed = await poll(
      `/api/challenges/${challengeId}/authoring`,
      owner,
      (c) => c.status !== 'checking',
    );
    expect(failed.status).toBe('check_failed');
    expect(failed.publishCheck).toMatchObject({
      passed: false,
      languages: [{ language: 'python', verdict: 'wrong_answer' }],
    });

    const fixed = await ok(
      200,
      'PUT',
      `/api/challenges/${challengeId}`,
      owner,
      input({ solutionCode: { python: RIGHT } }),
    );
    expect(fixed.status).toBe('draft');
    await ok(200, 'POST', `/api/challenges/${challengeId}/publish`, owner);
    const published = await poll(
      `/api/challenges/${challengeId}/authoring`,
      owner,
      (c) => c.status !== 'checking',
    );
    expect(published.status).toBe('published');
    expect(published.publishCheck).toMatchObject({
      passed: true,
      languages: [{ language: 'python', verdict: 'accepted', passedTests: 2, totalTests: 2 }],
    });
  });
});

describe('publish gate in every language', () => {
  it('checks the solution in Java and JavaScript too, and names the language that fails', async () => {
    const java =
      'import java.util.*;\npublic class Main { public static void main(String[] a) { Scanner s = new Scanner(System.in); long t = 0; while (s.hasNext()) { if (s.hasNextLong()) t += s.nextLong(); else s.next(); } System.out.println(t); } }\n';
    const created = await ok(
      201,
      'POST',
      `/api/courses/${course.id}/challenges`,
      owner,
      input({
        lessonId: null,
        title: 'Sum in three languages',
        supportedLanguages: ['python', 'javascript', 'java'],
        solutionCode: { python: RIGHT, java, javascript: 'console.log(1)' },
        memoryLimitMb: 256,
      }),
    );
    await ok(200, 'POST', `/api/challenges/${created.id}/publish`, owner);
    const failed = await poll(
      `/api/challenges/${created.id}/authoring`,
      owner,
      (c) => c.status !== 'checking',
      120_000,
    );
    expect(failed.status).toBe('check_failed');
    expect(failed.publishCheck.languages).toEqual([
      expect.objectContaining({ language: 'python', verdict: 'accepted' }),
      expect.objectContaining({ language: 'javascript', verdict: 'wrong_answer' }),
      expect.objectContaining({ language: 'java', verdict: 'accepted', passedTests: 2 }),
    ]);
    // A learner never sees a challenge that did not pass.
    expect((await call('GET', `/api/challenges/${created.id}`, learner)).statusCode).toBe(404);
  }, 180_000);
});

describe('learning', () => {
  it('a learner sees the statement, starter code and visible tests — never the solution or a hidden test', async () => {
    const response = await call('GET', `/api/lessons/${codeLessonId}/challenge`, learner);
    expect(response.statusCode).toBe(200);
    expect(response.body).not.toContain(HIDDEN_CANARY);
    expect(response.body).not.toContain(SOLUTION_CANARY);
    const body = response.json();
    expect(body).toMatchObject({
      id: challengeId,
      visibleTests: [{ input: '1 2', expectedOutput: '3' }],
      solved: false,
    });
    expect(body.problemStatementHtml).toContain('<strong>sum</strong>');
    expect(body).not.toHaveProperty('solutionCode');
    expect(body).not.toHaveProperty('testCases');
    // an outsider (not enrolled) gets nothing
    expect((await call('GET', `/api/challenges/${challengeId}`, stranger)).statusCode).toBe(404);
  });

  it('Run judges the visible examples only, is not recorded, and only its author can read it', async () => {
    const { runId } = await ok(202, 'POST', `/api/challenges/${challengeId}/runs`, learner, {
      language: 'python',
      code: WRONG_ECHO,
    });
    const run = await poll(
      `/api/challenge-runs/${runId}`,
      learner,
      (r) => r.state === 'done' || r.state === 'failed',
    );
    expect(run).toMatchObject({ state: 'done', verdict: 'wrong_answer', passedTests: 0, totalTests: 1 });
    expect(run.results).toEqual([
      expect.objectContaining({
        index: 0,
        hidden: false,
        passed: false,
        input: '1 2',
        expectedOutput: '3',
        output: '1 2\n',
      }),
    ]);
    expect(JSON.stringify(run)).not.toContain(HIDDEN_CANARY);
    expect((await call('GET', `/api/challenge-runs/${runId}`, stranger)).statusCode).toBe(404);
    expect((await ok(200, 'GET', `/api/challenges/${challengeId}/submissions`, learner)).submissions).toEqual(
      [],
    );
  });

  it('a wrong submission gets wrong_answer; hidden tests show only passed and time, never their data', async () => {
    const submitted = await ok(201, 'POST', `/api/challenges/${challengeId}/submissions`, learner, {
      language: 'python',
      code: WRONG_ECHO,
    });
    expect(submitted.status).toBe('pending');
    const verdict = await poll(`/api/submissions/${submitted.id}`, learner, judged);
    expect(verdict).toMatchObject({ status: 'wrong_answer', passedTests: 0, totalTests: 2, score: 0 });
    expect(verdict.testResults[1]).toEqual({
      index: 1,
      hidden: true,
      passed: false,
      executionTimeMs: expect.any(Number),
    });
    expect(JSON.stringify(verdict)).not.toContain(HIDDEN_CANARY);
    const history = await call('GET', `/api/challenges/${challengeId}/submissions`, learner);
    expect(history.body).not.toContain(HIDDEN_CANARY);
    // another learner cannot read it
    expect((await call('GET', `/api/submissions/${submitted.id}`, stranger)).statusCode).toBe(404);
  });

  it('a right submission is accepted, completes the code lesson and counts a solve', async () => {
    // Marking the lesson complete by hand does not count (0022): only an accepted submission does.
    await call('PUT', `/api/lessons/${codeLessonId}/progress`, learner, { completed: true });
    const code = RIGHT.replace(`# ${SOLUTION_CANARY}\n`, '');
    const submitted = await ok(201, 'POST', `/api/challenges/${challengeId}/submissions`, learner, {
      language: 'python',
      code,
    });
    const verdict = await poll(`/api/submissions/${submitted.id}`, learner, judged);
    expect(verdict).toMatchObject({ status: 'accepted', passedTests: 2, totalTests: 2, score: 100 });
    expect(verdict.judgedAt).toEqual(expect.any(String));
    const { rows: progress } = await sql<{ status: string }>`
      select status from lesson_progress where user_id = ${learner.id} and lesson_id = ${codeLessonId}`.execute(
      testDb.handle.kysely,
    );
    expect(progress).toEqual([{ status: 'completed' }]);
    const { rows: solved } = await sql<{ n: number }>`
      select coalesce(sum(code_challenges_solved), 0)::int as n from learning_analytics where user_id = ${learner.id}`.execute(
      testDb.handle.kysely,
    );
    expect(solved[0]!.n).toBe(1);
    expect((await ok(200, 'GET', `/api/challenges/${challengeId}`, learner)).solved).toBe(true);
    const history = (await ok(200, 'GET', `/api/challenges/${challengeId}/submissions`, learner)).submissions;
    expect(history.map((s: { status: string }) => s.status)).toEqual(['accepted', 'wrong_answer']);
  });

  it('a learner cannot forge a verdict, a language outside the challenge, or write results', async () => {
    const forged = await call('POST', `/api/challenges/${challengeId}/submissions`, learner, {
      language: 'python',
      code: 'print(1)',
      status: 'accepted',
    });
    expect(forged.statusCode).toBe(400);
    const java = await call('POST', `/api/challenges/${challengeId}/submissions`, learner, {
      language: 'java',
      code: 'class Main {}',
    });
    expect(java.statusCode).toBe(400);
    await expect(
      testDb.db.asUser(learner, (tx) =>
        sql`update code_submissions set status = 'accepted' where user_id = ${learner.id}`.execute(tx),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      testDb.db.asUser(learner, (tx) =>
        sql`select private.record_code_verdict(gen_random_uuid(), 'accepted', null, 1, 1, 1, 1, null)`.execute(
          tx,
        ),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('the course owner sees a learner’s submission; another instructor does not', async () => {
    const { rows } = await sql<{
      id: string;
    }>`select id from code_submissions where user_id = ${learner.id} limit 1`.execute(testDb.handle.kysely);
    expect((await call('GET', `/api/submissions/${rows[0]!.id}`, owner)).statusCode).toBe(200);
    expect((await call('GET', `/api/submissions/${rows[0]!.id}`, otherInstructor)).statusCode).toBe(404);
  });
});

describe('judge health and logs', () => {
  it('an admin sees each worker’s sandbox status and canary results; nobody else does', async () => {
    const health = await ok(200, 'GET', '/api/admin/judge', admin);
    expect(health.workers[0]).toMatchObject({
      state: 'ready',
      slots: 1,
      sandbox: { available: true },
      canaries: { ran: true, ok: true, failures: [] },
    });
    for (const user of [owner, learner])
      expect((await call('GET', '/api/admin/judge', user)).statusCode).toBe(404);
  });

  it('no hidden test or solution canary ever reached a log line', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text()).not.toContain(HIDDEN_CANARY);
    expect(logs.text()).not.toContain(SOLUTION_CANARY);
  });
});
