/**
 * Issue 2 item 11: what reading one course landing page costs, through the real HTTP API, beside
 * baselines measured in the same run. `npm run bench`. Not a test: it prints numbers and ratios.
 *
 * Every case runs BENCH_ROUNDS times, the cases interleaved (round 2 in reverse order, round 3
 * forward again, …), and the report gives each case's median round. On a shared machine a burst of
 * someone else's work then lands on one round of one case rather than on a whole case, and each
 * ratio is taken per round between cases measured seconds apart. The CPU the rest of the machine
 * used during each round is measured (bench/other-load.ts) and reported next to the numbers.
 *
 * Environment:
 *   BENCH_ROUNDS          rounds per case (default 5)
 *   BENCH_SECONDS         seconds per case and round (default 4); BENCH_WARMUP_SECONDS (default 2),
 *                         once per case before its first round
 *   BENCH_ENGINES         comma list of pglite,postgres (default both; postgres is skipped if unreachable)
 *   BENCH_DATABASE_URL    PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres);
 *                         the bench (re)creates the database `uw_bench` next to it
 *   BENCH_POOL_SIZE       connection pool of the app and of the direct-SQL loops (default 10)
 *   BENCH_LOG_LEVEL       app log level (default warn)
 */
import { cpus } from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { connectDatabase, openPGlite, type DatabaseHandle } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { claimsFor, createDb, prologue, type Db, type SessionUser } from '../server/db/session.ts';
import { insertSession } from '../server/modules/accounts/accounts.queries.ts';
import { compiledCoursePageQuery } from '../server/modules/courses/courses.queries.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import { seedDemo } from '../server/seed/demo.ts';
import {
  ADMIN_URL,
  CONNECTIONS,
  directCase,
  ENGINES,
  find,
  fmt,
  httpCase,
  JWT_SECRET,
  log,
  LOG_LEVEL,
  median,
  pgbenchCase,
  pgbenchScript,
  POOL_SIZE,
  ratio,
  results,
  ROUNDS,
  runRounds,
  SECONDS,
  startApp,
  type Case,
} from './harness.ts';
import { unsafeNoRlsDb } from './unsafe-no-rls-db.ts';

/** PGlite only: the RLS route once more at these concurrencies, for latency with less queueing. */
const LOW_CONNECTIONS = [4, 16];
const BENCH_DB = 'uw_bench';
const SLUG = 'typescript-from-zero';
/** A learner enrolled in SLUG with progress and a review: the heaviest signed-in page. */
const VIEWER_EMAIL = 'alan@usefulwriter.example';

/** The signed-in viewer with a live sign-in session, as a real access token carries one (0013 checks it). */
async function viewer(db: Db): Promise<SessionUser> {
  return db.asSystem(async (tx) => {
    const row = await tx
      .selectFrom('profiles')
      .where('email', '=', VIEWER_EMAIL)
      .select(['id', 'email'])
      .executeTakeFirstOrThrow();
    const session = await insertSession(tx, {
      userId: row.id,
      ip: '127.0.0.1',
      userAgent: 'course-page.bench',
      expiresAt: new Date(Date.now() + 24 * 3600 * 1000),
    });
    return { id: row.id, email: row.email, sessionId: session.id };
  });
}

/** The same route answers the same page with and without RLS (else the baseline measures something else). */
async function checkSamePage(a: string, b: string, token: string) {
  const get = async (url: string, auth?: string) => {
    const res = await fetch(url, auth ? { headers: { authorization: `Bearer ${auth}` } } : {});
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<{ viewer: { enrollment: unknown } }>;
  };
  for (const auth of [undefined, token]) {
    const [x, y] = [await get(a, auth), await get(b, auth)];
    if (JSON.stringify(x) !== JSON.stringify(y)) throw new Error(`pages differ between ${a} and ${b}`);
    if (auth && !x.viewer.enrollment) throw new Error('the signed-in viewer should have an enrolment');
  }
}

