import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { createJobs, enqueueInTransaction, type Jobs } from './jobs.ts';

/** Resolves when `check` returns a value, polling; fails after `ms`. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('jobs platform (pg-boss on this engine)', () => {
  let t: TestDatabase;
  let jobs: Jobs;
  beforeAll(async () => {
    t = await createTestDatabase();
    jobs = createJobs({ db: t.db, logger: pino({ level: 'silent' }), pollingIntervalSeconds: 0.5 });
    await jobs.start();
  });
  afterAll(async () => {
    await jobs.stop();
    await t.close();
  });

  it('sends a job, a worker runs it, and the job completes with the handler output', async () => {
    const seen: string[] = [];
    await jobs.work<{ word: string }>('test-echo', async (job) => {
      seen.push(job.data.word);
      return { shouted: job.data.word.toUpperCase() };
    });
    const id = await jobs.send('test-echo', { word: 'hello' });
    expect(id).toBeTruthy();
    const done = await eventually(async () => {
      const job = await jobs.getJob('test-echo', id!);
      return job?.state === 'completed' ? job : undefined;
    });
    expect(seen).toEqual(['hello']);
    expect(done.output).toEqual({ shouted: 'HELLO' });
  });

  it('retries a job whose handler failed (at-least-once) until it succeeds', async () => {
    await jobs.defineQueue('test-flaky', { retryLimit: 3, retryDelay: 0, retryBackoff: false });
    const attempts: number[] = [];
    await jobs.work<{ n: number }>('test-flaky', async (job) => {
      attempts.push(job.retryCount);
      if (job.retryCount < 2) throw new Error('transient failure');
      return 'ok';
    });
    const id = await jobs.send('test-flaky', { n: 1 });
    await eventually(async () =>
      (await jobs.getJob('test-flaky', id!))?.state === 'completed' ? true : undefined,
    );
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('fails a job for good once its retries are spent', async () => {
    await jobs.defineQueue('test-doomed', { retryLimit: 1, retryDelay: 0, retryBackoff: false });
    let calls = 0;
    await jobs.work('test-doomed', async () => {
      calls += 1;
      throw new Error('always broken');
    });
    const id = await jobs.send('test-doomed', {});
    await eventually(async () =>
      (await jobs.getJob('test-doomed', id!))?.state === 'failed' ? true : undefined,
    );
    expect(calls).toBe(2);
  });

  it('the same job id sent twice makes one job', async () => {
    const id = '6f1c1e1e-0d7a-4f53-9a51-2d6b6f0f0a01';
    expect(await jobs.send('test-idempotent', { a: 1 }, { id })).toBe(id);
    expect(await jobs.send('test-idempotent', { a: 2 }, { id })).toBeNull();
    expect((await jobs.getJob<{ a: number }>('test-idempotent', id))?.data).toEqual({ a: 1 });
  });

  it('a job enqueued in a committed transaction runs; in a rolled-back one it never exists', async () => {
    const ran: string[] = [];
    await jobs.work<{ label: string }>('test-outbox', async (job) => {
      ran.push(job.data.label);
    });
    const committed = await t.db.asSystem((tx) => enqueueInTransaction(tx, 'test-outbox', { label: 'kept' }));
    let rolledBack: string | undefined;
    await expect(
      t.db.asSystem(async (tx) => {
        rolledBack = await enqueueInTransaction(tx, 'test-outbox', { label: 'lost' });
        throw new Error('abort the unit of work');
      }),
    ).rejects.toThrow('abort the unit of work');
    await jobs.relayOutbox();
    await eventually(async () =>
      (await jobs.getJob('test-outbox', committed))?.state === 'completed' ? true : undefined,
    );
    expect(ran).toEqual(['kept']);
    expect(await jobs.getJob('test-outbox', rolledBack!)).toBeNull();
    const left = await t.db.asSystem((tx) =>
      sql<{ n: number }>`select count(*)::int as n from private.job_outbox`.execute(tx),
    );
    expect(left.rows[0]!.n).toBe(0);
  });

  it('request roles cannot enqueue directly nor touch the outbox or pg-boss tables', async () => {
    const user = await t.db.asSystem(async (tx) => {
      const row = await tx
        .insertInto('auth.users')
        .values({ email: 'jobs@example.com' })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    });
    // A profile row exists for every auth user (trigger); the session must be live for asUser.
    for (const attempt of [
      sql`select private.enqueue_job('test-outbox', '{}'::jsonb, '{}'::jsonb)`,
      sql`insert into private.job_outbox (name) values ('test-outbox')`,
      sql`select count(*) from pgboss.job`,
    ]) {
      await expect(
        t.db.asSystem(async (tx) => {
          await sql`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: user, role: 'authenticated' })}, true)`.execute(
            tx,
          );
          return attempt.execute(tx);
        }),
      ).rejects.toThrow(/permission denied/);
    }
  });

  it('a job sent in this process wakes its idle workers instead of waiting for the next poll', async () => {
    // A separate platform polling only every 60 s: without the wake-up the job would wait that long.
    const slow = createJobs({
      db: t.db,
      logger: pino({ level: 'silent' }),
      pollingIntervalSeconds: 60,
      relay: false,
    });
    try {
      const ran: string[] = [];
      await slow.work<{ v: string }>('test-wake', async (job) => {
        ran.push(job.data.v);
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // the worker's first (empty) fetch is over
      await slow.send('test-wake', { v: 'now' });
      await eventually(() => (ran.length > 0 ? true : undefined), 20_000);
      expect(ran).toEqual(['now']);
    } finally {
      await slow.stop();
    }
  });
});
