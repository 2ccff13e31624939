import type { AddressInfo } from 'node:net';
import cliProgress from 'cli-progress';
import closeWithGrace from 'close-with-grace';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { buildApp, type App } from './app.ts';
import type { Config } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import { migrate, type Migration } from './db/migrate.ts';
import { createDb, type Db } from './db/session.ts';
import { startJudgeWorker, type JudgeWorker } from './modules/challenges/judge-worker.ts';
import { startQuizCodeGrading } from './modules/quizzes/code-grading.ts';
import { createJobs, type Jobs } from './platform/jobs/jobs.ts';

export const ROLES = ['all', 'api', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** Where human-facing lines go (progress, the demo accounts, the URL); logs go to the logger. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface DemoAccount {
  email: string;
  password: string;
  role: string;
}

/** Connects to DATABASE_URL, or to embedded PGlite under `${DATA_DIR}/pglite`. */
export async function openDatabase(config: Config): Promise<Db> {
  const handle = await connectDatabase(
    config.databaseUrl
      ? { databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize }
      : { dataDir: config.pgliteDir, worker: config.pgliteWorker },
  );
  return createDb(handle);
}

/**
 * Reports a run of steps: a progress bar on a terminal, one plain line per step otherwise (logs,
 * CI, containers), so output stays readable where it is kept.
 */
export function progressReporter(out: Output, label: string) {
  let bar: cliProgress.SingleBar | undefined;
  return {
    step(name: string, done: number, total: number) {
      if (!out.isTTY) {
        out.write(`${label}: ${name} (${done + 1}/${total})\n`);
        return;
      }
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: `${label} [{bar}] {value}/{total} {name}`,
            stream: out as NodeJS.WritableStream,
            hideCursor: true,
            clearOnComplete: false,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done, { name });
      } else {
        bar.update(done, { name });
      }
    },
    finish() {
      if (!bar) return;
      bar.update(bar.getTotal(), { name: 'done' });
      bar.stop();
    },
  };
}

/** Applies pending migrations, reporting each; returns those applied. */
export async function migrateWithProgress(db: Db, out: Output): Promise<Migration[]> {
  const started = Date.now();
  const progress = progressReporter(out, 'migrate');
  let applied: Migration[];
  try {
    applied = await migrate(db.handle, {
      onProgress: ({ migration, index, total }) => progress.step(migration.name, index, total),
    });
  } finally {
    progress.finish();
  }
  out.write(
    applied.length === 0
      ? 'Database schema is up to date.\n'
      : `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} in ${Date.now() - started} ms.\n`,
  );
  return applied;
}

/** Whether anyone has an account yet. A system path: it must see every row. */
export async function hasAnyProfile(db: Db): Promise<boolean> {
  const { rows } = await db.asSystem((tx) =>
    sql<{ present: boolean }>`select exists (select 1 from public.profiles) as present`.execute(tx),
  );
  return rows[0]?.present === true;
}

/** Loads the demo data (a system path), reporting progress; returns the sign-in accounts. */
export async function seedDemoWithProgress(db: Db, out: Output): Promise<DemoAccount[]> {
  // Loaded on demand: seeding code and its data stay out of processes that never seed.
  const { seedDemo } = await import('./seed/demo.ts');
  const progress = progressReporter(out, 'seed');
  try {
    const { accounts } = await seedDemo(db, {
      onProgress: (step: string, done: number, total: number) => progress.step(step, done - 1, total),
    });
    return accounts;
  } finally {
    progress.finish();
  }
}

/** The demo accounts in a box, so they stand out in the start-up output. */
export function formatAccountsBox(accounts: DemoAccount[]): string {
  const title = 'Demo accounts: sign in with any of these';
  const rows = accounts.map((a) => [a.role, a.email, a.password]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = [title, '', ...rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('   '))];
  const width = Math.max(...lines.map((l) => l.length));
  return [
    `┌${'─'.repeat(width + 2)}┐`,
    ...lines.map((l) => `│ ${l.padEnd(width)} │`),
    `└${'─'.repeat(width + 2)}┘`,
    '',
  ].join('\n');
}

