import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_TABLES, type RealtimeTable, type ServerMessage } from '../../contracts/realtime.ts';
import { buildApp, type App } from '../../server/app.ts';
import { authorizeBatch, type Subscriber } from '../../server/platform/realtime/authorize.ts';
import { eventually, openSocket, settle, type TestSocket } from '../helpers/realtime.ts';
import { testConfig } from '../helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { EXPECTATIONS, PERSONAS, WORLD, type Persona, type TableName } from './expectations.ts';
import { plantWorld, type World } from './world.ts';

// Realtime canaries over the RLS-matrix world (world.ts, expectations.ts = shared/spec/access.md).
// 1. The set-based check (private.realtime_authorize: one statement for a batch of subscribers)
//    agrees with access.md for every announced table × planted row × signed-in persona.
// 2. studentA, subscribed to everything it can name — every table, filtered by every course and
//    user id in the world, every course's presence and broadcast — receives, when every planted row
//    changes, exactly the rows access.md lets it read: never another learner's progress, attempt,
//    submission, AI message or email, nothing of courses it is not enrolled in beyond their public
//    catalogue rows, and no secret column.

let t: TestDatabase;
let w: World;
let app: App;
let baseUrl: string;

const SIGNED_IN = PERSONAS.filter((p): p is Exclude<Persona, 'anon'> => p !== 'anon');
const TABLES = REALTIME_TABLES.filter((table): table is RealtimeTable & TableName => table in WORLD);

beforeAll(async () => {
  t = await createTestDatabase();
  w = await plantWorld(t.db);
  app = buildApp({ config: testConfig(t.url ? { DATABASE_URL: t.url } : {}), db: t.db });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await t?.close();
});

/** Labels of `table` that `persona` may read according to access.md. */
function expectedLabels(table: TableName, persona: Persona): string[] {
  const read = EXPECTATIONS[table].read[persona];
  return read === 'all' ? Object.keys(w.rows[table]) : [...read];
}

/** The key columns of a row, as the trigger would announce them (read as the system). */
async function keysOf(table: string, id: string): Promise<Record<string, string>> {
  const { rows } = await t.db.asSystem((tx) =>
    sql<{
      row: Record<string, unknown>;
    }>`select to_jsonb(r) as row from ${sql.table(`public.${table}`)} r where id = ${id}`.execute(tx),
  );
  const keys: Record<string, string> = {};
  for (const [column, value] of Object.entries(rows[0]?.row ?? {})) {
    if (
      /^(course|user|lesson|section|quiz|challenge|conversation)_id$/.test(column) &&
      typeof value === 'string'
    )
      keys[column] = value;
  }
  return keys;
}

describe('private.realtime_authorize agrees with access.md', () => {
  it.each(TABLES)('%s: every planted row reaches exactly the personas that may read it', async (table) => {
    const subscribers: Subscriber[] = SIGNED_IN.map((persona) => ({
      key: persona,
      userId: w.users[persona],
      sessionId: undefined,
    }));
    const mismatches: string[] = [];
    for (const [label, id] of Object.entries(w.rows[table] as Record<string, string>)) {
      const verdicts = await authorizeBatch(
        t.db.handle,
        { table, op: 'UPDATE', id, keys: await keysOf(table, id) },
        subscribers,
      );
      const expected = SIGNED_IN.filter((persona) => expectedLabels(table, persona).includes(label));
      if (verdicts.ended.length > 0) mismatches.push(`${label}: sessions reported ended ${verdicts.ended}`);
      if ([...verdicts.visible].sort().join() !== [...expected].sort().join())
        mismatches.push(
          `${label}: sent to [${verdicts.visible.sort()}], access.md says [${expected.sort()}]`,
        );
    }
    expect(mismatches).toEqual([]);
  });

  it('reports a user without a profile (deleted account) as ended, not visible', async () => {
    const verdicts = await authorizeBatch(
      t.db.handle,
      { table: 'courses', op: 'UPDATE', id: w.rows.courses.X, keys: {} },
      [{ key: 'gone', userId: w.users.noProfile, sessionId: undefined }],
    );
    expect(verdicts).toMatchObject({ visible: [], ended: ['gone'] });
  });
});

