import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, execAsOwner, type TestDatabase } from '../tests/helpers/test-db.ts';
import { TEST_JWT_SECRET, testConfig } from '../tests/helpers/test-app.ts';
import { buildApp, type App } from './app.ts';
import { readMigrations } from './db/migrate.ts';
import { signAccessToken } from './platform/auth.ts';

const USER = { id: '0d9a3c1e-5b7f-4e2a-9c8d-1f2e3a4b5c6d', email: 'grace@example.test' };

/** Test-only routes that reach the database through request.db.run, as module routes will. */
const testRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/test/session', async (request) =>
    request.db.run(async (tx) => {
      const { rows } = await sql<{ uid: string | null; role: string }>`
        select auth.uid() as uid, current_user as role`.execute(tx);
      return rows[0];
    }),
  );
  app.get('/test/bad-uuid', async (request) => request.db.run((tx) => sql`select 'nope'::uuid`.execute(tx)));
  app.get('/test/credentials', async (request) =>
    request.db.run((tx) => sql`select count(*) from auth.users`.execute(tx)),
  );
};

let testDb: TestDatabase;
let app: App;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // The token's user must exist and be active: the database refuses tokens of missing accounts.
  await testDb.db.asSystem((tx) =>
    tx.insertInto('auth.users').values({ id: USER.id, email: USER.email }).execute(),
  );
});

afterAll(async () => {
  await testDb?.close();
});

afterEach(async () => {
  await app?.close();
});

function makeApp() {
  app = buildApp({ config: testConfig(), db: testDb.db });
  app.register(testRoutes);
  return app;
}

describe('request.db.run', () => {
  it('runs as the token user: auth.uid() is the token sub', async () => {
    const token = await signAccessToken(TEST_JWT_SECRET, USER, 60);
    const res = await makeApp().inject({
      method: 'GET',
      url: '/test/session',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ uid: USER.id, role: 'authenticated' });
  });

  it('runs as anon without a token: auth.uid() is null', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/test/session' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ uid: null, role: 'anon' });
  });
});

describe('database errors from a unit of work', () => {
  it('answers a privilege refusal (42501) with 404 not_found and no SQL', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/test/credentials' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(res.body).not.toMatch(/auth\.users|permission denied/);
  });

  it('answers a malformed value (22P02) with 400 validation_failed and no SQL', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/test/bad-uuid' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.body).not.toMatch(/nope|::uuid/);
  });
});

describe('GET /readyz', () => {
  it('answers 200 when the database answers and every migration is applied', async () => {
    const res = await makeApp().inject({ method: 'GET', url: '/readyz' });
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.statusCode).toBe(200);
  });

  it('answers 503 naming the migration that is not applied', async () => {
    const latest = readMigrations().at(-1)!;
    await execAsOwner(
      testDb.handle,
      `delete from private.schema_migrations where version = '${latest.version}'`,
    );
    try {
      const res = await makeApp().inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'service_unavailable' });
      expect(res.json().error.message).toContain(latest.name);
    } finally {
      // Put the ledger back, so no other test depends on running before this one.
      await execAsOwner(
        testDb.handle,
        `insert into private.schema_migrations (version, name, checksum)
         values ('${latest.version}', '${latest.name}', '${latest.checksum}')`,
      );
    }
  });
});
