/**
 * Issue 2 item 11: what reading one course landing page costs, through the real HTTP API, beside
 * baselines measured in the same run. `npm run bench`. Not a test: it prints numbers and ratios.
 *
 * Environment:
 *   BENCH_SECONDS         seconds per case (default 10); BENCH_WARMUP_SECONDS (default 2)
 *   BENCH_ENGINES         comma list of pglite,postgres (default both; postgres is skipped if unreachable)
 *   BENCH_DATABASE_URL    PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres);
 *                         the bench (re)creates the database `uw_bench` next to it
 *   BENCH_POOL_SIZE       connection pool of the app and of the direct-SQL loops (default 10)
 *   BENCH_LOG_LEVEL       app log level (default warn)
 *   BENCH_SETUP_SQL       a .sql file applied to the bench database after seeding, as the owner
 *                         (experiments, e.g. bench/experiments/plpgsql-policy-helpers.sql)
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import pg from 'pg';
import { coursePageParamsSchema, coursePageSchema } from '../contracts/courses.ts';
import { buildApp, type App } from '../server/app.ts';
import { parseConfig, resolveJwtSecret, type LogLevel } from '../server/config.ts';
import { connectDatabase, openPGlite, type DatabaseHandle } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { claimsFor, createDb, quoteLiteral, type Db, type SessionUser } from '../server/db/session.ts';
import { compiledCoursePageQuery } from '../server/modules/courses/courses.queries.ts';
import { coursePageFromRow } from '../server/modules/courses/courses.service.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import { AppError } from '../server/platform/errors.ts';
import { seedDemo } from '../server/seed/demo.ts';
import { unsafeNoRlsDb } from './unsafe-no-rls-db.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = 50;
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);
const ENGINES = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',').map((e) => e.trim());
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LOG_LEVEL = (process.env.BENCH_LOG_LEVEL ?? 'warn') as LogLevel;
const SETUP_SQL = process.env.BENCH_SETUP_SQL;
const BENCH_DB = 'uw_bench';
const SLUG = 'typescript-from-zero';
/** A learner enrolled in SLUG with progress and a review: the heaviest signed-in page. */
const VIEWER_EMAIL = 'alan@usefulwriter.example';
const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

interface Measurement {
  engine: string;
  name: string;
  rps: number;
  p50: number | null;
  p99: number | null;
  failures: number;
  note?: string;
}

const results: Measurement[] = [];

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

// ---------------------------------------------------------------- HTTP load (autocannon, own process)

