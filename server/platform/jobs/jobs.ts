import type { FastifyBaseLogger } from 'fastify';
import { CompiledQuery, sql } from 'kysely';
import PgBoss from 'pg-boss';
import type { DatabaseHandle } from '../../db/connect.ts';
import type { Db, Tx } from '../../db/session.ts';

/**
 * Background jobs on pg-boss 10, in the same database as everything else (PGlite or PostgreSQL).
 * Jobs are at-least-once: a handler that throws is retried (queue retry options), so every side
 * effect must be idempotent. See README.md beside this file.
 */
export interface Jobs {
  /**
   * Installs/migrates pg-boss's schema and starts maintenance and the outbox relay. Every other
   * method starts the platform on first use, so an app that never uses jobs never touches pg-boss.
   */
  start(): Promise<void>;
  /** Stops polling, waits for running handlers (up to `timeoutMs`), leaves the database open. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Sends a job now (not transactional: use `enqueueInTransaction` when a row depends on it). */
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /**
   * Runs `handler` for each job of `name`, `concurrency` at a time. A throw fails the attempt
   * (retried per the queue's options); the return value becomes the job's output.
   */
  work<T extends object, R = unknown>(
    name: string,
    handler: (job: JobInfo<T>) => Promise<R>,
    options?: { concurrency?: number },
  ): Promise<void>;
  /** A job's state and output (for callers polling a result, e.g. a code run). */
  getJob<T extends object>(name: string, id: string): Promise<JobState<T> | null>;
  /** Moves committed outbox rows into pg-boss now (the relay also polls); returns how many. */
  relayOutbox(): Promise<number>;
  /** Declares a queue with its retry options (idempotent); `send`/`work` declare unknown queues with defaults. */
  defineQueue(name: string, options?: QueueOptions): Promise<void>;
}

export interface QueueOptions {
  /** Attempts after the first; default 3. */
  retryLimit?: number;
  /** Seconds before a retry; default 2. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A handler running longer than this fails the attempt (pg-boss expiry); default 15 minutes. */
  expireInSeconds?: number;
}

export interface SendOptions extends QueueOptions {
  /** A uuid: sending the same id twice creates one job (pg-boss inserts ON CONFLICT DO NOTHING). */
  id?: string;
  startAfterSeconds?: number;
  singletonKey?: string;
}

export interface JobInfo<T> {
  id: string;
  name: string;
  data: T;
  /** 0 on the first attempt. */
  retryCount: number;
}

export interface JobState<T> {
  id: string;
  name: string;
  data: T;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  output: unknown;
}

export interface JobsOptions {
  db: Db;
  logger: FastifyBaseLogger;
  /**
   * How often idle workers and the outbox relay look for work (seconds, ≥ 0.5). Default 2. A job
   * sent or relayed by this process wakes its own idle workers at once, so the interval matters
   * only for work arriving from other processes.
   */
  pollingIntervalSeconds?: number;
  /** Whether this process relays the outbox (worker processes do). Default true. */
  relay?: boolean;
}

const SCHEMA = 'pgboss';
/** Tries of pg-boss DDL that collided with another process's (see retryingDdl). */
const DDL_ATTEMPTS = 6;
const DEFAULT_QUEUE: Required<QueueOptions> = {
  retryLimit: 3,
  retryDelay: 2,
  retryBackoff: true,
  expireInSeconds: 15 * 60,
};
const RELAY_BATCH = 100;

/**
 * pg-boss's `db` adapter over our connection (one pool or the one PGlite instance, behind the same
 * lock as every unit of work). Parameterless text may hold several statements (pg-boss's migrations
 * send `BEGIN; …; COMMIT;`): it goes as one simple-protocol message and the rows of every result are
 * concatenated, which is what pg-boss reads. Kysely's CamelCasePlugin is bypassed: pg-boss reads
 * snake_case columns.
 */
