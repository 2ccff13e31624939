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
 * (deliveries/s = subscribers × changes / time until the last frame). The clients live in this
 * process, so their parsing is part of the figures for both paths alike.
 *
 * Environment: BENCH_ROUNDS (5), BENCH_DATABASE_URL, BENCH_LOG_LEVEL as the other benchmarks, plus
 *   BENCH_SUBSCRIBERS      sockets on the course (default 1000)
 *   BENCH_BURST            changes per burst (default 20)
 *   REALTIME_BATCH_SIZE, REALTIME_CONCURRENCY   the app's own settings (defaults: the app's)
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { WebSocket, WebSocketServer } from 'ws';
import { connectDatabase } from '../server/db/connect.ts';
import { migrate } from '../server/db/migrate.ts';
import { createDb } from '../server/db/session.ts';
import { signAccessToken } from '../server/platform/auth.ts';
import * as h from './harness.ts';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const BURST = Number(process.env.BENCH_BURST ?? 20);
const BENCH_DB = 'uw_bench_realtime';
const RAW_CHANNEL = 'bench_raw';

interface PathResult {
  latencies: number[];
  burstRate: number;
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

/** Sockets that count frames per marker and resolve when every socket has one. */
function collector(sockets: WebSocket[], markerOf: (frame: string) => string | undefined) {
  const waiting = new Map<string, { left: number; start: number; times: number[]; done: () => void }>();
  for (const socket of sockets) {
    socket.on('message', (data) => {
      const marker = markerOf(String(data));
      const entry = marker ? waiting.get(marker) : undefined;
      if (!entry) return;
      entry.times.push(performance.now() - entry.start);
      if (--entry.left === 0) entry.done();
    });
  }
  return (marker: string, start: number) =>
    new Promise<number[]>((resolve) => {
      const times: number[] = [];
      waiting.set(marker, { left: sockets.length, start, times, done: () => resolve(times) });
    });
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

  h.log(`seeding one course with ${SUBSCRIBERS} enrolled learners`);
  const { courseId, lessonId, learners } = await db.asSystem(async (tx) => {
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
    const lesson = await tx
      .insertInto('courseLessons')
      .values({
        courseId: course.id,
        sectionId: section.id,
        title: 'Lesson',
        sortOrder: 0,
        contentType: 'article',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const learnerIds = users.slice(1).map((u) => u.id);
    await sql`insert into public.enrollments (user_id, course_id, access_type)
              select unnest(${learnerIds}::uuid[]), ${course.id}, 'free_grant'`.execute(tx);
    return { courseId: course.id, lessonId: lesson.id, learners: learnerIds };
  });

  const { app, base } = await h.startApp(db, {
    DATABASE_URL: url,
    ...(process.env.REALTIME_BATCH_SIZE ? { REALTIME_BATCH_SIZE: process.env.REALTIME_BATCH_SIZE } : {}),
    ...(process.env.REALTIME_CONCURRENCY ? { REALTIME_CONCURRENCY: process.env.REALTIME_CONCURRENCY } : {}),
  });
  const wsBase = base.replace(/^http/, 'ws');

  // The checked path: the product's /realtime, one socket per learner, each subscribed to the course's lessons.
  h.log(`opening ${SUBSCRIBERS} sockets to /realtime`);
  const topic = `changes:course_lessons:course_id=${courseId}`;
  const checked: WebSocket[] = [];
  for (let i = 0; i < learners.length; i += 50) {
    checked.push(
      ...(await Promise.all(
        learners.slice(i, i + 50).map(async (id) => {
          const token = await signAccessToken(h.JWT_SECRET, { id });
          const socket = new WebSocket(`${wsBase}/realtime`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await new Promise<void>((resolve, reject) => {
            socket.on('message', function ready(data) {
              if (String(data).includes('"subscribed"')) {
                socket.off('message', ready);
                resolve();
              }
            });
            socket.once('open', () => socket.send(JSON.stringify({ type: 'subscribe', topic })));
            socket.once('error', reject);
            // A refused or silent socket must end the run with a reason, not stall it (it did at 1,000).
            socket.once('close', (code, reason) =>
              reject(
                new Error(`socket of learner ${id} closed before subscribing: ${code} ${String(reason)}`),
              ),
            );
            setTimeout(
              () =>
                reject(
                  new Error(
                    `socket of learner ${id}: no "subscribed" within 15 s (state ${socket.readyState})`,
                  ),
                ),
              15_000,
            ).unref();
          });
          return socket;
        }),
      )),
    );
  }
  const awaitChecked = collector(checked, (frame) => /"title":"(bench-[^"]+)"/.exec(frame)?.[1]);

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
  const raw: WebSocket[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${rawPort}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    raw.push(socket);
  }
  const awaitRaw = collector(raw, (frame) => /"marker":"(bench-[^"]+)"/.exec(frame)?.[1]);

  let seq = 0;
  // Resolves once the change is committed, with `arrived` (an async function would flatten a bare promise).
  const checkedChange = async (): Promise<{ arrived: Promise<number[]> }> => {
    const marker = `bench-${seq++}`;
    const start = performance.now();
    const arrived = awaitChecked(marker, start);
    await db.asSystem((tx) =>
      tx.updateTable('courseLessons').set({ title: marker }).where('id', '=', lessonId).execute(),
    );
    return { arrived };
  };
  const rawChange = async (): Promise<{ arrived: Promise<number[]> }> => {
    const marker = `bench-${seq++}`;
    const start = performance.now();
    const arrived = awaitRaw(marker, start);
    const payload = JSON.stringify({ table: 'course_lessons', op: 'UPDATE', id: lessonId, marker });
    await db.asSystem((tx) => sql`select pg_notify(${RAW_CHANNEL}, ${payload})`.execute(tx));
    return { arrived };
  };

  const paths = { 'checked (RLS per subscriber)': checkedChange, 'raw pg_notify → sockets': rawChange };
  const results = new Map<string, PathResult[]>(Object.keys(paths).map((name) => [name, []]));
  // Warm-up: plans cached, sockets hot.
  for (const change of Object.values(paths)) for (let i = 0; i < 3; i++) await (await change()).arrived;

  for (let round = 1; round <= h.ROUNDS; round++) {
    const order = round % 2 === 1 ? Object.entries(paths) : Object.entries(paths).reverse();
    for (const [name, change] of order) {
      const latencies = await (await change()).arrived;
      const burstStart = performance.now();
      const arrivals: Promise<number[]>[] = [];
      for (let i = 0; i < BURST; i++) arrivals.push((await change()).arrived);
      await Promise.all(arrivals);
      const burstRate = (SUBSCRIBERS * BURST) / ((performance.now() - burstStart) / 1000);
      results.get(name)!.push({ latencies, burstRate });
      const sorted = [...latencies].sort((a, b) => a - b);
      h.log(
        `round ${round}/${h.ROUNDS} ${name}: p50 ${h.fmt(percentile(sorted, 50))} ms, ` +
          `p95 ${h.fmt(percentile(sorted, 95))} ms, p99 ${h.fmt(percentile(sorted, 99))} ms, ` +
          `burst ${burstRate.toFixed(0)} deliveries/s`,
      );
    }
  }

  const lines = [
    `\nRealtime fan-out: ${SUBSCRIBERS} subscribers on one course, PostgreSQL, ${h.ROUNDS} rounds, bursts of ${BURST}`,
    '| path | p50 ms | p95 ms | p99 ms | deliveries/s (burst, median) |',
    '|---|---|---|---|---|',
  ];
  const rates = new Map<string, number | null>();
  for (const [name, rounds] of results) {
    const all = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const rate = h.median(rounds.map((r) => r.burstRate));
    rates.set(name, rate);
    lines.push(
      `| ${name} | ${h.fmt(percentile(all, 50))} | ${h.fmt(percentile(all, 95))} | ${h.fmt(percentile(all, 99))} | ${h.fmt(rate, 0)} |`,
    );
  }
  const [checkedRate, rawRate] = [...rates.values()];
  lines.push(
    `checked / raw deliveries/s: ${checkedRate && rawRate ? (checkedRate / rawRate).toFixed(2) : '–'}× ` +
      `(targets: checked p95 ≤ 250 ms, ≥ 10000 deliveries/s)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);

  for (const socket of [...checked, ...raw]) socket.terminate();
  rawServer.close();
  await listener.end();
  await app.close();
  await handle.close();
  const dropper = new pg.Client({ connectionString: h.ADMIN_URL });
  await dropper.connect();
  await dropper.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`);
  await dropper.end();
}

await main();
