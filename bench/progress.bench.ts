/**
 * Issue 5: progress reports per second from 1,000 simulated learners through the real HTTP route
 * (`PUT /api/lessons/:lessonId/progress`, every trigger on), beside a plain single-row upsert run by
 * pgbench in the same run. Target: ≥ 0.7× the pgbench figure with p99 ≤ 50 ms.
 * `npm run bench:progress`. Not a test: it prints numbers.
 *
 * The route is measured twice, on two apps over the same database: with every report written
 * before it is answered (PROGRESS_HEARTBEAT_FLUSH_MS=0) and with position-only heartbeats coalesced
 * (the default window). Rounds, the other-load reading and the ratio arithmetic are
 * bench/harness.ts's; the load generator is bench/progress-load.ts (autocannon in its own process).
 *
 * Environment: BENCH_ROUNDS (5), BENCH_SECONDS (4), BENCH_WARMUP_SECONDS (2),
 * BENCH_DATABASE_URL, BENCH_POOL_SIZE, BENCH_LOG_LEVEL as the other benchmarks, plus
 *   BENCH_LEARNERS         simulated learners (default 1000)
 *   BENCH_ENGINES          default `postgres`; `pglite` too runs the HTTP cases on PGlite (no pgbench)
 *   BENCH_FLUSH_MS         the coalescing window of the coalesced case (default: the app's default)
 *   BENCH_ACCESS_MEMO_MS   how long the coalesced case remembers access (default: the app's default);
 *                          the case "…, access memo off" runs the same with 0, in the same rounds
 *   BENCH_ONLY, BENCH_CPU_PROFILE   see bench/harness.ts (a subset of the cases; a CPU profile)
 *   BENCH_BASELINE_CHECKOUT  another checkout of the product (e.g. /work/main): its app, on a database
 *                          migrated with its migrations and the same seed, runs the coalesced case
 *                          (access memo off) in the same rounds — a same-run A/B of two versions
 *
 * Every route case also reports the CPU it cost per request: this process (the apps) plus the
 * PostgreSQL backends of its database, over the round and — for coalesced cases — the flush of the
 * round's last heartbeats (the case waits one window after its load). A busy machine slows a round
 * down but hardly changes that figure, so it is the one to compare across versions.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { parseConfig } from '../server/config.ts';
import { connectDatabase, openPGlite, type DatabaseHandle } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { createDb, type Db } from '../server/db/session.ts';
import {
  createCourse,
  createLesson,
  createSection,
  publishCourse,
} from '../server/modules/authoring/authoring.service.ts';
import { callerFor } from '../server/modules/courses/courses.service.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import { createAccount } from '../server/seed/accounts.ts';
import { hashDemoPassword } from '../server/seed/demo-password.ts';
import * as h from './harness.ts';
import { markLoad } from './other-load.ts';
import type { Case, Sample } from './harness.ts';
import type { LoadInput, LoadLesson, LoadResult, LoadState } from './progress-load.ts';

const ENGINES = (process.env.BENCH_ENGINES ?? 'postgres').split(',').map((e) => e.trim());
const LEARNERS = Number(process.env.BENCH_LEARNERS ?? 1000);
const BENCH_DB = 'uw_bench_progress';
const LOAD_SCRIPT = fileURLToPath(new URL('./progress-load.ts', import.meta.url));
/** 20 lessons, videos (200 s) and articles alternating. */
const LESSONS = 20;
const VIDEO_SECONDS = 200;
/** Rows of the pgbench baseline table: one per learner and lesson, as lesson_progress has. */
const UPSERT_KEYS = LEARNERS * LESSONS;

const BASELINE = process.env.BENCH_BASELINE_CHECKOUT;
const BASELINE_DB = 'uw_bench_progress_baseline';

