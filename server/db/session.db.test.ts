import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../tests/helpers/test-db.ts';

interface Who {
  uid: string | null;
  role: string;
  claims: string | null;
}

const whoAmI = sql<Who>`select auth.uid() as uid, current_user as role,
                          current_setting('request.jwt.claims', true) as claims`;

describe('units of work', () => {
  let t: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    userId = await t.db.asSystem(async (tx) => {
      const row = await tx
        .insertInto('auth.users')
        .values({ email: "o'hara@example.com" })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    });
  });
  afterAll(async () => t.close());

  it('asUser runs as authenticated with the user as auth.uid()', async () => {
    const who = await t.db.asUser({ id: userId, email: "o'hara@example.com" }, (tx) => whoAmI.execute(tx));
    expect(who.rows[0]).toMatchObject({ uid: userId, role: 'authenticated' });
    expect(JSON.parse(who.rows[0]!.claims!)).toMatchObject({ sub: userId, email: "o'hara@example.com" });
  });

  it('asAnon runs as anon without a user', async () => {
    const who = await t.db.asAnon((tx) => whoAmI.execute(tx));
    expect(who.rows[0]).toMatchObject({ uid: null, role: 'anon' });
  });

  it('asSystem runs as service_role, which bypasses RLS', async () => {
    const who = await t.db.asSystem((tx) => whoAmI.execute(tx));
    expect(who.rows[0]).toMatchObject({ uid: null, role: 'service_role' });
    const profiles = await t.db.asSystem((tx) => tx.selectFrom('profiles').select('id').execute());
    expect(profiles.map((p) => p.id)).toContain(userId);
    const asAnon = await t.db.asAnon(async (tx) => {
      try {
        return await tx.selectFrom('profiles').select('id').execute();
      } catch {
        return 'denied';
      }
    });
    expect(asAnon).toBe('denied');
  });

  it('the role and claims end with the unit of work', async () => {
    await t.db.asUser({ id: userId }, (tx) => whoAmI.execute(tx));
    const after = await whoAmI.execute(t.handle.kysely);
    expect(after.rows[0]?.uid).toBeNull();
    expect(after.rows[0]?.role).not.toBe('authenticated');
  });

  it('a failing unit of work rolls back everything it wrote', async () => {
    await expect(
      t.db.asUser({ id: userId }, async (tx) => {
        await tx.updateTable('profiles').set({ bio: 'half-written' }).where('id', '=', userId).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const profile = await t.db.asUser({ id: userId }, (tx) =>
      tx.selectFrom('profiles').select('bio').where('id', '=', userId).executeTakeFirstOrThrow(),
    );
    expect(profile.bio).toBeNull();
  });

  it('a unit of work is one transaction: nobody sees its writes before it commits', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const writer = t.db.asUser({ id: userId }, async (tx) => {
      await tx.updateTable('profiles').set({ bio: 'in flight' }).where('id', '=', userId).execute();
      await gate;
    });
    const reader = t.db.asSystem((tx) =>
      tx.selectFrom('profiles').select('bio').where('id', '=', userId).executeTakeFirstOrThrow(),
    );
    setTimeout(release, 100);
    const [, seen] = await Promise.all([writer, reader]);
    // PostgreSQL: the reader runs beside the writer and sees the committed past. PGlite has one
    // connection, so the reader waits for the writer's COMMIT and sees its result whole.
    expect(seen.bio).toBe(t.db.engine === 'postgres' ? null : 'in flight');
  });

  it('readAs runs one query as the user or as anon, with the same answer as a unit of work', async () => {
    const mine = (tx: Parameters<Parameters<typeof t.db.asAnon>[0]>[0]) =>
      tx.selectFrom('profiles').select(['id', 'email']).where('id', '=', userId);
    const viaRead = await t.db.readAs({ id: userId }, mine(t.handle.kysely));
    const viaUnit = await t.db.asUser({ id: userId }, (tx) => mine(tx).execute());
    expect(viaRead).toEqual(viaUnit);
    expect(viaRead).toHaveLength(1);
    await expect(t.db.readAs(null, mine(t.handle.kysely))).rejects.toThrow(/permission denied/); // anon has no grant
    const who = await t.db.readAs(null, whoAmI);
    expect(who[0]).toMatchObject({ uid: null, role: 'anon' });
    const after = await whoAmI.execute(t.handle.kysely);
    expect(after.rows[0]?.role).not.toBe('anon');
  });

  it('readAs passes parameters exactly, whatever they contain', async () => {
    const tricky = ["'); drop table profiles; --", "back\\slash \\' quote", 'ünïcødé ✓', '$1 $2', '"quoted"'];
    for (const value of tricky) {
      const [row] = await t.db.readAs(null, sql<{ v: string }>`select ${value}::text as v`);
      expect(row?.v).toBe(value);
    }
    const [arr] = await t.db.readAs(null, sql<{ v: string[] }>`select ${tricky}::text[] as v`);
    expect(arr?.v).toEqual(tricky);
    const [num] = await t.db.readAs(
      null,
      sql<{
        n: number;
        b: boolean;
        z: null;
      }>`select ${42.5}::numeric as n, ${true}::boolean as b, ${null}::text as z`,
    );
    expect(num).toEqual({ n: 42.5, b: true, z: null });
    const [json] = await t.db.readAs(
      null,
      sql<{ j: unknown }>`select ${JSON.stringify({ a: "it's" })}::jsonb as j`,
    );
    expect(json?.j).toEqual({ a: "it's" });
    const profiles = await t.db.asSystem((tx) => tx.selectFrom('profiles').select('id').execute());
    expect(profiles.length).toBeGreaterThan(0);
  });

  it('readAs leaves the connection clean after a failing query', async () => {
    await expect(t.db.readAs({ id: userId }, sql`select 1 / 0`)).rejects.toThrow(/division by zero/);
    const after = await whoAmI.execute(t.handle.kysely);
    expect(after.rows[0]?.uid).toBeNull();
  });

  it('an ended sign-in session or a deactivated account is refused on the very next unit of work', async () => {
    const sessionId = await t.db.asSystem(async (tx) => {
      const { rows } = await sql<{ id: string }>`
        insert into private.auth_sessions (user_id, expires_at) values (${userId}, now() + interval '1 day')
        returning id`.execute(tx);
      return rows[0]!.id;
    });
    const me = { id: userId, sessionId };
    const ask = () => t.db.asUser(me, (tx) => whoAmI.execute(tx).then((r) => r.rows[0]?.uid));
    const read = () => t.db.readAs(me, whoAmI);
    expect(await ask()).toBe(userId);
    expect((await read())[0]?.uid).toBe(userId);

    await t.db.asSystem((tx) =>
      sql`update private.auth_sessions set revoked_at = now(), revoked_reason = 'sign_out' where id = ${sessionId}`.execute(
        tx,
      ),
    );
    await expect(ask()).rejects.toMatchObject({ code: '28000' });
    await expect(read()).rejects.toMatchObject({ code: '28000' });
    // Other sessions of the same account are unaffected; deactivating the account ends them all.
    expect(await t.db.asUser({ id: userId }, (tx) => whoAmI.execute(tx).then((r) => r.rows[0]?.uid))).toBe(
      userId,
    );
    await t.db.asSystem((tx) =>
      tx.updateTable('profiles').set({ isActive: false }).where('id', '=', userId).execute(),
    );
    await expect(t.db.asUser({ id: userId }, (tx) => whoAmI.execute(tx))).rejects.toMatchObject({
      code: '28000',
    });
    await t.db.asSystem((tx) =>
      tx.updateTable('profiles').set({ isActive: true }).where('id', '=', userId).execute(),
    );
  });
});
