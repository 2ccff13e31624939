import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger, testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import type { SessionUser } from '../../db/session.ts';
import { createJobs, type Jobs } from '../../platform/jobs/jobs.ts';
import { buildCourse, makeUser } from '../courses/courses.fixtures.ts';
import { createJudge } from '../judge/judge.ts';
import { QUEUES, type CodeJudgeOutcome, type CodeJudgeRequest } from './challenge-jobs.ts';
import { startJudgeWorker } from './judge-worker.ts';

// A worker whose start-up canaries did not all come back blocked refuses to judge: submissions get
// `judge_unavailable` (the reason and fix go to the health page), nothing runs. A healthy worker started later
// judges them.

let t: TestDatabase;
let learner: SessionUser;
let challengeId: string;
const running: Jobs[] = [];

async function waitFor<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function submissionStatus(id: string) {
  const { rows } = await sql<{ status: string; judgeMessage: string | null }>`
    select status, judge_message as "judgeMessage" from code_submissions where id = ${id}`.execute(
    t.handle.kysely,
  );
  return rows[0]!;
}

beforeAll(async () => {
  t = await createTestDatabase();
  const owner = await makeUser(t.db, 'instructor', 'otto');
  learner = await makeUser(t.db, 'student', 'lea');
  const course = await buildCourse(t.db, owner);
  await t.db.asSystem((tx) =>
    tx
      .insertInto('enrollments')
      .values({ userId: learner.id, courseId: course.id, accessType: 'free_grant' })
      .execute(),
  );
  challengeId = await t.db.asSystem(async (tx) => {
    const row = await tx
      .insertInto('codeChallenges')
      .values({
        courseId: course.id,
        title: 'Echo',
        description: '',
        difficulty: 'easy',
        problemStatement: 'Print the input.',
        supportedLanguages: ['python'],
        testCases: JSON.stringify([{ input: 'hi', expected_output: 'hi', is_hidden: true }]),
        status: 'published',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
});

afterAll(async () => {
  for (const jobs of running) await jobs.stop();
  await t?.close();
});

function startJobs() {
  const jobs = createJobs({ db: t.db, logger: memoryLogger().logger, pollingIntervalSeconds: 0.5 });
  running.push(jobs);
  return jobs;
}

describe('judge worker start-up checks', () => {
  let submissionId: string;

  it('refuses to judge when a canary escapes, and says why on the health page', async () => {
    const jobs = startJobs();
    const config = testConfig({ UW_JUDGE_SLOTS: '1' }).judge;
    const worker = await startJudgeWorker({
      db: t.db,
      jobs,
      logger: memoryLogger().logger,
      config,
      judge: createJudge({ slots: 1 }),
      canaries: async () => ({ ok: false, failures: ['read /etc/shadow: LEAK root:x'] }),
    });
    expect((await worker.ready).state).toBe('refusing');
    submissionId = await t.db.asUser(learner, async (tx) => {
      const row = await tx
        .insertInto('codeSubmissions')
        .values({ challengeId, language: 'python', code: 'print(input())' })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    });
    await jobs.relayOutbox();
    const refused = await waitFor(async () => {
      const s = await submissionStatus(submissionId);
      return s.status === 'judge_unavailable' ? s : undefined;
    });
    expect(refused.judgeMessage).toMatch(/judge is unavailable.*kept.*judge health page/s);
    // The reason and the fix are for administrators: no host detail reaches the learner.
    expect(refused.judgeMessage).not.toMatch(/shadow|canary|LEAK/i);
    const { rows } = await sql<{ state: string; canaries: { failures: string[] } }>`
      select state, canaries from private.judge_workers`.execute(t.handle.kysely);
    expect(rows).toEqual([
      expect.objectContaining({
        state: 'refusing',
        canaries: expect.objectContaining({ ok: false, failures: ['read /etc/shadow: LEAK root:x'] }),
      }),
    ]);
    await jobs.stop();
    await worker.stop();
    const left = await sql`select 1 from private.judge_workers`.execute(t.handle.kysely);
    expect(left.rows).toEqual([]);
  });

  it('a healthy worker started later judges what was left unjudged', async () => {
    const jobs = startJobs();
    const worker = await startJudgeWorker({
      db: t.db,
      jobs,
      logger: memoryLogger().logger,
      config: testConfig({ UW_JUDGE_SLOTS: '1' }).judge,
    });
    expect(await worker.ready).toEqual({ state: 'ready' });
    const judged = await waitFor(async () => {
      const s = await submissionStatus(submissionId);
      return s.status === 'accepted' ? s : undefined;
    });
    expect(judged.judgeMessage).toBeNull();
  });

  it('judges any code for another module and replies to its queue (quiz code questions)', async () => {
    const jobs = running[running.length - 1]!;
    const replies: Array<{ answerId: string; outcome: CodeJudgeOutcome }> = [];
    await jobs.work<{ answerId: string; outcome: CodeJudgeOutcome }>('test-quiz-code-graded', async (job) => {
      replies.push(job.data);
    });
    const request: CodeJudgeRequest = {
      language: 'python',
      code: 'print(int(input()) * 2)',
      tests: [
        { input: '2', expected: '4', hidden: false },
        { input: 'SECRET-21', expected: '42', hidden: true },
      ],
      timeLimitMs: 2000,
      memoryLimitMb: 64,
      reply: { queue: 'test-quiz-code-graded', data: { answerId: 'answer-1' } },
    };
    const id = await jobs.send(QUEUES.code, request);
    await waitFor(async () => (replies.length > 0 ? true : undefined));
    expect(replies).toEqual([
      {
        answerId: 'answer-1',
        outcome: expect.objectContaining({ status: 'runtime_error', passedTests: 1, totalTests: 2 }),
      },
    ]);
    expect(replies[0]!.outcome.results[1]).toEqual({
      index: 1,
      hidden: true,
      passed: false,
      executionTimeMs: expect.any(Number),
    });
    expect(JSON.stringify(replies)).not.toContain('SECRET-21');
    expect((await jobs.getJob(QUEUES.code, id!))?.state).toBe('completed');
  });
});