export function pgBossAdapter(handle: DatabaseHandle): PgBoss.Db {
  // Resolved on first use: an app that never runs a job never touches its database for it.
  let raw: ReturnType<DatabaseHandle['kysely']['withoutPlugins']> | undefined;
  return {
    async executeSql(text: string, values?: unknown[]) {
      raw ??= handle.kysely.withoutPlugins();
      if (!values || values.length === 0) {
        const results = await handle.simpleQuery(text);
        return { rows: results.flat() };
      }
      const result = await raw.executeQuery(CompiledQuery.raw(text, values));
      return { rows: result.rows as unknown[] };
    },
  };
}

/**
 * Enqueues a job inside the caller's transaction, through the outbox (migration 0024): the job
 * exists if and only if the transaction commits. `tx` must be a system transaction (`db.asSystem`);
 * request-role paths enqueue through their own SECURITY DEFINER functions or triggers.
 */
export async function enqueueInTransaction(
  tx: Tx,
  name: string,
  data: object,
  options: SendOptions = {},
): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    select private.enqueue_job(${name}, ${JSON.stringify(data)}::jsonb, ${JSON.stringify(options)}::jsonb) as id`.execute(
    tx,
  );
  return rows[0]!.id;
}

interface OutboxRow {
  id: string;
  name: string;
  data: object;
  options: SendOptions;
}

/** Creates the jobs platform over `db`. Nothing touches the database before `start()`. */
export function createJobs({ db, logger, pollingIntervalSeconds = 2, relay = true }: JobsOptions): Jobs {
  const boss = new PgBoss({
    db: pgBossAdapter(db.handle),
    schema: SCHEMA,
    // Maintenance and cron bookkeeping are cheap; keep the defaults but poll at our pace.
    pollingIntervalSeconds,
    archiveCompletedAfterSeconds: 60 * 60,
  });
  boss.on('error', (error: unknown) => logger.error({ err: error }, 'jobs: pg-boss error'));

  const declared = new Map<string, Promise<void>>();
  /** This process's pg-boss worker ids per queue, to wake them when a job arrives here. */
  const localWorkers = new Map<string, string[]>();
  const wake = (name: string) => {
    for (const id of localWorkers.get(name) ?? []) boss.notifyWorker(id);
  };
  let started = false;
  let starting: Promise<void> | undefined;
  let stopped = false;
  let relayTimer: NodeJS.Timeout | undefined;
  let relaying: Promise<number> | undefined;

  /**
   * pg-boss's DDL (its schema at start, a partition per queue) collides when two processes run it at
   * once on one PostgreSQL server — instances starting together hit a deadlock (40P01) or a
   * duplicate key in the catalog (23505). The loser's transaction rolls back whole, so trying again
   * a moment later finds the winner's work done (pg-boss then skips or updates it).
   */
  async function retryingDdl<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= DDL_ATTEMPTS || (code !== '40P01' && code !== '23505')) throw error;
        logger.warn({ err: error, attempt }, 'jobs: pg-boss DDL collided with another process; retrying');
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 200));
      }
    }
  }

  async function start(): Promise<void> {
    if (stopped) throw new Error('jobs: the platform was stopped');
    starting ??= (async () => {
      await retryingDdl(() => boss.start());
      started = true;
      if (relay) {
        const tick = () => {
          relayOutbox()
            .catch((error: unknown) => logger.error({ err: error }, 'jobs: outbox relay failed'))
            .finally(() => {
              if (started) relayTimer = setTimeout(tick, pollingIntervalSeconds * 1000);
            });
        };
        relayTimer = setTimeout(tick, 0);
      }
    })();
    starting.catch(() => (starting = undefined));
    return starting;
  }

  // pg-boss creates a partition per queue (DDL): two queues created at once deadlock on PostgreSQL
  // (e.g. the outbox relay sending a queue's first job while a worker defines its queues).
  let queueDdl: Promise<unknown> = Promise.resolve();

  function defineQueue(name: string, options: QueueOptions = {}): Promise<void> {
    let pending = declared.get(name);
    if (!pending) {
      const previous = queueDdl;
      pending = (async () => {
        await previous.catch(() => undefined);
        await start();
        const merged = { ...DEFAULT_QUEUE, ...options };
        const queue = {
          name,
          retryLimit: merged.retryLimit,
          retryDelay: merged.retryDelay,
          retryBackoff: merged.retryBackoff,
          expireInSeconds: merged.expireInSeconds,
        };
        await retryingDdl(async () => {
          if (await boss.getQueue(name)) await boss.updateQueue(name, queue);
          else await boss.createQueue(name, queue);
        });
      })();
      queueDdl = pending;
      declared.set(name, pending);
      pending.catch(() => declared.delete(name));
    }
    return pending;
  }

  async function send<T extends object>(name: string, data: T, options: SendOptions = {}) {
    await defineQueue(name);
    const { startAfterSeconds, ...rest } = options;
    const id = await boss.send(name, data, {
      ...rest,
      ...(startAfterSeconds !== undefined ? { startAfter: startAfterSeconds } : {}),
    });
    if (id && startAfterSeconds === undefined) wake(name);
    return id;
  }

  async function relayOnce(): Promise<number> {
    await start();
    const rows = await db.asSystem(async (tx) => {
      const { rows } = await sql<OutboxRow>`
        select id, name, data, options from private.job_outbox order by created_at limit ${RELAY_BATCH}`.execute(
        tx,
      );
      return rows;
    });
    if (rows.length === 0) return 0;
    for (const row of rows) {
      // The outbox id is the job id: a relay repeated after a crash (or by a second worker) is a no-op.
      await send(row.name, row.data, { ...row.options, id: row.id });
    }
    await db.asSystem((tx) =>
      sql`delete from private.job_outbox where id = any(${rows.map((r) => r.id)}::uuid[])`.execute(tx),
    );
    return rows.length;
  }

  function relayOutbox(): Promise<number> {
    // One relay at a time per process; a call during a relay waits for it and then runs again.
    const next = (relaying ?? Promise.resolve(0)).catch(() => 0).then(relayOnce);
    relaying = next;
    void next.finally(() => {
      if (relaying === next) relaying = undefined;
    });
    return next;
  }

  return {
    defineQueue,
    send,
    relayOutbox,
    start,
    async stop({ timeoutMs = 10_000 } = {}) {
      stopped = true;
      await starting?.catch(() => undefined);
      if (!started) return;
      started = false;
      if (relayTimer) clearTimeout(relayTimer);
      await relaying?.catch(() => 0);
      // close: false — the database belongs to the app, which closes it after us.
      await boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
    },
    async work<T extends object, R>(
      name: string,
      handler: (job: JobInfo<T>) => Promise<R>,
      { concurrency = 1 } = {},
    ) {
      await defineQueue(name);
      for (let slot = 0; slot < concurrency; slot++) {
        const workerId = await boss.work<T>(
          name,
          { batchSize: 1, includeMetadata: true, pollingIntervalSeconds },
          async ([job]) => {
            if (!job) return undefined;
            try {
              return await handler({
                id: job.id,
                name: job.name,
                data: job.data,
                retryCount: job.retryCount,
              });
            } catch (error) {
              logger.warn(
                { err: error, job: job.id, queue: name, retryCount: job.retryCount },
                'jobs: attempt failed',
              );
              throw error;
            }
          },
        );
        localWorkers.set(name, [...(localWorkers.get(name) ?? []), workerId]);
      }
    },
    async getJob<T extends object>(name: string, id: string): Promise<JobState<T> | null> {
      await defineQueue(name);
      const job = await boss.getJobById<T>(name, id, { includeArchive: true });
      if (!job) return null;
      const withOutput = job as PgBoss.JobWithMetadata<T> & { output?: unknown };
      return {
        id: job.id,
        name: job.name,
        data: job.data,
        state: job.state,
        output: withOutput.output ?? null,
      };
    },
  };
}
