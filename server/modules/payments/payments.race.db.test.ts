import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { call, insertCode } from './payments.fixtures.ts';
import { PROMO_CHECKOUT_LIMIT } from './payments.service.ts';

/**
 * The coupon race: 50 concurrent checkouts with one code, through the HTTP API. With a total cap
 * of 1 (50 learners) or a per-user cap of 1 (one learner, 50 tabs), exactly one reservation wins,
 * every round. On PostgreSQL the requests really run in parallel on the pool; on PGlite they
 * interleave at every await.
 */

const CONCURRENCY = 50;

let testDb: TestDatabase;
let app: App;
let course: BuiltCourse;
let learners: SessionUser[];
/** More rounds where requests truly run in parallel. */
const rounds = () => (testDb.db.engine === 'pglite' ? 8 : 20);

beforeAll(async () => {
  testDb = await createTestDatabase();
  const owner = await makeUser(testDb.db, 'instructor', 'owner');
  course = await buildCourse(testDb.db, owner, { course: { accessType: 'paid', priceCents: 2000 } });
  learners = [];
  for (let i = 0; i < CONCURRENCY; i++) learners.push(await makeUser(testDb.db, 'student', `racer${i}`));
  app = buildApp({ config: testConfig({ DATABASE_POOL_SIZE: '20' }), db: testDb.db });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

async function race(code: string, who: (i: number) => SessionUser) {
  // This suite is about the caps, not the per-learner limit on tries with a code (tested elsewhere):
  // forget earlier rounds' tries so that the 50 of this round are all answered.
  await testDb.db.asSystem((tx) =>
    sql`delete from private.rate_limit_events where bucket = ${PROMO_CHECKOUT_LIMIT.bucket}`.execute(tx),
  );
  const results = await Promise.all(
    Array.from({ length: CONCURRENCY }, (_, i) =>
      call(app, 'POST', '/api/payments/checkout', who(i), {
        item: { type: 'course', courseId: course.id },
        promoCode: code,
      }),
    ),
  );
  const statuses = results.map((r) => (r.statusCode === 200 ? 'ok' : r.json().error.code));
  const held = await testDb.db.asSystem(async (tx) => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from private.promo_redemptions r
        join public.promotional_codes pc on pc.id = r.promo_code_id
       where pc.code = ${code} and r.status <> 'released'`.execute(tx);
    return rows[0]!.n;
  });
  return {
    ok: statuses.filter((s) => s === 'ok').length,
    usedUp: statuses.filter((s) => s === 'promo_used_up').length,
    held,
  };
}

describe('coupon race', () => {
  it(`total cap 1: of ${CONCURRENCY} learners at once, exactly one reserves the code (repeated)`, async () => {
    for (let round = 0; round < rounds(); round++) {
      const code = `RACE${round}T${Date.now().toString(36).toUpperCase()}`;
      await insertCode(testDb.db, { code, discountValue: 30, maxUses: 1, maxUsesPerUser: null });
      expect(await race(code, (i) => learners[i]!)).toEqual({ ok: 1, usedUp: CONCURRENCY - 1, held: 1 });
    }
  }, 120_000);

  it(`per-user cap 1: one learner in ${CONCURRENCY} tabs at once reserves it once (repeated)`, async () => {
    for (let round = 0; round < rounds(); round++) {
      const code = `SELF${round}T${Date.now().toString(36).toUpperCase()}`;
      await insertCode(testDb.db, { code, discountValue: 30, maxUses: null, maxUsesPerUser: 1 });
      expect(await race(code, () => learners[round % CONCURRENCY]!)).toEqual({
        ok: 1,
        usedUp: CONCURRENCY - 1,
        held: 1,
      });
    }
  }, 120_000);

  it('control: with a cap of 3 exactly three win (the check counts, it does not just refuse)', async () => {
    const code = `CAP3T${Date.now().toString(36).toUpperCase()}`;
    await insertCode(testDb.db, { code, discountValue: 30, maxUses: 3, maxUsesPerUser: null });
    expect(await race(code, (i) => learners[i]!)).toEqual({ ok: 3, usedUp: CONCURRENCY - 3, held: 3 });
  }, 120_000);
});
