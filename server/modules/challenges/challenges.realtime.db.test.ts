import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChallengeInput } from '../../../contracts/challenges.ts';
import { changesTopic } from '../../../contracts/realtime.ts';
import { openSocket, settle, type TestSocket } from '../../../tests/helpers/realtime.ts';
import { TEST_JWT_SECRET, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { signAccessToken } from '../../platform/auth.ts';
import { createJobs, type Jobs } from '../../platform/jobs/jobs.ts';
import { createLogger } from '../../platform/logger.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { startJudgeWorker } from './judge-worker.ts';

// Hidden tests and solutions never reach a learner — not in an HTTP response, not in a realtime
// message — and nobody's secrets reach a log line (issue 7). A learner subscribed to every topic
// that could carry a challenge or a submission runs, submits a wrong program that prints (a
// transform of) the hidden input, and a right one; the server logs at trace level into memory.
// Every frame, every response and every log line is then searched for the canaries.

// The challenge: print the input upper-cased. The hidden test's input, its expected output and what
// the wrong program prints on it (the input reversed) are all distinct canaries; so is the solution.
const HIDDEN_INPUT = 'hiddenin7k3qzv';
const HIDDEN_EXPECTED = HIDDEN_INPUT.toUpperCase();
const HIDDEN_ACTUAL = [...HIDDEN_INPUT].reverse().join('');
const SOLUTION_CANARY = 'solutioncanary9p4r';
const CANARIES = [HIDDEN_INPUT, HIDDEN_EXPECTED, HIDDEN_ACTUAL, SOLUTION_CANARY];
const SOLUTION = `# ${SOLUTION_CANARY}\nprint(input().upper())\n`;
const WRONG = 'print(input()[::-1])\n';
const RIGHT = 'print(input().upper())\n';

let t: TestDatabase;
let app: App;
let jobs: Jobs;
let baseUrl: string;
const logLines: string[] = [];
let owner: SessionUser;
let learner: SessionUser;
let course: BuiltCourse;
let challengeId: string;
let learnerSocket: TestSocket;
const learnerResponses: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Method = 'GET' | 'PUT' | 'POST';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
type Body = any;
/** A request over real HTTP; the learner's responses (headers and body) are kept for the search. */
async function call(method: Method, path: string, user: SessionUser, body?: unknown): Promise<Body> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await signAccessToken(TEST_JWT_SECRET, user, 600)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (user === learner) learnerResponses.push(JSON.stringify([...response.headers]), text);
  expect(response.status, `${method} ${path}: ${text}`).toBeLessThan(300);
  return text ? JSON.parse(text) : null;
}

async function until(path: string, user: SessionUser, done: (body: Body) => boolean): Promise<Body> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = await call('GET', path, user);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${path}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const judged = (s: { status: string }) => !['pending', 'running'].includes(s.status);

beforeAll(async () => {
  t = await createTestDatabase();
  owner = await makeUser(t.db, 'instructor', 'rosa');
  learner = await makeUser(t.db, 'student', 'remy');
  course = await buildCourse(t.db, owner);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // Everything the server and the worker log, at the most verbose level.
  const logger = createLogger('trace', { write: (line: string) => void logLines.push(line) });
  const config = testConfig({ UW_JUDGE_SLOTS: '1', ...(t.url ? { DATABASE_URL: t.url } : {}) });
  jobs = createJobs({ db: t.db, logger, pollingIntervalSeconds: 0.5 });
  app = buildApp({ config, db: t.db, logger, jobs });
  await app.listen({ host: '127.0.0.1', port });
  const worker = await startJudgeWorker({ db: t.db, jobs, logger, config: config.judge });
  expect(await worker.ready).toEqual({ state: 'ready' });
}, 120_000);

afterAll(async () => {
  learnerSocket?.close();
  await app?.close();
  await jobs?.stop();
  await t?.close();
});

