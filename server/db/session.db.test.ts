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
});