const DEFAULT_FLUSH_MS = parseConfig({}).progressHeartbeatFlushMs;
const FLUSH_MS = process.env.BENCH_FLUSH_MS ?? String(DEFAULT_FLUSH_MS);
// The memo is off by default in the product; the bench measures it at 2 s against off.
const MEMO_MS = process.env.BENCH_ACCESS_MEMO_MS ?? '2000';

const ROUTE_IMMEDIATE = 'route, every report written before answering';
const ROUTE_COALESCED = `route, heartbeats coalesced (${FLUSH_MS} ms), access memo ${MEMO_MS} ms`;
const ROUTE_NO_MEMO = `route, heartbeats coalesced (${FLUSH_MS} ms), access memo off`;
const PGBENCH = 'pgbench single-row upsert -M prepared -c 8';
const HTTP_CEILING = 'HTTP ceiling: GET /healthz';

const ROUTE_BASELINE = `${ROUTE_NO_MEMO} — baseline ${BASELINE ?? ''}`;

const statusTotals = new Map<string, Record<string, number>>();
/** Per case: CPU ms per request of every run (the first run is the warm-up), in all and in the database. */
const cpuPerRequest = new Map<string, number[]>();
const dbCpuPerRequest = new Map<string, number[]>();

/** CPU time so far of this process and of the database's backends, in ms. */
function cpuMark(database: string | undefined) {
  const usage = process.cpuUsage();
  const backends = markLoad(database)?.backends ?? new Map<number, number>();
  return { self: (usage.user + usage.system) / 1000, backends };
}

/** CPU ms since `start`: this process (the apps) and the database's backends. */
function cpuSince(start: ReturnType<typeof cpuMark>, database: string | undefined) {
  const end = cpuMark(database);
  let ticks = 0;
  for (const [pid, t] of end.backends) ticks += t - (start.backends.get(pid) ?? 0);
  return { app: end.self - start.self, db: ticks * 10 }; // USER_HZ = 100
}
const completionTotals = new Map<string, number>();

/** An instructor, one published free course of LESSONS lessons, LEARNERS enrolled learners with live sessions. */
async function seed(db: Db, handle: DatabaseHandle) {
  const instructor = await createAccount(db, {
    email: 'bench-progress-instructor@example.test',
    password: 'bench-password-instructor',
    fullName: 'Bench Instructor',
    role: 'instructor',
  });
  const caller = callerFor(db, instructor);
  const course = await createCourse(caller, {
    slug: 'bench-progress-course',
    title: 'Progress at Scale',
    description: 'A course for the progress benchmark.',
    category: 'programming',
    difficultyLevel: 'beginner',
    accessType: 'free',
    priceCents: 0,
  } as Parameters<typeof createCourse>[1]);
  const lessons: LoadLesson[] = [];
  for (let s = 0; s < 4; s++) {
    const section = await createSection(caller, course.id, { title: `Part ${s + 1}` });
    for (let i = 0; i < LESSONS / 4; i++) {
      const video = lessons.length % 2 === 0;
      const lesson = await createLesson(
        caller,
        course.id,
        section.id,
        video
          ? {
              title: `Video ${lessons.length + 1}`,
              contentType: 'video',
              videoUrl: `https://video.example.test/${lessons.length}.mp4`,
              videoDurationSeconds: VIDEO_SECONDS,
            }
          : {
              title: `Article ${lessons.length + 1}`,
              contentType: 'article',
              articleContent: `# Article ${lessons.length + 1}\n\nSome text.`,
            },
      );
      lessons.push({ id: lesson.id, videoSeconds: video ? VIDEO_SECONDS : null });
    }
  }
  await publishCourse(caller, course.id);

  // The learners in bulk, as the system: confirmed accounts (profiles by trigger), a live sign-in
  // session each (the route's live-session check is real), and a free enrolment dated a day back.
  const passwordHash = await hashDemoPassword('bench-password-learner');
  // The time-zone check of a new profile scans pg_timezone_names (~70 ms a profile: over a minute
  // for 1,000). Every bench learner gets the default zone, so the owner skips it while seeding.
  await handle.simpleQuery('ALTER TABLE public.profiles DISABLE TRIGGER profiles_check_timezone');
  const learners = await db.asSystem(async (tx) => {
    const { rows } = await sql<{ userId: string; sessionId: string }>`
      with users as (
        insert into auth.users (email, encrypted_password, email_confirmed_at, raw_user_meta_data)
        select 'bench-learner-' || g || '@example.test', ${passwordHash}, now(),
               jsonb_build_object('full_name', 'Learner ' || g, 'display_name', 'Learner ' || g)
          from generate_series(1, ${LEARNERS}::int) g
        returning id),
      sessions as (
        insert into private.auth_sessions (user_id, ip, user_agent, expires_at)
        select id, '127.0.0.1', 'progress.bench', now() + interval '1 day' from users
        returning id, user_id)
      select user_id, id as session_id from sessions order by user_id`.execute(tx);
    await sql`
      insert into public.enrollments (user_id, course_id, access_type, enrolled_at)
      select u, ${course.id}::uuid, 'free_grant', now() - interval '1 day'
        from unnest(${rows.map((r) => r.userId)}::uuid[]) u`.execute(tx);
    return rows;
  });
  await handle.simpleQuery('ALTER TABLE public.profiles ENABLE TRIGGER profiles_check_timezone');
  const tokens = await Promise.all(
    learners.map((l) =>
      signAccessToken(h.JWT_SECRET, { id: l.userId }, 24 * 3600, l.sessionId).then((token) => ({
        token,
        userId: l.userId,
      })),
    ),
  );
  return { courseId: course.id, lessons, learners: tokens };
}

