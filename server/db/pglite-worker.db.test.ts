import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from './connect.ts';
import { migrate } from './migrate.ts';
import { PGliteRemote } from './pglite-remote.ts';
import { createDb, type Db } from './session.ts';

// Production runs PGlite in a worker thread (PGLITE_WORKER, pglite-remote.ts). This file runs real
// work through one — the migrations, units of work, prepared reads, LISTEN — whichever engine the
// other database tests use: the engine under test here is always the worker.

let handle: DatabaseHandle;
let db: Db;
let userIds: string[];
beforeAll(async () => {
  handle = await connectDatabase({ worker: true });
  await migrate(handle);
  db = createDb(handle);
  userIds = await db.asSystem(async (tx) => {
    const rows = await tx
      .insertInto('auth.users')
      .values(Array.from({ length: 3 }, (_, i) => ({ email: `worker${i}@example.com` })))
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  });
});
afterAll(async () => handle.close());

const myProfile = (id: string) =>
  db.readAs(
    { id },
    handle.kysely
      .selectFrom('profiles')
      .select(['id', 'email'])
      .where('id', '=', sql<string>`auth.uid()`),
  );

describe('PGlite in a worker thread', () => {
  it('answers prepared reads as the caller, for many callers at once', async () => {
    const reads = Array.from({ length: 60 }, (_, i) => userIds[i % userIds.length]!);
    const answers = await Promise.all(reads.map((id) => myProfile(id)));
    answers.forEach((rows, i) =>
      expect(rows).toEqual([{ id: reads[i], email: `worker${i % 3}@example.com` }]),
    );
  });

  it('carries values of every kind both ways', async () => {
    const row = await db.asSystem(async (tx) => {
      const { rows } = await sql<{
        n: number;
        d: Date;
        a: string[];
        j: unknown;
        b: Uint8Array;
        s: string;
      }>`select
        ${42.5}::numeric as n, ${new Date('2026-01-02T03:04:05Z')}::timestamptz as d, ${['x', "y'"]}::text[] as a,
        ${JSON.stringify({ k: [1, 'two'] })}::jsonb as j, ${Buffer.from([1, 2, 255])}::bytea as b, ${"it's"} as s`.execute(
        tx,
      );
      return rows[0]!;
    });
    expect(row).toEqual({
      n: 42.5,
      d: new Date('2026-01-02T03:04:05Z'),
      a: ['x', "y'"],
      j: { k: [1, 'two'] },
      b: new Uint8Array([1, 2, 255]),
      s: "it's",
    });
  });

  it('lets a unit of work own the engine across messages: no read lands inside it', async () => {
    const email = 'inside-unit@example.com';
    const unit = db.asSystem(async (tx) => {
      await tx.insertInto('auth.users').values({ email }).execute();
      await sql`select pg_sleep(0.2)`.execute(tx); // reads queue behind the lock meanwhile
      throw new Error('roll back');
    });
    const counts = Array.from({ length: 10 }, () =>
      handle.preparedQuery([
        { text: 'select count(*)::int as n from auth.users where email = $1', values: [email] },
      ]),
    );
    await expect(unit).rejects.toThrow('roll back');
    for (const rows of await Promise.all(counts)) expect(rows).toEqual([[{ n: 0 }]]);
  });

  it('reports database errors with their SQLSTATE and stays usable after them', async () => {
    const failure = handle.preparedQuery([{ text: 'select no_such_column from auth.users', values: [] }]);
    await expect(failure).rejects.toMatchObject({ code: '42703', severity: 'ERROR' });
    const inUnit = db.asSystem(async (tx) => {
      await tx.insertInto('auth.users').values({ email: 'dup@example.com' }).execute();
      await tx.insertInto('auth.users').values({ email: 'dup@example.com' }).execute();
    });
    await expect(inUnit).rejects.toMatchObject({ code: '23505' });
    // The failed unit rolled back and left no aborted transaction behind.
    const rows = await handle.simpleQuery(
      `select count(*)::int as n from auth.users where email = 'dup@example.com'`,
    );
    expect(rows).toEqual([[{ n: 0 }]]);
    expect(await myProfile(userIds[0]!)).toHaveLength(1);
  });

  it('delivers NOTIFY to listeners until they unlisten', async () => {
    const payloads: string[] = [];
    const unlisten = await handle.listen!('worker_test', (payload) => payloads.push(payload));
    await db.asSystem((tx) => sql`select pg_notify('worker_test', 'one')`.execute(tx));
    await expect.poll(() => payloads).toEqual(['one']);
    await unlisten();
    await db.asSystem((tx) => sql`select pg_notify('worker_test', 'two')`.execute(tx));
    await handle.simpleQuery('select 1'); // a notification would have arrived before this answer
    expect(payloads).toEqual(['one']);
  });
});

describe('the worker’s life', () => {
  it('refuses work after close, with an error saying so', async () => {
    const own = await connectDatabase({ worker: true });
    expect(await own.simpleQuery('select 1 as one')).toEqual([[{ one: 1 }]]);
    await own.close();
    await expect(own.simpleQuery('select 1')).rejects.toThrow('PGlite worker closed');
    await own.close(); // closing twice is harmless
  });

  it('fails pending and later requests when the worker dies, instead of hanging', async () => {
    const remote = await PGliteRemote.start(undefined);
    const pending = remote.query('select pg_sleep(5)', []);
    await remote.worker.terminate();
    await expect(pending).rejects.toThrow(/PGlite worker exited unexpectedly/);
    await expect(remote.exec('select 1')).rejects.toThrow(/PGlite worker exited unexpectedly/);
    expect(remote.closed).toBe(true);
  });

  it('throws why it could not open the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uw-pglite-worker-'));
    try {
      const file = join(dir, 'not-a-directory');
      writeFileSync(file, '');
      await expect(connectDatabase({ worker: true, dataDir: join(file, 'pglite') })).rejects.toThrow(
        /ENOTDIR/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a data directory across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uw-pglite-worker-'));
    try {
      const first = await connectDatabase({ worker: true, dataDir: dir });
      await first.simpleQuery(`create table kept (v text); insert into kept values ('still here')`);
      await first.close();
      const second = await connectDatabase({ worker: true, dataDir: dir });
      expect(await second.simpleQuery('select v from kept')).toEqual([[{ v: 'still here' }]]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