describe('hidden tests and solutions stay out of a learner’s realtime messages, responses and the logs', () => {
  it('a learner subscribed to everything about challenges and submissions never receives a canary', async () => {
    const lesson = await t.db.asUser(owner, (tx) =>
      tx
        .insertInto('courseLessons')
        .values({
          courseId: course.id,
          sectionId: course.sectionIds[0]!,
          title: 'Shout',
          sortOrder: 9,
          contentType: 'code',
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    await call('POST', `/api/courses/${course.id}/enrollment`, learner);

    // The learner listens before anything happens: the challenge's creation and publication, the
    // runs, the submissions, the lesson completing.
    learnerSocket = await openSocket(baseUrl, learner);
    const topics = [
      changesTopic('code_challenges'),
      changesTopic('code_challenges', { course_id: course.id }),
      changesTopic('code_submissions'),
      changesTopic('code_submissions', { user_id: learner.id }),
      changesTopic('course_lessons', { course_id: course.id }),
      changesTopic('lesson_progress', { user_id: learner.id }),
      changesTopic('enrollments', { user_id: learner.id }),
    ];
    for (const topic of topics)
      expect(await learnerSocket.subscribe(topic)).toEqual({ type: 'subscribed', topic });

    const input: ChallengeInput = {
      lessonId: lesson.id,
      title: 'Shout',
      description: 'Upper-case the input',
      difficulty: 'easy',
      category: 'other',
      problemStatement: 'Print the input in upper case.',
      examples: 'abc → ABC',
      constraints: null,
      supportedLanguages: ['python'],
      starterCode: { python: '# read a line, print it in upper case\n' },
      solutionCode: { python: SOLUTION },
      testCases: [
        { input: 'abc', expectedOutput: 'ABC', isHidden: false },
        { input: HIDDEN_INPUT, expectedOutput: HIDDEN_EXPECTED, isHidden: true },
      ],
      timeLimitMs: 2000,
      memoryLimitMb: 64,
      points: 10,
    };
    challengeId = (await call('POST', `/api/courses/${course.id}/challenges`, owner, input)).id;
    await call('POST', `/api/challenges/${challengeId}/publish`, owner);
    const published = await until(
      `/api/challenges/${challengeId}/authoring`,
      owner,
      (c) => c.status !== 'checking',
    );
    expect(published.status).toBe('published');

    // The learner's whole journey, over HTTP.
    const seen = await call('GET', `/api/lessons/${lesson.id}/challenge`, learner);
    expect(seen.visibleTests).toEqual([{ input: 'abc', expectedOutput: 'ABC' }]);
    const { runId } = await call('POST', `/api/challenges/${challengeId}/runs`, learner, {
      language: 'python',
      code: WRONG,
    });
    const run = await until(
      `/api/challenge-runs/${runId}`,
      learner,
      (r) => r.state === 'done' || r.state === 'failed',
    );
    expect(run.verdict).toBe('wrong_answer');

    const wrong = await call('POST', `/api/challenges/${challengeId}/submissions`, learner, {
      language: 'python',
      code: WRONG,
    });
    const wrongJudged = await until(`/api/submissions/${wrong.id}`, learner, judged);
    expect(wrongJudged).toMatchObject({ status: 'wrong_answer', passedTests: 0, totalTests: 2 });
    const right = await call('POST', `/api/challenges/${challengeId}/submissions`, learner, {
      language: 'python',
      code: RIGHT,
    });
    expect(await until(`/api/submissions/${right.id}`, learner, judged)).toMatchObject({
      status: 'accepted',
    });
    await call('GET', `/api/challenges/${challengeId}/submissions`, learner);
    await call('GET', `/api/lessons/${lesson.id}/challenge`, learner);

    // Both verdicts reached the learner live, with the row as the learner may read it.
    await learnerSocket.next(
      (m) => m.type === 'change' && m.id === wrong.id && m.row?.status === 'wrong_answer',
    );
    await learnerSocket.next((m) => m.type === 'change' && m.id === right.id && m.row?.status === 'accepted');
    // ... and the challenge itself (published while the learner listened).
    await learnerSocket.next(
      (m) => m.type === 'change' && m.table === 'code_challenges' && m.id === challengeId,
    );
    await settle(app.realtime, [learnerSocket]);

    const frames = JSON.stringify(learnerSocket.messages);
    const responses = learnerResponses.join('\n');
    const logs = logLines.join('');
    // the search is not empty-handed: the learner's own code and the verdicts are all there
    expect(frames).toContain('wrong_answer');
    expect(frames).toContain(WRONG.trim().replaceAll('"', '\\"'));
    expect(responses).toContain('wrong_answer');
    expect(logs).toContain(wrong.id);
    for (const canary of CANARIES) {
      expect(frames.toLowerCase(), `realtime frame carries ${canary}`).not.toContain(canary.toLowerCase());
      expect(responses.toLowerCase(), `HTTP response carries ${canary}`).not.toContain(canary.toLowerCase());
      expect(logs.toLowerCase(), `log line carries ${canary}`).not.toContain(canary.toLowerCase());
    }
  });
});