/** One report through the route answers 200 or 202 with the lesson's state. */
async function checkRoute(base: string, token: string, lessonId: string) {
  const res = await fetch(`${base}/api/lessons/${lessonId}/progress`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ clientTime: new Date().toISOString(), positionSeconds: 5, watchedSeconds: 5 }),
  });
  const body = (await res.json()) as { lesson?: { lessonId?: string } };
  if ((res.status !== 200 && res.status !== 202) || body.lesson?.lessonId !== lessonId)
    throw new Error(`PUT progress answered ${res.status}: ${JSON.stringify(body)}`);
  return res.status;
}

function runLoad(base: string, seconds: number, files: { input: string; state: string }) {
  const args = ['--import', 'tsx', LOAD_SCRIPT, base, String(seconds), String(h.CONNECTIONS)];
  args.push(files.input, files.state);
  return new Promise<LoadResult>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`progress-load exited ${code}: ${err}`));
      resolve(JSON.parse(out) as LoadResult);
    });
  });
}

function loadCase(
  engine: string,
  name: string,
  base: string,
  files: { input: string; state: string },
  options: { database?: string; flushMs?: number; attributable?: boolean } = {},
): Case {
  const key = `${engine} ${name}`;
  return {
    engine,
    name,
    note: `${LEARNERS} learners, ${h.CONNECTIONS} connections`,
    attributable: options.attributable ?? true,
    run: async (seconds): Promise<Sample> => {
      const cpu = cpuMark(options.database);
      const r = await runLoad(base, seconds, files);
      // The round's last heartbeats are written one window later: inside this case's CPU figure.
      if (options.flushMs) await new Promise((resolve) => setTimeout(resolve, options.flushMs! + 300));
      const requests = Object.values(r.statusCodes).reduce((a, b) => a + b, 0);
      if (requests > 0) {
        const used = cpuSince(cpu, options.database);
        cpuPerRequest.set(key, [...(cpuPerRequest.get(key) ?? []), (used.app + used.db) / requests]);
        dbCpuPerRequest.set(key, [...(dbCpuPerRequest.get(key) ?? []), used.db / requests]);
      }
      const totals = statusTotals.get(key) ?? {};
      for (const [code, n] of Object.entries(r.statusCodes)) totals[code] = (totals[code] ?? 0) + n;
      statusTotals.set(key, totals);
      completionTotals.set(key, (completionTotals.get(key) ?? 0) + r.completions);
      return { rps: r.rps, p50: r.p50, p95: r.p95, p99: r.p99, failures: r.failures };
    },
  };
}

