/**
 * Database CPU of a heartbeat flush (issue 5), measured where it is spent: in the PostgreSQL
 * backend that runs the flush, from its own /proc/<pid>/stat (user + system time), so a busy
 * machine slows the run down but does not inflate the figure much. Not a test: it prints numbers.
 *
 *   npx tsx bench/progress-flush-cost.ts db1 db2 …
 *   npx tsx bench/progress-flush-cost.ts uw_before@/work/main uw_after   # main's statement on uw_before
 *
 * Each database must hold the progress bench's seed (`npm run bench:progress` leaves one in
 * `uw_bench_progress`; copy it with `CREATE DATABASE x TEMPLATE uw_bench_progress`), e.g. one
 * migrated to main's schema and one with a new migration on top: the rounds alternate between them
 * (A B B A …), so both see the same machine. Every round writes FLUSH_COST_CHUNKS chunks of
 * FLUSH_COST_CHUNK heartbeats (defaults 10 × 50) exactly as the coalescing buffer does
 * (learning.heartbeats.ts: one transaction, one message, each learner's upsert as that learner),
 * position-only heartbeats on lessons the learners already have rows for (10 active seconds each,
 * so minute totals move on one heartbeat in six), and reports CPU ms per heartbeat in the backend.
 * PostgreSQL on the same host only (it reads /proc of the backend's pid).
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  claimsFor,
  compileOnly,
  inlineParameters,
  quoteLiteral,
  type SessionUser,
} from '../server/db/session.ts';
import {
  heartbeatUpsert as ownUpsert,
  type HeartbeatWrite,
} from '../server/modules/learning/learning.queries.ts';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = Number(process.env.FLUSH_COST_ROUNDS ?? 6);
const CHUNKS = Number(process.env.FLUSH_COST_CHUNKS ?? 10);
const CHUNK = Number(process.env.FLUSH_COST_CHUNK ?? 50);
const TICKS_PER_MS = 100 / 1000; // USER_HZ: 100 on Linux

const databases = process.argv.slice(2);
if (databases.length === 0) throw new Error('usage: progress-flush-cost.ts <database> [<database> …]');

interface Target {
  user: SessionUser;
  lessonId: string;
}

function backendTicks(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

/** `name` or `name@/path/to/checkout` (that checkout's heartbeatUpsert writes to this database). */
async function open(arg: string) {
  const [database, checkout] = arg.split('@') as [string, string | undefined];
  const upsert: typeof ownUpsert = checkout
    ? (
        (await import(`${checkout}/server/modules/learning/learning.queries.ts`)) as {
          heartbeatUpsert: typeof ownUpsert;
        }
      ).heartbeatUpsert
    : ownUpsert;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  const { rows } = await client.query<{ user_id: string; session_id: string; lesson_id: string }>(`
    select lp.user_id, s.id as session_id, lp.lesson_id
      from (select distinct on (user_id) user_id, lesson_id from lesson_progress
             where status = 'in_progress' order by user_id, updated_at desc) lp
      join private.auth_sessions s on s.user_id = lp.user_id
     order by lp.user_id`);
  const { rows: pid } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  const targets: Target[] = rows.map((r) => ({
    user: { id: r.user_id, sessionId: r.session_id } as SessionUser,
    lessonId: r.lesson_id,
  }));
  return { database: arg, upsert, client, pid: pid[0]!.pid, targets, next: 0, samples: [] as number[] };
}

type Db = Awaited<ReturnType<typeof open>>;

/** One chunk as learning.heartbeats.ts writes it. */
function chunkSql(upsert: typeof ownUpsert, targets: Target[], clientTime: Date) {
  const parts = [`BEGIN; SELECT set_config('role', 'authenticated', true)`];
  for (const t of [...targets].sort((a, b) => (a.user.id < b.user.id ? -1 : 1))) {
    const write: HeartbeatWrite = {
      lessonId: t.lessonId,
      positionSeconds: Math.floor(clientTime.getTime() / 1000) % 150,
      clientTime,
      watchedSeconds: 0,
      acceptedAt: new Date(),
      chain: [{ clientTime, activeSeconds: 10 }],
    };
    const compiled = upsert([write]).compile(compileOnly);
    parts.push(
      `SELECT set_config('request.jwt.claims', ${quoteLiteral(JSON.stringify(claimsFor(t.user)))}, true)`,
      inlineParameters(compiled.sql, compiled.parameters),
    );
  }
  parts.push('COMMIT');
  return parts.join(';\n');
}

async function round(db: Db) {
  const before = backendTicks(db.pid);
  for (let c = 0; c < CHUNKS; c++) {
    const chunk: Target[] = [];
    for (let i = 0; i < CHUNK; i++) chunk.push(db.targets[(db.next + i) % db.targets.length]!);
    db.next = (db.next + CHUNK) % db.targets.length;
    await db.client.query(chunkSql(db.upsert, chunk, new Date()));
  }
  const ms = (backendTicks(db.pid) - before) / TICKS_PER_MS;
  db.samples.push(ms / (CHUNKS * CHUNK));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const dbs: Db[] = [];
for (const database of databases) dbs.push(await open(database));
// Warm-up: plans cached, pages in shared buffers.
for (const db of dbs) await round(db);
for (const db of dbs) db.samples.length = 0;
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? dbs : [...dbs].reverse();
  for (const db of order) await round(db);
}
const lines = [
  `Backend CPU per flushed heartbeat, ${ROUNDS} rounds × ${CHUNKS} chunks × ${CHUNK} heartbeats (median round, range):`,
];
for (const db of dbs)
  lines.push(
    `- ${db.database}: ${median(db.samples).toFixed(3)} ms (${Math.min(...db.samples).toFixed(3)}–${Math.max(...db.samples).toFixed(3)})`,
  );
if (dbs.length > 1) {
  const ratios = dbs[0]!.samples.map((s, i) => dbs[1]!.samples[i]! / s);
  lines.push(
    `- ${dbs[1]!.database} / ${dbs[0]!.database}: ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
for (const db of dbs) await db.client.end();
