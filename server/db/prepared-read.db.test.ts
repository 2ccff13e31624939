import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../tests/helpers/test-db.ts';
import { connectDatabase, type DatabaseHandle } from './connect.ts';
import { STATEMENT_CACHE_SIZE } from './prepared-read.ts';
import { createDb, type Db } from './session.ts';

// readAs sends the session header and the query as named prepared statements in one round trip
// (prepared-read.ts; on PGlite one call into the engine). It must answer exactly as a unit of work
// does, reuse plans, and survive errors and schema changes.

const onPostgres = process.env.TEST_ENGINE === 'postgres';

interface PreparedStatement {
  name: string;
  statement: string;
  genericPlans: string;
  customPlans: string;
}

let t: TestDatabase;
let userIds: string[];
beforeAll(async () => {
  t = await createTestDatabase();
  userIds = await t.db.asSystem(async (tx) => {
    const rows = await tx
      .insertInto('auth.users')
      .values(Array.from({ length: 3 }, (_, i) => ({ email: `reader${i}@example.com` })))
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  });
});
afterAll(async () => t.close());

const myProfile = (db: Db, id: string) =>
  db.readAs(
    { id },
    db.handle.kysely
      .selectFrom('profiles')
      .select(['id', 'email'])
      .where('id', '=', sql<string>`auth.uid()`),
  );

describe('readAs', () => {
  it('answers as the caller, for many callers at once, never with another caller’s claims', async () => {
    const reads = Array.from({ length: 60 }, (_, i) => userIds[i % userIds.length]!);
    const answers = await Promise.all(reads.map((id) => myProfile(t.db, id)));
    answers.forEach((rows, i) =>
      expect(rows).toEqual([{ id: reads[i], email: `reader${i % 3}@example.com` }]),
    );
  });

  it('gives the same rows and types as a unit of work for parameters of every kind', async () => {
    const query = (tx: Db['handle']['kysely']) =>
      sql<{ n: number; b: boolean; d: Date; a: string[]; j: unknown; s: string }>`select
        ${42.5}::numeric as n, ${false}::boolean as b, ${new Date('2026-01-02T03:04:05Z')}::timestamptz as d,
        ${['x', "y'", 'z"']}::text[] as a, ${JSON.stringify({ k: [1, 'two'] })}::jsonb as j, ${"it's $1"} as s`.execute(
        tx,
      );
    const viaUnit = await t.db.asAnon(async (tx) => (await query(tx)).rows);
    const viaRead = await t.db.readAs(
      null,
      sql`select ${42.5}::numeric as n, ${false}::boolean as b,
        ${new Date('2026-01-02T03:04:05Z')}::timestamptz as d, ${['x', "y'", 'z"']}::text[] as a,
        ${JSON.stringify({ k: [1, 'two'] })}::jsonb as j, ${"it's $1"} as s`,
    );
    expect(viaRead).toEqual(viaUnit);
  });
});

describe('readAs: prepared statements on one connection', () => {
  // One connection (PGlite has only one; on PostgreSQL a pool of one), so the statement cache and
  // pg_prepared_statements describe the same session.
  let handle: DatabaseHandle;
  let db: Db;
  const prepared = async () =>
    (
      await sql<PreparedStatement>`select name, statement, generic_plans, custom_plans
        from pg_prepared_statements order by name`.execute(handle.kysely)
    ).rows;

  beforeAll(async () => {
    handle = onPostgres ? await connectDatabase({ databaseUrl: t.url!, poolSize: 1 }) : t.handle;
    db = onPostgres ? createDb(handle) : t.db;
  });
  afterAll(async () => {
    if (onPostgres) await handle.close();
  });

  it('parses a query once per connection and reuses its plan', async () => {
    const profileStatements = async () =>
      (await prepared()).filter((s) => s.statement.includes('from "profiles"'));
    const executions = (s: PreparedStatement | undefined) =>
      s ? Number(s.genericPlans) + Number(s.customPlans) : 0;
    const before = executions((await profileStatements())[0]);
    for (let i = 0; i < 12; i++) expect(await myProfile(db, userIds[i % 3]!)).toHaveLength(1);
    const after = await profileStatements();
    expect(after).toHaveLength(1);
    // PostgreSQL plans the first five executions for their parameters, then settles on a generic
    // plan when it is no worse: either way the statement is parsed once and executed twelve times.
    expect(executions(after[0]) - before).toBe(12);
    expect(Number(after[0]!.genericPlans)).toBeGreaterThan(0);
  });

  it('keeps at most STATEMENT_CACHE_SIZE statements, closing the least recently used', async () => {
    for (let i = 0; i < STATEMENT_CACHE_SIZE + 10; i++) {
      const [row] = await db.readAs(
        null,
        sql<{ v: number }>`select ${i}::int + ${i % 7} as v, ${`shape ${i}`} as s`,
      );
      expect(row?.v).toBe(i + (i % 7));
    }
    // The header of each role stays (used by every read); the oldest shapes were closed.
    const statements = await prepared();
    expect(statements.length).toBeLessThanOrEqual(STATEMENT_CACHE_SIZE);
    expect(statements.some((s) => s.statement.includes('set_config'))).toBe(true);
  });

  it('a failing read leaves the connection and its statements usable', async () => {
    await expect(db.readAs(null, sql`select 1 / ${0}::int`)).rejects.toThrow(/division by zero/);
    await expect(db.readAs(null, sql`select from nowhere_at_all`)).rejects.toThrow(/nowhere_at_all/);
    await expect(db.readAs(null, sql`select 1 / ${0}::int`)).rejects.toThrow(/division by zero/);
    expect(await myProfile(db, userIds[0]!)).toHaveLength(1);
    const who = await sql<{ role: string }>`select current_user as role`.execute(handle.kysely);
    expect(who.rows[0]?.role).not.toBe('anon');
  });

  it('an ended sign-in session is refused by the header and the next read on the connection works', async () => {
    const sessionId = await t.db.asSystem(async (tx) => {
      const { rows } = await sql<{ id: string }>`insert into private.auth_sessions (user_id, expires_at)
        values (${userIds[1]}, now() - interval '1 second') returning id`.execute(tx);
      return rows[0]!.id;
    });
    const ended = db.readAs(
      { id: userIds[1]!, sessionId },
      db.handle.kysely.selectFrom('profiles').select('id').where('id', '=', userIds[1]!),
    );
    await expect(ended).rejects.toMatchObject({ code: '28000' });
    expect(await myProfile(db, userIds[1]!)).toHaveLength(1);
  });

  it('prepares again when the session no longer holds its statements (as behind a transaction pooler)', async () => {
    expect(await myProfile(db, userIds[2]!)).toHaveLength(1);
    await sql`deallocate all`.execute(handle.kysely);
    expect(await myProfile(db, userIds[2]!)).toHaveLength(1);
    expect((await prepared()).some((s) => s.statement.includes('from "profiles"'))).toBe(true);
  });

  it('re-prepares a statement whose result type a schema change altered', async () => {
    await sql`create table public.prepared_probe (a int)`.execute(handle.kysely);
    await sql`grant select on public.prepared_probe to anon`.execute(handle.kysely);
    await sql`insert into public.prepared_probe values (1)`.execute(handle.kysely);
    const probe = () =>
      db.readAs(null, sql<Record<string, number>>`select * from public.prepared_probe where a = ${1}`);
    expect(await probe()).toEqual([{ a: 1 }]);
    await sql`alter table public.prepared_probe add column b int default 2`.execute(handle.kysely);
    expect(await probe()).toEqual([{ a: 1, b: 2 }]);
  });
});