/**
 * After the apps closed (the coalesced one writes what waits on close): for every learner whose
 * last video report was answered 2xx, the database must hold that position — or the one of a report
 * sent after it whose answer the end of a round cut off (the server still wrote it). A lost flush
 * would show here.
 */
async function checkPositions(db: Db, learners: { userId: string }[], state: LoadState) {
  const rows = await db.asSystem(async (tx) => {
    const { rows } = await sql<{ userId: string; lessonId: string; videoPositionSeconds: number }>`
      select user_id, lesson_id, video_position_seconds from lesson_progress`.execute(tx);
    return rows;
  });
  const stored = new Map(rows.map((r) => [`${r.userId}:${r.lessonId}`, r.videoPositionSeconds]));
  let same = 0;
  let of = 0;
  state.places.forEach((place, i) => {
    if (!place.answered) return;
    of++;
    const userId = learners[i]!.userId;
    const holds = (mark: { lessonId: string; position: number } | undefined) =>
      mark !== undefined && stored.get(`${userId}:${mark.lessonId}`) === mark.position;
    if (holds(place.answered) || holds(place.sent)) same++;
  });
  return { same, of };
}

const positionChecks: string[] = [];

/**
 * BENCH_BASELINE_CHECKOUT: a database migrated by that checkout (its migrations), seeded as the
 * bench's own, and that checkout's app over it with the coalesced case's settings (memo off).
 */
