/**
 * Issue 9: realtime fan-out. 1,000 WebSocket subscribers on one course; one lesson change is
 * announced (0026 trigger → NOTIFY after commit), every instance LISTENs, and the change is checked
 * for every subscriber under row-level security (private.realtime_authorize, REALTIME_BATCH_SIZE
 * subscribers per statement) before it is sent. Beside it, in the same run and to the same number of
 * sockets, the raw path without checks: pg_notify → a LISTEN connection → every socket.
 * Targets: p95 ≤ 250 ms to all 1,000; ≥ 10,000 authorised deliveries/s sustained.
 * `npm run bench:realtime`. Not a test: it prints numbers.
 *
 * Per round and path: one change alone (delivery latency to each subscriber, commit → frame
 * received: p50/p95/p99 over all deliveries) and a burst of BENCH_BURST changes back to back
 * (deliveries/s = subscribers × changes / time until the last frame). Each change of a burst edits
 * its own lesson: a change is re-read when it is checked, so two quick edits of one row both arrive
 * with the later title and could not be told apart.
 *
 * The 2 × 1,000 client sockets live in a child process (this file, forked), so the server's event
 * loop is not also the clients'; its CPU counts as the bench's own in the other-load reading. Each
 * learner signs in with a real session (private.auth_sessions), as the web app does, so the
 * liveness check of every delivery is part of the figure. A third table row times
 * private.realtime_authorize alone (the database's share of the checked path).
 *
 * Environment: BENCH_ROUNDS (5), BENCH_DATABASE_URL, BENCH_LOG_LEVEL as the other benchmarks, plus
 *   BENCH_SUBSCRIBERS      sockets on the course (default 1000)
 *   BENCH_BURST            changes per burst (default 20)
 *   REALTIME_BATCH_SIZE, REALTIME_CONCURRENCY   the app's own settings (defaults: the app's)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { WebSocket, WebSocketServer } from 'ws';
import { connectDatabase } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { createDb } from '../server/db/session.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import { authorizeBatch, parseChangeEvent } from '../server/platform/realtime/authorize.ts';
import * as h from './harness.ts';
import { markLoad, otherCores, type LoadMark } from './other-load.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const BURST = Number(process.env.BENCH_BURST ?? 20);
const BENCH_DB = 'uw_bench_realtime';
const RAW_CHANNEL = 'bench_raw';
/** A delivery not seen by every socket within this long ends the run with a count (a lost frame). */
const ARRIVAL_TIMEOUT_MS = 30_000;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across the two processes. */
const now = () => performance.timeOrigin + performance.now();

type ToClients =
  { type: 'open'; wsBase: string; rawUrl: string; topic: string; tokens: string[] } | { type: 'close' };
type FromClients =
  | { type: 'ready' }
  | { type: 'arrived'; marker: string; times: number[] }
  | { type: 'failed'; message: string };

interface PathResult {
  latencies: number[];
  burstRate: number;
  otherCores: number | null;
}

const withDatabase = (url: string, name: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// ---------------------------------------------------------------- the clients (child process)

/** Counts frames per marker on every socket and reports the arrival times once all have one. */
function countArrivals(sockets: WebSocket[], pattern: RegExp) {
  const seen = new Map<string, number[]>();
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const at = now();
      const marker = pattern.exec(String(data))?.[1];
      if (!marker) return;
      let times = seen.get(marker);
      if (!times) seen.set(marker, (times = []));
      times.push(at);
      if (times.length === sockets.length) {
        seen.delete(marker);
        process.send!({ type: 'arrived', marker, times } satisfies FromClients);
      }
    });
  }
}

async function openChecked(wsBase: string, topic: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`${wsBase}/realtime`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    socket.on('message', function ready(data) {
      if (String(data).includes('"subscribed"')) {
        socket.off('message', ready);
        resolve();
      }
    });
    socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', topic })));
    socket.once('error', reject);
    // A refused or silent socket ends the run with a reason instead of stalling it.
    socket.once('close', (code, reason) =>
      reject(new Error(`a socket closed before subscribing: ${code} ${String(reason)}`)),
    );
    setTimeout(
      () => reject(new Error(`a socket had no "subscribed" within 15 s (state ${socket.readyState})`)),
      15_000,
    ).unref();
  });
  return socket;
}