interface AutocannonJson {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function autocannon(
  url: string,
  seconds: number,
  token?: string,
  connections = CONNECTIONS,
): Promise<AutocannonJson> {
  const args = [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-j'];
  if (token) args.push('-H', `authorization=Bearer ${token}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    // A separate process, so the load generator does not share the server's event loop.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      resolve(JSON.parse(out) as AutocannonJson);
    });
  });
}

async function httpCase(
  engine: string,
  name: string,
  url: string,
  token?: string,
  note?: string,
  connections = CONNECTIONS,
) {
  log(`[${engine}] ${name}: warm-up ${WARMUP_SECONDS}s, then ${SECONDS}s at ${connections} connections`);
  if (WARMUP_SECONDS > 0) await autocannon(url, WARMUP_SECONDS, token, connections);
  const r = await autocannon(url, SECONDS, token, connections);
  results.push({
    engine,
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failures: r.errors + r.timeouts + r.non2xx,
    ...(note ? { note } : {}),
  });
}

// ---------------------------------------------------------------- direct SQL (no HTTP)

/** Runs `query` from CONNECTIONS concurrent loops for `seconds`; latencies in ms. */
async function loops(seconds: number, query: () => Promise<unknown>) {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await query();
          latencies.push(performance.now() - t0);
        } catch {
          failures++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? null;
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), failures };
}

async function directCase(engine: string, name: string, query: () => Promise<unknown>, note: string) {
  log(`[${engine}] ${name}: warm-up ${WARMUP_SECONDS}s, then ${SECONDS}s with ${CONNECTIONS} loops`);
  if (WARMUP_SECONDS > 0) await loops(WARMUP_SECONDS, query);
  results.push({ engine, name, ...(await loops(SECONDS, query)), note });
}

// ---------------------------------------------------------------- pgbench

/** Compiled Kysely SQL ($1…$n) as a pgbench script (:p1…:pn) and the matching -D definitions. */
function pgbenchScript(text: string, parameters: readonly unknown[]) {
  const script = text.replace(/\$(\d+)/g, (_, n: string) => `:p${n}`).replace(/\s+/g, ' ');
  const defines = parameters.flatMap((value, i) => ['-D', `p${i + 1}=${String(value)}`]);
  return { script, defines };
}

function pgbenchCase(
  engine: string,
  name: string,
  url: string,
  script: string,
  defines: string[],
  note: string,
) {
  log(`[${engine}] ${name}: pgbench -M prepared -c 8 -T ${SECONDS}`);
  const dir = mkdtempSync(join(tmpdir(), 'uw-pgbench-'));
  try {
    const file = join(dir, 'course-page.sql');
    writeFileSync(file, script);
    const args = [
      '-n',
      '-M',
      'prepared',
      '-c',
      '8',
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-f',
      file,
      ...defines,
    ];
    args.push('--log', `--log-prefix=${join(dir, 'tx')}`, url);
    const run = spawnSync('pgbench', args, { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`pgbench failed: ${run.stderr}`);
    const tps = Number(/tps = ([\d.]+)/.exec(run.stdout)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(run.stdout)?.[1] ?? 0);
    // Per-transaction log lines: client tx_no latency_us script_no epoch epoch_us.
    const latencies = readdirSync(dir)
      .filter((f) => f.startsWith('tx'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((line) => Number(line.split(' ')[2]) / 1000)
      .sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.floor(q * latencies.length)] ?? null;
    results.push({ engine, name, rps: tps, p50: at(0.5), p99: at(0.99), failures: failed, note });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- the app

/**
 * Experiment, bench-only: the same page read through db.readAs — role, claims and query in one
 * message, one implicit transaction — to quantify what the product route would gain from it.
 */
function readAsRoute(db: Db): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/bench/read-as/courses/:slug',
      { schema: { params: coursePageParamsSchema, response: { 200: coursePageSchema } } },
      async (request) => {
        const compiled = compiledCoursePageQuery(
          db.handle.kysely,
          request.params.slug,
          request.user?.id ?? null,
        );
        const [row] = await db.readAs(request.user, { compile: () => compiled });
        if (!row) throw new AppError('not_found');
        return coursePageFromRow(row, request.user !== null);
      },
    );
  };
}

async function startApp(db: Db, extra?: FastifyPluginAsyncZod): Promise<{ app: App; base: string }> {
  const config = resolveJwtSecret(parseConfig({ JWT_SECRET, LOG_LEVEL: LOG_LEVEL, NODE_ENV: 'production' }));
  const app = buildApp({ config, db });
  if (extra) app.register(extra);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: address };
}

async function viewer(db: Db): Promise<SessionUser> {
  const row = await db.asSystem((tx) =>
    tx
      .selectFrom('profiles')
      .where('email', '=', VIEWER_EMAIL)
      .select(['id', 'email'])
      .executeTakeFirstOrThrow(),
  );
  return { id: row.id, email: row.email };
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
  if (SETUP_SQL) {
    log(`[${engine}] applying ${SETUP_SQL}`);
    await handle.simpleQuery(readFileSync(SETUP_SQL, 'utf8'));
  }
  if (url) {
    // Fresh statistics, as autovacuum would have by the time anyone benchmarks production.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('VACUUM ANALYZE');
    await c.end();
  }
  const user = await viewer(db);
  const token = await signAccessToken(JWT_SECRET, user, 24 * 3600);

  const rls = await startApp(db, readAsRoute(db));
  const noRls = await startApp(unsafeNoRlsDb(db));
  const page = `/api/courses/${SLUG}`;
  await checkSamePage(`${rls.base}${page}`, `${noRls.base}${page}`, token);
  await checkSamePage(`${rls.base}${page}`, `${rls.base}/bench/read-as/courses/${SLUG}`, token);

  try {
    await httpCase(engine, 'route anon, RLS', `${rls.base}${page}`);
    await httpCase(engine, 'route signed-in, RLS', `${rls.base}${page}`, token);
    await httpCase(
      engine,
      'route anon, no RLS (baseline)',
      `${noRls.base}${page}`,
      undefined,
      'unsafeNoRlsDb',
    );
    await httpCase(
      engine,
      'route signed-in, no RLS (baseline)',
      `${noRls.base}${page}`,
      token,
      'unsafeNoRlsDb',
    );
    await httpCase(
      engine,
      'route anon, RLS via readAs (experiment)',
      `${rls.base}/bench/read-as/courses/${SLUG}`,
      undefined,
      'one message per request',
    );
    await httpCase(
      engine,
      'route signed-in, RLS via readAs (experiment)',
      `${rls.base}/bench/read-as/courses/${SLUG}`,
      token,
      'one message per request',
    );
    if (engine === 'pglite') {
      // One embedded engine serves one query at a time: at 50 connections latency is queueing
      // (Little's law: 50 / throughput). This shows the latency of a page when not queued.
      await httpCase(
        engine,
        'route signed-in, RLS, 4 connections',
        `${rls.base}${page}`,
        token,
        'latency without queueing',
        4,
      );
    }
  } finally {
    await rls.app.close();
    await noRls.app.close();
  }

  // The very SQL the route sends for the signed-in viewer, without HTTP, as the owner (no RLS).
  const compiled = compiledCoursePageQuery(handle.kysely, SLUG, user.id);
  const values = [...compiled.parameters];
  if (engine === 'pglite') {
    await directCase(
      engine,
      'SQL direct (PGlite query, no HTTP)',
      () => pglite!.query(compiled.sql, values),
      'owner, no RLS',
    );
  } else {
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE });
    await directCase(
      engine,
      `SQL direct (pg.Pool ${POOL_SIZE}, no HTTP)`,
      () => pool.query(compiled.sql, values),
      'owner, no RLS',
    );
    await pool.end();
    const { script, defines } = pgbenchScript(compiled.sql, compiled.parameters);
    pgbenchCase(engine, 'pgbench -M prepared -c 8', url!, `${script};\n`, defines, 'owner, no RLS');
    const prologue =
      `BEGIN;\nSELECT set_config('role', 'authenticated', true), ` +
      `set_config('request.jwt.claims', ${quoteLiteral(JSON.stringify(claimsFor(user)))}, true);\n`;
    pgbenchCase(
      engine,
      'pgbench -M prepared -c 8, RLS',
      url!,
      `${prologue}${script};\nCOMMIT;\n`,
      defines,
      'as the viewer',
    );
  }
  await handle.close();
}

// ---------------------------------------------------------------- report

const fmt = (n: number | null, digits = 1) => (n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));

function find(engine: string, name: string) {
  return results.find((r) => r.engine === engine && r.name === name);
}

function ratio(engine: string, a: string, b: string): string {
  const x = find(engine, a);
  const y = find(engine, b);
  return x && y ? `${(x.rps / y.rps).toFixed(2)}×` : '–';
}

function report() {
  const lines = [
    `Course page benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
      `Node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per case, pool ${POOL_SIZE}, log level ${LOG_LEVEL}` +
      (SETUP_SQL ? `, setup ${SETUP_SQL}` : ''),
    '',
    '| engine | case | req/s | p50 ms | p99 ms | failures | note |',
    '|---|---|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.engine} | ${r.name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.failures} | ${r.note ?? ''} |`,
    ),
    '',
    '| engine | ratio | value | target |',
    '|---|---|---:|---|',
  ];
  for (const engine of new Set(results.map((r) => r.engine))) {
    lines.push(
      `| ${engine} | signed-in RLS route / signed-in no-RLS route | ${ratio(engine, 'route signed-in, RLS', 'route signed-in, no RLS (baseline)')} | ≥ 0.7× |`,
      `| ${engine} | anon RLS route / anon no-RLS route | ${ratio(engine, 'route anon, RLS', 'route anon, no RLS (baseline)')} | |`,
      `| ${engine} | signed-in readAs route / signed-in no-RLS route | ${ratio(engine, 'route signed-in, RLS via readAs (experiment)', 'route signed-in, no RLS (baseline)')} | (experiment) |`,
    );
    if (engine === 'postgres') {
      const bench = 'pgbench -M prepared -c 8';
      lines.push(
        `| ${engine} | anon RLS route / pgbench | ${ratio(engine, 'route anon, RLS', bench)} | ≥ 0.25× |`,
        `| ${engine} | signed-in RLS route / pgbench | ${ratio(engine, 'route signed-in, RLS', bench)} | |`,
        `| ${engine} | signed-in no-RLS route / pgbench | ${ratio(engine, 'route signed-in, no RLS (baseline)', bench)} | |`,
        `| ${engine} | pgbench with RLS / pgbench | ${ratio(engine, 'pgbench -M prepared -c 8, RLS', bench)} | |`,
      );
    } else {
      const p99 = (name: string) => fmt(find(engine, name)?.p99 ?? null);
      lines.push(
        `| ${engine} | p99 anon / signed-in RLS route (ms) | ${p99('route anon, RLS')} / ${p99('route signed-in, RLS')} | ≤ 100 ms |`,
        `| ${engine} | p99 signed-in RLS route at 4 connections (ms) | ${p99('route signed-in, RLS, 4 connections')} | ≤ 100 ms |`,
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
