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
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { buildApp, type App } from '../server/app.ts';
import { parseConfig, resolveJwtSecret, type LogLevel } from '../server/config.ts';
import { connectDatabase, openPGlite, type DatabaseHandle } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { claimsFor, createDb, prologue, type Db, type SessionUser } from '../server/db/session.ts';
import { insertSession } from '../server/modules/accounts/accounts.queries.ts';
import { compiledCoursePageQuery } from '../server/modules/courses/courses.queries.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import { seedDemo } from '../server/seed/demo.ts';
import { markLoad, otherCores } from './other-load.ts';
import { unsafeNoRlsDb } from './unsafe-no-rls-db.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = 50;
/** PGlite only: the RLS route once more at these concurrencies, for latency with less queueing. */
const LOW_CONNECTIONS = [4, 16];
const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);
const ENGINES = (process.env.BENCH_ENGINES ?? 'pglite,postgres').split(',').map((e) => e.trim());
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LOG_LEVEL = (process.env.BENCH_LOG_LEVEL ?? 'warn') as LogLevel;
const BENCH_DB = 'uw_bench';
const SLUG = 'typescript-from-zero';
/** A learner enrolled in SLUG with progress and a review: the heaviest signed-in page. */
const VIEWER_EMAIL = 'alan@usefulwriter.example';
const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters-long';
const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

/** One round of one case. */
interface Sample {
  rps: number;
  p50: number | null;
  p99: number | null;
  failures: number;
}

interface Case {
  engine: string;
  name: string;
  note?: string;
  /** Whether the bench can tell its own CPU from the rest of the machine's during this case. */
  attributable: boolean;
  run(seconds: number): Promise<Sample>;
}

interface Result {
  engine: string;
  name: string;
  note?: string;
  rounds: (Sample & { otherCores: number | null })[];
}

const results: Result[] = [];

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

function autocannon(url: string, seconds: number, token: string | undefined, connections: number) {
  const args = [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-j'];
  if (token) args.push('-H', `authorization=Bearer ${token}`);
  args.push(url);
  return new Promise<AutocannonJson>((resolve, reject) => {
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

function httpCase(
  engine: string,
  name: string,
  url: string,
  token?: string,
  note?: string,
  connections = CONNECTIONS,
): Case {
  return {
    engine,
    name,
    ...(note ? { note } : {}),
    attributable: true,
    run: async (seconds) => {
      const r = await autocannon(url, seconds, token, connections);
      return {
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        failures: r.errors + r.timeouts + r.non2xx,
      };
    },
  };
}

// ---------------------------------------------------------------- direct SQL (no HTTP)

/** Runs `query` from CONNECTIONS concurrent loops for `seconds`; latencies in ms. */
async function loops(seconds: number, query: () => Promise<unknown>): Promise<Sample> {
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

function directCase(engine: string, name: string, query: () => Promise<unknown>, note: string): Case {
  return { engine, name, note, attributable: true, run: (seconds) => loops(seconds, query) };
}

// ---------------------------------------------------------------- pgbench

/** Compiled Kysely SQL ($1…$n) as a pgbench script (:p1…:pn) and the matching -D definitions. */
function pgbenchScript(text: string, parameters: readonly unknown[]) {
  const script = text.replace(/\$(\d+)/g, (_, n: string) => `:p${n}`).replace(/\s+/g, ' ');
  const defines = parameters.flatMap((value, i) => ['-D', `p${i + 1}=${String(value)}`]);
  return { script, defines };
}

function pgbench(url: string, script: string, defines: string[], seconds: number): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'uw-pgbench-'));
  try {
    const file = join(dir, 'course-page.sql');
    writeFileSync(file, script);
    const args = ['-n', '-M', 'prepared', '-c', '8', '-j', '2', '-T', String(seconds), '-f', file];
    args.push(...defines, '--log', `--log-prefix=${join(dir, 'tx')}`, url);
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
    return { rps: tps, p50: at(0.5), p99: at(0.99), failures: failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pgbenchCase(
  engine: string,
  name: string,
  url: string,
  script: string,
  defines: string[],
  note: string,
): Case {
  // pgbench's own backends come and go within the run: their CPU cannot be told from others'.
  return {
    engine,
    name,
    note,
    attributable: false,
    run: async (seconds) => pgbench(url, script, defines, seconds),
  };
}

// ---------------------------------------------------------------- rounds

async function runRounds(cases: Case[], database?: string) {
  const byCase = cases.map((c) => {
    const result: Result = {
      engine: c.engine,
      name: c.name,
      ...(c.note ? { note: c.note } : {}),
      rounds: [],
    };
    results.push(result);
    return { c, result, warm: false };
  });
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? byCase : [...byCase].reverse();
    for (const entry of order) {
      const { c, result } = entry;
      if (!entry.warm && WARMUP_SECONDS > 0) {
        log(`[${c.engine}] ${c.name}: warm-up ${WARMUP_SECONDS}s`);
        await c.run(WARMUP_SECONDS);
      }
      entry.warm = true;
      const start = markLoad(database);
      const sample = await c.run(SECONDS);
      const other = c.attributable ? otherCores(start, markLoad(database)) : null;
      result.rounds.push({ ...sample, otherCores: other });
      log(
        `[${c.engine}] round ${round}/${ROUNDS} ${c.name}: ${sample.rps.toFixed(0)} req/s, ` +
          `p50 ${fmt(sample.p50)} ms, p99 ${fmt(sample.p99)} ms, other load ${fmt(other, 2)} cores`,
      );
    }
  }
}

// ---------------------------------------------------------------- the app

async function startApp(db: Db): Promise<{ app: App; base: string }> {
  const config = resolveJwtSecret(parseConfig({ JWT_SECRET, LOG_LEVEL: LOG_LEVEL, NODE_ENV: 'production' }));
  const app = buildApp({ config, db });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, base: address };
}

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
    await pool?.end();
    await handle.close();
  }
}

// ---------------------------------------------------------------- report

function fmt(n: number | null | undefined, digits = 1) {
  return n === null || n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
}

function median(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function find(engine: string, name: string) {
  return results.find((r) => r.engine === engine && r.name === name);
}

/** Throughput ratio a / b: the median of the per-round ratios, and their range. */
function ratio(engine: string, a: string, b: string): string {
  const x = find(engine, a);
  const y = find(engine, b);
  if (!x || !y) return '–';
  const per = x.rounds.map((r, i) => (y.rounds[i] ? r.rps / y.rounds[i].rps : null));
  const finite = per.filter((v): v is number => v !== null);
  const m = median(per);
  if (m === null) return '–';
  return `${m.toFixed(2)}× (${Math.min(...finite).toFixed(2)}–${Math.max(...finite).toFixed(2)})`;
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