async function clients() {
  const sockets: WebSocket[] = [];
  process.on('message', (message: ToClients) => {
    if (message.type === 'close') {
      for (const socket of sockets) socket.terminate();
      process.disconnect();
      return;
    }
    (async () => {
      const checked: WebSocket[] = [];
      for (let i = 0; i < message.tokens.length; i += 50) {
        checked.push(
          ...(await Promise.all(
            message.tokens.slice(i, i + 50).map((token) => openChecked(message.wsBase, message.topic, token)),
          )),
        );
      }
      const raw: WebSocket[] = [];
      for (let i = 0; i < message.tokens.length; i++) {
        const socket = new WebSocket(message.rawUrl);
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        raw.push(socket);
      }
      sockets.push(...checked, ...raw);
      countArrivals(checked, /"title":"(bench-\d+)"/);
      countArrivals(raw, /"marker":"(bench-\d+)"/);
      process.send!({ type: 'ready' } satisfies FromClients);
    })().catch((error: unknown) =>
      process.send!({ type: 'failed', message: (error as Error).message } satisfies FromClients),
    );
  });
}

// ---------------------------------------------------------------- the server side (this process)

/** CPU ticks of one process (utime + stime), for counting the clients' CPU as the bench's own. */
function processTicks(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
}

function loadWindow(child: ChildProcess) {
  const start = markLoad(BENCH_DB);
  const childStart = processTicks(child.pid);
  return () => {
    const end: LoadMark | null = markLoad(BENCH_DB);
    const childEnd = processTicks(child.pid);
    const other = otherCores(start, end);
    if (other === null || !start || !end || childStart === null || childEnd === null) return null;
    const perCore = (end.total - start.total) / cpus().length;
    return Math.max(0, other - (childEnd - childStart) / perCore);
  };
}