async function startBaseline(engine: string, inputFile: string) {
  const root = BASELINE!.replace(/\/$/, '');
  type Mod<T> = Promise<T>;
  const [connect, migration, session, app, config] = await Promise.all([
    import(`${root}/server/db/connect.ts`) as Mod<typeof import('../server/db/connect.ts')>,
    import(`${root}/server/db/migrate.ts`) as Mod<typeof import('../server/db/migrate.ts')>,
    import(`${root}/server/db/session.ts`) as Mod<typeof import('../server/db/session.ts')>,
    import(`${root}/server/app.ts`) as Mod<typeof import('../server/app.ts')>,
    import(`${root}/server/config.ts`) as Mod<typeof import('../server/config.ts')>,
  ]);
  const admin = new pg.Client({ connectionString: h.ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${BASELINE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${BASELINE_DB}`);
  await admin.end();
  const parsed = new URL(h.ADMIN_URL);
  parsed.pathname = `/${BASELINE_DB}`;
  const url = parsed.toString();
  // Migrated by the baseline's code and files; seeded by this checkout's seed (same data shape).
  const baseHandle = await connect.connectDatabase({ databaseUrl: url, poolSize: h.POOL_SIZE });
  await migration.migrate(baseHandle);
  const seedHandle = await connectDatabase({ databaseUrl: url, poolSize: 2 });
  const seeded = await seed(createDb(seedHandle), seedHandle);
  await seedHandle.simpleQuery('VACUUM ANALYZE');
  await seedHandle.close();
  const dir = mkdtempSync(join(tmpdir(), 'uw-progress-baseline-'));
  const files = { input: join(dir, 'learners.json'), state: join(dir, 'state.json') };
  const input = JSON.parse(readFileSync(inputFile, 'utf8')) as LoadInput;
  writeFileSync(
    files.input,
    JSON.stringify({
      ...input,
      learners: seeded.learners.map((l) => ({ token: l.token })),
      lessons: seeded.lessons,
    }),
  );
  const cfg = config.resolveJwtSecret(
    config.parseConfig({
      JWT_SECRET: h.JWT_SECRET,
      LOG_LEVEL: h.LOG_LEVEL,
      NODE_ENV: 'production',
      PROGRESS_HEARTBEAT_FLUSH_MS: FLUSH_MS,
      PROGRESS_ACCESS_MEMO_MS: '0',
    }),
  );
  const server = app.buildApp({ config: cfg, db: session.createDb(baseHandle) });
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  h.log(`[${engine}] baseline ${root} on ${BASELINE_DB} at ${base}`);
  return {
    base,
    files,
    close: async () => {
      await server.close();
      await baseHandle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function benchEngine(engine: 'pglite' | 'postgres') {
  let handle: DatabaseHandle;
  let url: string | undefined;
  if (engine === 'pglite') {
    handle = await connectDatabase({ pglite: await openPGlite() });
  } else {
    const admin = new pg.Client({ connectionString: h.ADMIN_URL });
    try {
      await admin.connect();
    } catch (error) {
      h.log(`[postgres] skipped: cannot connect to ${h.ADMIN_URL} (${(error as Error).message})`);
      return;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${BENCH_DB}`);
    await admin.end();
    const parsed = new URL(h.ADMIN_URL);
    parsed.pathname = `/${BENCH_DB}`;
    url = parsed.toString();
    handle = await connectDatabase({ databaseUrl: url, poolSize: h.POOL_SIZE });
  }
  h.log(`[${engine}] migrating and seeding ${LEARNERS} learners`);
  await migrate(handle);
  const db = createDb(handle);
  const started = performance.now();
  const seeded = await seed(db, handle);
  h.log(`[${engine}] seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (url) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    // The baseline's table: one row per (learner, lesson), all present (heartbeats update rows).
    await c.query(`CREATE TABLE bench_upsert (id integer PRIMARY KEY, position_seconds integer NOT NULL,
                     updated_at timestamptz NOT NULL)`);
    await c.query(`INSERT INTO bench_upsert SELECT g, 0, now() FROM generate_series(1, ${UPSERT_KEYS}) g`);
    await c.query('VACUUM ANALYZE');
    await c.end();
  }
  const dir = mkdtempSync(join(tmpdir(), 'uw-progress-bench-'));
  const files = { input: join(dir, 'learners.json'), state: join(dir, 'state.json') };
  const input: LoadInput = {
    learners: seeded.learners.map((l) => ({ token: l.token })),
    lessons: seeded.lessons,
  };
  writeFileSync(files.input, JSON.stringify(input));

  const baseline = url && BASELINE ? await startBaseline(engine, files.input) : undefined;

  const immediate = await h.startApp(db, { PROGRESS_HEARTBEAT_FLUSH_MS: '0' });
  const coalesced = await h.startApp(db, {
    PROGRESS_HEARTBEAT_FLUSH_MS: FLUSH_MS,
    PROGRESS_ACCESS_MEMO_MS: MEMO_MS,
  });
  const noMemo = await h.startApp(db, {
    PROGRESS_HEARTBEAT_FLUSH_MS: FLUSH_MS,
    PROGRESS_ACCESS_MEMO_MS: '0',
  });
  // Two learners not in the load: a heartbeat answers 200 written, 202 coalesced.
  const probe = seeded.learners.slice(-2);
  const immediateStatus = await checkRoute(immediate.base, probe[0]!.token, seeded.lessons[0]!.id);
  const coalescedStatus = await checkRoute(coalesced.base, probe[1]!.token, seeded.lessons[0]!.id);
  h.log(`[${engine}] a heartbeat answers ${immediateStatus} written, ${coalescedStatus} coalesced`);

  const database = url ? BENCH_DB : undefined;
  const flushMs = Number(FLUSH_MS);
  const cases: Case[] = [
    loadCase(engine, ROUTE_IMMEDIATE, immediate.base, files, { database }),
    loadCase(engine, ROUTE_COALESCED, coalesced.base, files, { database, flushMs }),
    loadCase(engine, ROUTE_NO_MEMO, noMemo.base, files, { database, flushMs }),
    // Its backends are not the bench database's: the harness cannot attribute them (no other-load reading).
    ...(baseline
      ? [
          loadCase(engine, ROUTE_BASELINE, baseline.base, baseline.files, {
            database: BASELINE_DB,
            flushMs,
            attributable: false,
          }),
        ]
      : []),
    // What any route can reach on this machine: no database, no body, same server and load tool.
    h.httpCase(engine, HTTP_CEILING, `${coalesced.base}/healthz`, undefined, 'no database work'),
  ];
  if (url) {
    const script =
      `\\set id random(1, ${UPSERT_KEYS})\n` +
      `INSERT INTO bench_upsert AS b (id, position_seconds, updated_at) VALUES (:id, :id % 600, now()) ` +
      `ON CONFLICT (id) DO UPDATE SET position_seconds = excluded.position_seconds, updated_at = excluded.updated_at;\n`;
    cases.push(h.pgbenchCase(engine, PGBENCH, url, script, [], 'owner, no triggers, no RLS'));
  }
  try {
    await h.runRounds(cases, url ? BENCH_DB : undefined);
  } finally {
    await immediate.app.close();
    await coalesced.app.close();
    await noMemo.app.close();
    await baseline?.close();
    try {
      const state = JSON.parse(readFileSync(files.state, 'utf8')) as LoadState;
      const check = await checkPositions(db, seeded.learners, state);
      positionChecks.push(
        `${engine}: after closing the apps, ${check.same} of ${check.of} learners whose last video report was ` +
          'answered hold its position in the database (or that of a report sent after it)',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await handle.close();
    }
  }
}

function report() {
  const lines = [
    `Progress benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
      `Node ${process.version}, ${LEARNERS} learners, ${h.CONNECTIONS} connections, ${h.ROUNDS} rounds × ${h.SECONDS} s ` +
      `per case (median round), pool ${h.POOL_SIZE}, log level ${h.LOG_LEVEL}`,
    '',
    '| engine | case | req/s | req/s range | p50 ms | p95 ms | p99 ms | failures | other load, cores | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...h.results.map((r) => {
      const rps = r.rounds.map((s) => s.rps);
      const other = r.rounds.map((s) => s.otherCores);
      const others = other.every((o) => o === null)
        ? '–'
        : `${h.fmt(h.median(other), 2)} (≤ ${h.fmt(Math.max(...other.map((o) => o ?? 0)), 2)})`;
      return (
        `| ${r.engine} | ${r.name} | ${h.fmt(h.median(rps), 0)} | ${h.fmt(Math.min(...rps), 0)}–${h.fmt(Math.max(...rps), 0)} ` +
        `| ${h.fmt(h.median(r.rounds.map((s) => s.p50)))} | ${h.fmt(h.median(r.rounds.map((s) => s.p95 ?? null)))} ` +
        `| ${h.fmt(h.median(r.rounds.map((s) => s.p99)))} | ${r.rounds.reduce((n, s) => n + s.failures, 0)} ` +
        `| ${others} | ${r.note ?? ''} |`
      );
    }),
    '',
    '| engine | measure (median round, range) | value | target | met? |',
    '|---|---|---:|---|---|',
  ];
  const p99 = (engine: string, name: string) =>
    h.median(h.find(engine, name)?.rounds.map((s) => s.p99) ?? []);
  const ratioValue = (engine: string, name: string) => {
    const x = h.find(engine, name);
    const y = h.find(engine, PGBENCH);
    if (!x || !y) return null;
    return h.median(x.rounds.map((r, i) => (y.rounds[i] ? r.rps / y.rounds[i].rps : null)));
  };
  const met = (ok: boolean | null) => (ok === null ? '–' : ok ? 'met' : '**not met**');
  for (const engine of new Set(h.results.map((r) => r.engine))) {
    for (const name of [ROUTE_IMMEDIATE, ROUTE_COALESCED, ROUTE_NO_MEMO]) {
      if (engine === 'postgres') {
        const value = ratioValue(engine, name);
        lines.push(
          `| ${engine} | ${name} / pgbench upsert | ${h.ratio(engine, name, PGBENCH)} | ≥ 0.7× | ${met(value === null ? null : value >= 0.7)} |`,
        );
      }
      const p = p99(engine, name);
      lines.push(
        `| ${engine} | ${name}: p99 | ${h.fmt(p)} ms | ≤ 50 ms | ${met(p === null ? null : p <= 50)} |`,
      );
    }
    lines.push(
      `| ${engine} | coalesced / written before answering | ${h.ratio(engine, ROUTE_COALESCED, ROUTE_IMMEDIATE)} | | |`,
      `| ${engine} | access memo on / off (both coalesced) | ${h.ratio(engine, ROUTE_COALESCED, ROUTE_NO_MEMO)} | | |`,
    );
    // The memo only spares reads when a learner reports again within it: say how often they did.
    const rps = h.median(h.find(engine, ROUTE_COALESCED)?.rounds.map((s) => s.rps) ?? []);
    if (rps)
      lines.push(
        `| ${engine} | each learner reported every (coalesced case; the web player: 10 s) | ${h.fmt(LEARNERS / rps, 1)} s | | |`,
      );
    if (engine === 'postgres')
      lines.push(
        `| ${engine} | ${HTTP_CEILING} (no database) / pgbench upsert | ${h.ratio(engine, HTTP_CEILING, PGBENCH)} | | |`,
      );
  }
  lines.push(
    '',
    'CPU per request (this process — the apps — plus the database backends; median of the rounds, warm-up excluded):',
  );
  for (const [key, runs] of cpuPerRequest) {
    const rounds = runs.slice(1);
    const db = dbCpuPerRequest.get(key)?.slice(1) ?? [];
    lines.push(
      `- ${key}: ${h.fmt(h.median(rounds), 2)} ms (${h.fmt(Math.min(...rounds), 2)}–${h.fmt(Math.max(...rounds), 2)}), ` +
        `of which the database ${h.fmt(h.median(db), 2)} ms`,
    );
  }
  if (BASELINE)
    for (const engine of new Set(h.results.map((r) => r.engine))) {
      const ours = cpuPerRequest.get(`${engine} ${ROUTE_NO_MEMO}`)?.slice(1) ?? [];
      const theirs = cpuPerRequest.get(`${engine} ${ROUTE_BASELINE}`)?.slice(1) ?? [];
      const ratios = ours.map((c, i) => (theirs[i] ? c / theirs[i] : null));
      const dbOurs = dbCpuPerRequest.get(`${engine} ${ROUTE_NO_MEMO}`)?.slice(1) ?? [];
      const dbTheirs = dbCpuPerRequest.get(`${engine} ${ROUTE_BASELINE}`)?.slice(1) ?? [];
      const dbRatios = dbOurs.map((c, i) => (dbTheirs[i] ? c / dbTheirs[i] : null));
      lines.push(
        `- ${engine}: this checkout / baseline, same rounds: req/s ${h.ratio(engine, ROUTE_NO_MEMO, ROUTE_BASELINE)}, ` +
          `CPU per request ${h.fmt(h.median(ratios), 2)}×, database CPU per request ${h.fmt(h.median(dbRatios), 2)}×`,
      );
    }
  lines.push('', 'Answers by status (all rounds, warm-up included) and lessons completed by the load:');
  for (const [key, totals] of statusTotals)
    lines.push(
      `- ${key}: ${JSON.stringify(totals)}, ${completionTotals.get(key) ?? 0} completing reports answered 2xx`,
    );
  lines.push(...positionChecks.map((c) => `- ${c}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

for (const engine of ENGINES) {
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}`);
  await benchEngine(engine);
}
report();