export interface StartOptions {
  config: Config;
  role: Role;
  logger: Logger;
  out: Output;
}

export interface RunningServer {
  /** Absent for `--role worker`. */
  app?: App;
  /** Where the API answers (absent for `--role worker`). */
  url?: string;
  /** Stops accepting, finishes in-flight requests, stops the worker, closes the database. */
  close(): Promise<void>;
}

/**
 * Boots a process: database, migrations, first-start demo data, then the API and/or the worker.
 * Signals are not handled here (see `runUntilSignalled`), so tests can start and close it.
 */
export async function startServer({ config, role, logger, out }: StartOptions): Promise<RunningServer> {
  const engine = config.databaseUrl ? 'postgres' : 'pglite';
  logger.info({ role, engine, dataDir: config.dataDir }, 'starting');
  const db = await openDatabase(config);
  let app: App | undefined;
  const runsWorker = role === 'all' || role === 'worker';
  // One jobs platform per process: the API sends and polls, the worker also relays the outbox and runs handlers.
  const jobs: Jobs = createJobs({ db, logger, relay: runsWorker });
  let judgeWorker: JudgeWorker | undefined;
  const close = async () => {
    try {
      await app?.close();
      await jobs.stop({ timeoutMs: config.shutdownTimeoutMs });
      await judgeWorker?.stop();
    } finally {
      await db.handle.close();
    }
  };

  try {
    const applied = await migrateWithProgress(db, out);
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');

    const servesApi = role === 'all' || role === 'api';
    if (servesApi && config.seedDemo && !(await hasAnyProfile(db))) {
      out.write('First start: loading the demo data (set SEED_DEMO=false to skip).\n');
      const accounts = await seedDemoWithProgress(db, out);
      logger.info({ accounts: accounts.length }, 'demo data loaded');
      if (accounts.length > 0) out.write(formatAccountsBox(accounts));
    }

    if (runsWorker) {
      await jobs.start();
      // pg-boss's polling timers keep a worker-only process alive.
      await startQuizCodeGrading({ db, jobs, logger });
      judgeWorker = await startJudgeWorker({ db, jobs, logger, config: config.judge });
      logger.info('worker: started');
    }

    if (!servesApi) return { close };

    app = buildApp({ config, db, logger, jobs });
    await app.listen({ host: config.host, port: config.port });
    const { port } = app.server.address() as AddressInfo;
    // With PORT=0 the configured public URL cannot know the port the system picked.
    const url = config.port === 0 ? `http://localhost:${port}` : config.publicUrl;
    logger.info({ url, host: config.host, port }, 'listening');
    out.write(`\nUsefulWriter LMS is running at ${url}\nAPI documentation: ${url}/api/docs\n\n`);
    return { app, url, close };
  } catch (error) {
    await close().catch((closeError: unknown) =>
      logger.error({ err: closeError }, 'cleanup after failed start failed'),
    );
    throw error;
  }
}

/**
 * Closes the server on SIGINT/SIGTERM (or an uncaught error): in-flight requests finish, then the
 * database closes and the process exits 0. A second signal, or SHUTDOWN_TIMEOUT_MS passing, forces
 * exit 1.
 */
export function closeOnSignal(server: RunningServer, config: Config, logger: Logger) {
  return closeWithGrace(
    {
      delay: config.shutdownTimeoutMs,
      logger: { error: (message: unknown) => logger.error(message) },
      onSecondSignal: (signal) => logger.error({ signal }, 'second signal: exiting now'),
      onTimeout: (delay) => logger.error({ delay }, `shutdown took longer than ${delay} ms: exiting now`),
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'uncaught error: shutting down');
      else logger.info({ signal }, 'shutting down: finishing in-flight requests');
      await server.close();
      logger.info('shutdown complete');
    },
  );
}