async function main() {
  const admin = new pg.Client({ connectionString: h.ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${BENCH_DB}`);
  await admin.end();
  const url = withDatabase(h.ADMIN_URL, BENCH_DB);
  const handle = await connectDatabase({ databaseUrl: url, poolSize: h.POOL_SIZE });
  await migrate(handle);
  const db = createDb(handle);

  h.log(`seeding one course with ${SUBSCRIBERS} enrolled learners, each signed in`);
  const { courseId, lessonIds, learners } = await db.asSystem(async (tx) => {
    const { rows: users } = await sql<{ id: string }>`
      insert into auth.users (email)
      select 'bench-' || g || '@example.test' from generate_series(0, ${SUBSCRIBERS}) g returning id`.execute(
      tx,
    );
    const owner = users[0]!.id;
    await sql`update public.profiles set role = 'instructor' where id = ${owner}`.execute(tx);
    const course = await tx
      .insertInto('courses')
      .values({
        slug: 'bench-realtime',
        title: 'Realtime bench',
        description: 'One course, many learners',
        instructorId: owner,
        category: 'programming',
        difficultyLevel: 'beginner',
        accessType: 'paid',
        priceCents: 4900,
        status: 'published',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const section = await tx
      .insertInto('courseSections')
      .values({ courseId: course.id, title: 'Section', sortOrder: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const lessons = await tx
      .insertInto('courseLessons')
      .values(
        Array.from({ length: BURST + 1 }, (_, i) => ({
          courseId: course.id,
          sectionId: section.id,
          title: `Lesson ${i}`,
          sortOrder: i,
          contentType: 'article' as const,
        })),
      )
      .returning('id')
      .execute();
    const learnerIds = users.slice(1).map((u) => u.id);
    await sql`insert into public.enrollments (user_id, course_id, access_type)
              select unnest(${learnerIds}::uuid[]), ${course.id}, 'free_grant'`.execute(tx);
    // A sign-in session per learner, as POST /api/auth/sign-in makes (its argon2 hash is not what is measured).
    const { rows: sessions } = await sql<{ id: string; userId: string }>`
      insert into private.auth_sessions (user_id, expires_at)
      select unnest(${learnerIds}::uuid[]), now() + interval '1 day' returning id, user_id`.execute(tx);
    return {
      courseId: course.id,
      lessonIds: lessons.map((l) => l.id),
      learners: sessions.map((row) => ({ id: row.userId, sessionId: row.id })),
    };
  });

  const { app, base } = await h.startApp(db, {
    DATABASE_URL: url,
    ...(process.env.REALTIME_BATCH_SIZE ? { REALTIME_BATCH_SIZE: process.env.REALTIME_BATCH_SIZE } : {}),
    ...(process.env.REALTIME_CONCURRENCY ? { REALTIME_CONCURRENCY: process.env.REALTIME_CONCURRENCY } : {}),
  });

  // The raw path: pg_notify → a LISTEN connection → the same number of sockets, no checks.
  const rawServer = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => rawServer.once('listening', () => resolve()));
  const rawPort = (rawServer.address() as { port: number }).port;
  const listener = new pg.Client({ connectionString: url });
  await listener.connect();
  listener.on('notification', (message) => {
    for (const client of rawServer.clients) client.send(message.payload ?? '');
  });
  await listener.query(`LISTEN ${RAW_CHANNEL}`);

  // The checked path: the product's /realtime, one socket per learner, each subscribed to the course's lessons.
  h.log(`opening ${SUBSCRIBERS} sockets to /realtime and ${SUBSCRIBERS} raw sockets (in a child process)`);
  const topic = `changes:course_lessons:course_id=${courseId}`;
  const tokens = await Promise.all(
    learners.map((l) =>
      signAccessToken(h.JWT_SECRET, { id: l.id, sessionId: l.sessionId }, 3600, l.sessionId),
    ),
  );
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, BENCH_REALTIME_ROLE: 'clients' },
  });
  const waiting = new Map<string, (times: number[]) => void>();
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromClients) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'failed') reject(new Error(`clients: ${message.message}`));
      else waiting.get(message.marker)?.(message.times);
    });
    child.once('exit', (code) => reject(new Error(`the client process exited (${code})`)));
  });
  child.send({
    type: 'open',
    wsBase: base.replace(/^http/, 'ws'),
    rawUrl: `ws://127.0.0.1:${rawPort}`,
    topic,
    tokens,
  } satisfies ToClients);
  await ready;
  h.log(`${app.realtime.stats().connections} sockets on /realtime`);

  const awaitArrivals = (marker: string, start: number) =>
    new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(marker);
        reject(new Error(`${marker}: not every socket received it within ${ARRIVAL_TIMEOUT_MS / 1000} s`));
      }, ARRIVAL_TIMEOUT_MS);
      waiting.set(marker, (times) => {
        clearTimeout(timer);
        waiting.delete(marker);
        resolve(times.map((t) => t - start));
      });
    });

  let seq = 0;
  // Resolves once the change is committed, with `arrived` (an async function would flatten a bare promise).
  const checkedChange = async (): Promise<{ arrived: Promise<number[]> }> => {
    const lessonId = lessonIds[seq % lessonIds.length]!;
    const marker = `bench-${seq++}`;
    const start = now();
    const arrived = awaitArrivals(marker, start);
    await db.asSystem((tx) =>
      tx.updateTable('courseLessons').set({ title: marker }).where('id', '=', lessonId).execute(),
    );
    return { arrived };
  };
  const rawChange = async (): Promise<{ arrived: Promise<number[]> }> => {
    const lessonId = lessonIds[seq % lessonIds.length]!;
    const marker = `bench-${seq++}`;
    const start = now();
    const arrived = awaitArrivals(marker, start);
    const payload = JSON.stringify({ table: 'course_lessons', op: 'UPDATE', id: lessonId, marker });
    await db.asSystem((tx) => sql`select pg_notify(${RAW_CHANNEL}, ${payload})`.execute(tx));
    return { arrived };
  };

  // The database's share: private.realtime_authorize for every subscriber of one change, alone, in
  // the app's batch size, back to back (no sockets, no JSON to clients).
  const batchSize = app.config.realtime.batchSize;
  const subscribers = learners.map((l) => ({
    key: `${l.id}:${l.sessionId}`,
    userId: l.id,
    sessionId: l.sessionId,
  }));
  const event = parseChangeEvent(
    JSON.stringify({ table: 'course_lessons', op: 'UPDATE', id: lessonIds[0], course_id: courseId }),
  )!;
  const authorizeOnly = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < subscribers.length; i += batchSize) {
      await authorizeBatch(handle, event, subscribers.slice(i, i + batchSize));
    }
    return performance.now() - t0;
  };

  const paths = { 'checked (RLS per subscriber)': checkedChange, 'raw pg_notify → sockets': rawChange };
  const results = new Map<string, PathResult[]>(Object.keys(paths).map((name) => [name, []]));
  const authorizeMs: number[] = [];
  h.log('warming up');
  // Warm-up: plans cached, sockets hot.
  for (const change of Object.values(paths)) for (let i = 0; i < 3; i++) await (await change()).arrived;
  await authorizeOnly();

  for (let round = 1; round <= h.ROUNDS; round++) {
    const order = round % 2 === 1 ? Object.entries(paths) : Object.entries(paths).reverse();
    for (const [name, change] of order) {
      const other = loadWindow(child);
      const latencies = await (await change()).arrived;
      const burstStart = performance.now();
      const arrivals: Promise<number[]>[] = [];
      for (let i = 0; i < BURST; i++) arrivals.push((await change()).arrived);
      await Promise.all(arrivals);
      const burstRate = (SUBSCRIBERS * BURST) / ((performance.now() - burstStart) / 1000);
      const otherLoad = other();
      results.get(name)!.push({ latencies, burstRate, otherCores: otherLoad });
      const sorted = [...latencies].sort((a, b) => a - b);
      h.log(
        `round ${round}/${h.ROUNDS} ${name}: p50 ${h.fmt(percentile(sorted, 50))} ms, ` +
          `p95 ${h.fmt(percentile(sorted, 95))} ms, p99 ${h.fmt(percentile(sorted, 99))} ms, ` +
          `burst ${burstRate.toFixed(0)} deliveries/s, other load ${h.fmt(otherLoad, 2)} cores`,
      );
    }
    authorizeMs.push(await authorizeOnly());
  }

  const lines = [
    `\nRealtime fan-out: ${SUBSCRIBERS} subscribers on one course, PostgreSQL, ${h.ROUNDS} rounds, bursts of ${BURST}, batches of ${batchSize}`,
    '| path | p50 ms | p95 ms | p99 ms | deliveries/s (burst, median) | deliveries/s range | other load, cores |',
    '|---|---|---|---|---|---|---|',
  ];
  const rates = new Map<string, number | null>();
  for (const [name, rounds] of results) {
    const all = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const perRound = rounds.map((r) => r.burstRate);
    const rate = h.median(perRound);
    rates.set(name, rate);
    const other = rounds.map((r) => r.otherCores);
    const others = other.every((o) => o === null)
      ? '–'
      : `${h.fmt(h.median(other), 2)} (≤ ${h.fmt(Math.max(...other.map((o) => o ?? 0)), 2)})`;
    lines.push(
      `| ${name} | ${h.fmt(percentile(all, 50))} | ${h.fmt(percentile(all, 95))} | ${h.fmt(percentile(all, 99))} ` +
        `| ${h.fmt(rate, 0)} | ${h.fmt(Math.min(...perRound), 0)}–${h.fmt(Math.max(...perRound), 0)} | ${others} |`,
    );
  }
  const authorizeMedian = h.median(authorizeMs);
  lines.push(
    `| realtime_authorize alone (database, ${SUBSCRIBERS} checks in batches of ${batchSize}) | ${h.fmt(authorizeMedian)} per change | | ` +
      `| ${authorizeMedian ? h.fmt((SUBSCRIBERS / authorizeMedian) * 1000, 0) : '–'} checks/s | | |`,
  );
  const [checkedRate, rawRate] = [...rates.values()];
  lines.push(
    `checked / raw deliveries/s: ${checkedRate && rawRate ? (checkedRate / rawRate).toFixed(2) : '–'}× ` +
      `(targets: checked p95 ≤ 250 ms, ≥ 10000 deliveries/s)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);

  child.send({ type: 'close' } satisfies ToClients);
  await new Promise((resolve) => child.once('exit', resolve));
  rawServer.close();
  await listener.end();
  await app.close();
  await handle.close();
  const dropper = new pg.Client({ connectionString: h.ADMIN_URL });
  await dropper.connect();
  await dropper.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  await dropper.end();
}

if (process.env.BENCH_REALTIME_ROLE === 'clients') await clients();
else await main();