async function benchEngine(engine: 'pglite' | 'postgres') {
  let handle: DatabaseHandle;
  let pglite: PGlite | undefined;
  let url: string | undefined;
  if (engine === 'pglite') {
    pglite = await openPGlite();
    handle = await connectDatabase({ pglite });
  } else {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    try {
      await admin.connect();
    } catch (error) {
      log(`[postgres] skipped: cannot connect to ${ADMIN_URL} (${(error as Error).message})`);
      return;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
    await admin.end();
    const parsed = new URL(ADMIN_URL);
    parsed.pathname = `/${BENCH_DB}`;
    url = parsed.toString();
    handle = await connectDatabase({ databaseUrl: url, poolSize: POOL_SIZE });
  }
  log(`[${engine}] migrating and seeding`);
  await migrate(handle);
  const db = createDb(handle);
  await seedDemo(db);
  if (url) {
    // Fresh statistics, as autovacuum would have by the time anyone benchmarks production.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('VACUUM ANALYZE');
    await c.end();
  }
  const user = await viewer(db);
  const token = await signAccessToken(JWT_SECRET, user, 24 * 3600, user.sessionId);

  const rls = await startApp(db);
  const noRls = await startApp(unsafeNoRlsDb(db));
  const page = `/api/courses/${SLUG}`;
  await checkSamePage(`${rls.base}${page}`, `${noRls.base}${page}`, token);

  // PGlite only: the same database (a dump of the one above, viewer session included) in a worker
  // thread, as production runs it (PGLITE_WORKER), beside the in-thread engine the cases above use.
  const workerHandle = pglite
    ? await connectDatabase({ worker: true, loadDataDir: await pglite.dumpDataDir('none') })
    : undefined;
  const inWorker = workerHandle ? await startApp(createDb(workerHandle)) : undefined;
  if (inWorker) await checkSamePage(`${rls.base}${page}`, `${inWorker.base}${page}`, token);

  // The very SQL the route sends for the signed-in viewer, without HTTP, as the owner (no RLS).
  const compiled = compiledCoursePageQuery(handle.kysely, SLUG, user.id);
  const values = [...compiled.parameters];
  // Idle connections are kept between rounds: reconnecting would be measured, not the query.
  const pool = url ? new pg.Pool({ connectionString: url, max: POOL_SIZE, idleTimeoutMillis: 0 }) : undefined;

  const cases: Case[] = [
    httpCase(engine, 'route anon, RLS', `${rls.base}${page}`),
    httpCase(engine, 'route anon, no RLS (baseline)', `${noRls.base}${page}`, undefined, 'unsafeNoRlsDb'),
    httpCase(engine, 'route signed-in, RLS', `${rls.base}${page}`, token),
    httpCase(engine, 'route signed-in, no RLS (baseline)', `${noRls.base}${page}`, token, 'unsafeNoRlsDb'),
  ];
  if (inWorker) {
    const note = 'PGlite in a worker thread';
    cases.push(
      httpCase(engine, 'route anon, RLS, worker', `${inWorker.base}${page}`, undefined, note),
      httpCase(engine, 'route signed-in, RLS, worker', `${inWorker.base}${page}`, token, note),
      httpCase(engine, 'route signed-in, RLS, worker, 16 c.', `${inWorker.base}${page}`, token, note, 16),
    );
  }
  if (engine === 'pglite') {
    // One embedded engine serves one query at a time: at 50 connections latency is queueing
    // (Little's law: mean latency = connections / throughput). Lower concurrencies show the
    // latency of a page when less (or not) queued.
    for (const connections of LOW_CONNECTIONS) {
      const note = 'lower concurrency';
      cases.push(
        httpCase(
          engine,
          `route anon, RLS, ${connections} c.`,
          `${rls.base}${page}`,
          undefined,
          note,
          connections,
        ),
        httpCase(
          engine,
          `route signed-in, RLS, ${connections} c.`,
          `${rls.base}${page}`,
          token,
          note,
          connections,
        ),
      );
    }
    cases.push(
      directCase(
        engine,
        'SQL direct (PGlite query, no HTTP)',
        () => pglite!.query(compiled.sql, values),
        'owner, no RLS',
      ),
    );
  } else {
    cases.push(
      directCase(
        engine,
        `SQL direct (pg.Pool ${POOL_SIZE}, no HTTP)`,
        () => pool!.query(compiled.sql, values),
        'owner, no RLS',
      ),
    );
    const { script, defines } = pgbenchScript(compiled.sql, compiled.parameters);
    cases.push(
      pgbenchCase(engine, 'pgbench -M prepared -c 8', url!, `${script};\n`, defines, 'owner, no RLS'),
    );
    // The product's own RLS prologue (role, claims, live-session check), then the page, then COMMIT.
    cases.push(
      pgbenchCase(
        engine,
        'pgbench -M prepared -c 8, RLS',
        url!,
        `${prologue('authenticated', claimsFor(user))};\n${script};\nCOMMIT;\n`,
        defines,
        'as the viewer',
      ),
    );
  }

  try {
    await runRounds(cases, url ? BENCH_DB : undefined);
  } finally {
    await rls.app.close();
    await noRls.app.close();
    await inWorker?.app.close();
    await workerHandle?.close();
    await pool?.end();
    await handle.close();
  }
}

function report() {
  const lines = [
    `Course page benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
      `Node ${process.version}, ${CONNECTIONS} connections unless noted, ${ROUNDS} rounds × ${SECONDS} s per case ` +
      `(median round), pool ${POOL_SIZE}, log level ${LOG_LEVEL}`,
    '',
    '| engine | case | req/s | req/s range | p50 ms | p99 ms | failures | other load, cores | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...results.map((r) => {
      const rps = r.rounds.map((s) => s.rps);
      const other = r.rounds.map((s) => s.otherCores);
      const others = other.every((o) => o === null)
        ? '–'
        : `${fmt(median(other), 2)} (≤ ${fmt(Math.max(...other.map((o) => o ?? 0)), 2)})`;
      return (
        `| ${r.engine} | ${r.name} | ${fmt(median(rps), 0)} | ${fmt(Math.min(...rps), 0)}–${fmt(Math.max(...rps), 0)} ` +
        `| ${fmt(median(r.rounds.map((s) => s.p50)))} | ${fmt(median(r.rounds.map((s) => s.p99)))} ` +
        `| ${r.rounds.reduce((n, s) => n + s.failures, 0)} | ${others} | ${r.note ?? ''} |`
      );
    }),
    '',
    '| engine | ratio (median round, range) | value | target |',
    '|---|---|---:|---|',
  ];
  for (const engine of new Set(results.map((r) => r.engine))) {
    lines.push(
      `| ${engine} | signed-in RLS route / signed-in no-RLS route | ${ratio(engine, 'route signed-in, RLS', 'route signed-in, no RLS (baseline)')} | ≥ 0.7× |`,
      `| ${engine} | anon RLS route / anon no-RLS route | ${ratio(engine, 'route anon, RLS', 'route anon, no RLS (baseline)')} | |`,
    );
    if (engine === 'postgres') {
      const bench = 'pgbench -M prepared -c 8';
      lines.push(
        `| ${engine} | anon RLS route / pgbench | ${ratio(engine, 'route anon, RLS', bench)} | ≥ 0.25× |`,
        `| ${engine} | signed-in RLS route / pgbench | ${ratio(engine, 'route signed-in, RLS', bench)} | |`,
        `| ${engine} | anon no-RLS route / pgbench | ${ratio(engine, 'route anon, no RLS (baseline)', bench)} | |`,
        `| ${engine} | SQL direct / pgbench | ${ratio(engine, `SQL direct (pg.Pool ${POOL_SIZE}, no HTTP)`, bench)} | |`,
        `| ${engine} | pgbench with RLS / pgbench | ${ratio(engine, 'pgbench -M prepared -c 8, RLS', bench)} | |`,
      );
    } else {
      const p99 = (name: string) => fmt(median(find(engine, name)?.rounds.map((s) => s.p99) ?? []));
      lines.push(
        `| ${engine} | p99 anon / signed-in RLS route at ${CONNECTIONS} connections (ms) | ${p99('route anon, RLS')} / ${p99('route signed-in, RLS')} | ≤ 100 ms |`,
        `| ${engine} | … PGlite in a worker thread (ms) | ${p99('route anon, RLS, worker')} / ${p99('route signed-in, RLS, worker')} | ≤ 100 ms |`,
        `| ${engine} | signed-in RLS route, worker / in this thread | ${ratio(engine, 'route signed-in, RLS, worker', 'route signed-in, RLS')} | |`,
        ...LOW_CONNECTIONS.map(
          (c) =>
            `| ${engine} | p99 anon / signed-in RLS route at ${c} connections (ms) | ` +
            `${p99(`route anon, RLS, ${c} c.`)} / ${p99(`route signed-in, RLS, ${c} c.`)} | ≤ 100 ms |`,
        ),
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

for (const engine of ENGINES) {
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}`);
  await benchEngine(engine);
}
report();