describe('studentA subscribed to everything it can name', () => {
  let socket: TestSocket;
  const refused: ServerMessage[] = [];

  beforeAll(async () => {
    socket = await openSocket(baseUrl, { id: w.users.studentA });
    const courseIds = Object.values(w.rows.courses);
    const userIds = Object.values(w.users);
    const topics = new Set<string>();
    for (const table of REALTIME_TABLES) {
      topics.add(`changes:${table}`);
      for (const id of courseIds) topics.add(`changes:${table}:course_id=${id}`);
    }
    for (const id of userIds) topics.add(`changes:lesson_progress:user_id=${id}`);
    for (const table of [
      'quiz_attempts',
      'code_submissions',
      'ai_conversations',
      'enrollments',
      'certificates',
    ])
      for (const id of userIds) topics.add(`changes:${table}:user_id=${id}`);
    for (const id of courseIds) {
      topics.add(`presence:course:${id}`);
      topics.add(`broadcast:course:${id}`);
    }
    // 100 topics per socket: spread over as many sockets as needed, all as studentA.
    const list = [...topics];
    const sockets = [socket];
    while (sockets.length * 100 < list.length)
      sockets.push(await openSocket(baseUrl, { id: w.users.studentA }));
    for (const [index, topic] of list.entries()) {
      const reply = await sockets[Math.floor(index / 100)]!.subscribe(topic);
      if (reply.type === 'error') refused.push(reply);
    }
    socketsOfA = sockets;
  });
  let socketsOfA: TestSocket[] = [];
  afterAll(() => socketsOfA.forEach((s) => s.close()));

  it('may join presence and broadcast only of courses it studies', () => {
    const joinable = new Set([w.rows.courses.X, w.rows.courses.archived].map((id) => id));
    const refusedTopics = refused.map((m) => (m.type === 'error' ? m.topic : ''));
    for (const [label, id] of Object.entries(w.rows.courses)) {
      for (const kind of ['presence', 'broadcast']) {
        expect(refusedTopics.includes(`${kind}:course:${id}`), `${kind} of ${label}`).toBe(!joinable.has(id));
      }
    }
    expect(refused.every((m) => m.type === 'error' && m.code === 'not_found')).toBe(true);
  });

  it('receives exactly the rows access.md lets it read when every planted row changes', async () => {
    await t.db.asSystem(async (tx) => {
      for (const table of TABLES) {
        const ids = Object.values(w.rows[table] as Record<string, string>);
        await sql`update ${sql.table(`public.${table}`)} set updated_at = now() + interval '1 second' where id = any(${ids}::uuid[])`.execute(
          tx,
        );
      }
    });
    const marker = `sentinel-${Math.random().toString(36).slice(2)}`;
    await t.db.asSystem((tx) =>
      tx.updateTable('courses').set({ subtitle: marker }).where('id', '=', w.rows.courses.X).execute(),
    );
    const all = () => socketsOfA.flatMap((s) => s.messages);
    await eventually(
      () => all().some((m) => m.type === 'change' && m.row?.subtitle === marker),
      'the sentinel change',
      30_000,
    );
    // Changes are checked concurrently: the sentinel may overtake earlier ones. Wait for all.
    await settle(app.realtime, socketsOfA);

    const received = new Map<string, Set<string>>();
    for (const m of all()) {
      if (m.type !== 'change') continue;
      if (!received.has(m.table)) received.set(m.table, new Set());
      received.get(m.table)!.add(m.id);
    }
    for (const table of TABLES) {
      const labelOf = new Map(
        Object.entries(w.rows[table] as Record<string, string>).map(([l, id]) => [id, l]),
      );
      const got = [...(received.get(table) ?? [])].map((id) => labelOf.get(id) ?? `unplanted ${id}`).sort();
      expect(got, table).toEqual(expectedLabels(table, 'studentA').sort());
    }
    // Nothing but changes, subscription answers and pongs: no presence lists (A manages no course), no broadcasts.
    expect(
      all().filter((m) => !['welcome', 'subscribed', 'error', 'change', 'pong'].includes(m.type)),
    ).toEqual([]);
  });

  it('never carries another learner’s identity or a secret column in any frame', () => {
    // Frames about data (not the echo of a topic A named itself, which may hold any id it chose).
    const text = JSON.stringify(
      socketsOfA.flatMap((s) => s.messages).filter((m) => !['subscribed', 'error'].includes(m.type)),
    );
    for (const other of ['studentB', 'studentC', 'studentD', 'studentE'] as const) {
      expect(text.includes(w.users[other]), other).toBe(false);
    }
    for (const secret of [
      'solution_code',
      'solutionCode',
      'test_cases',
      'testCases',
      'html_body',
      'htmlBody',
    ]) {
      expect(text.includes(`"${secret}"`), secret).toBe(false);
    }
    expect(text).not.toMatch(/articleContent|videoUrl|downloadableResources/);
  });
});
