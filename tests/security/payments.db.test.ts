import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../server/db/session.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../../server/modules/courses/courses.fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts';
import { isDenial } from './harness.ts';

/**
 * Payments in the database: a signed-in user (even an admin) cannot reach the fulfilment
 * functions or the private payment tables with SQL, sees only their own checkout, and cannot
 * change a plan unless they are an admin. Only the system's named paths fulfil or revoke.
 */

let t: TestDatabase;
let learner: SessionUser;
let other: SessionUser;
let admin: SessionUser;
let course: BuiltCourse;
let checkoutId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const owner = await makeUser(t.db, 'instructor', 'owner');
  learner = await makeUser(t.db, 'student', 'learner');
  other = await makeUser(t.db, 'student', 'other');
  admin = await makeUser(t.db, 'admin', 'admin');
  course = await buildCourse(t.db, owner, { course: { accessType: 'paid', priceCents: 1000 } });
  checkoutId = await t.db.asSystem(async (tx) => {
    const { rows } = await sql<{ id: string }>`
      insert into private.checkout_sessions (user_id, product_type, course_id, product_name, list_price_cents,
                                             amount_cents, provider, expires_at)
      values (${learner.id}, 'course', ${course.id}, 'Paid', 1000, 1000, 'test_checkout', now() + interval '1 hour')
      returning id`.execute(tx);
    return rows[0]!.id;
  });
});

afterAll(async () => {
  await t?.close();
});

async function attempt(user: SessionUser, query: string) {
  try {
    await t.db.asUser(user, (tx) => sql.raw(query).execute(tx));
    return 'allowed';
  } catch (error) {
    return isDenial(error) ? 'denied' : `error: ${(error as Error).message}`;
  }
}

describe('payments: what SQL as a signed-in user cannot do', () => {
  it.each([
    [
      'fulfil a checkout',
      (id: string) => `select private.fulfil_checkout('${id}', 'pi_x', null, null, null)`,
    ],
    ['revoke a checkout', (id: string) => `select private.revoke_checkout('${id}', 'refunded', null, null)`],
    ['expire a checkout', (id: string) => `select private.expire_checkout('${id}', 'expired')`],
    [
      'settle (refund) a checkout',
      (id: string) =>
        `select private.settle_checkout('${id}', '[{"id":"re_x","amount_cents":1}]'::jsonb, true)`,
    ],
    [
      'settle (revoke) a subscription invoice',
      () =>
        `select private.settle_invoice('in_x', 'stripe', 'sub_x', null, null, 1, 'USD', now(), now(), '[]'::jsonb, true, null, 'x')`,
    ],
    ['read subscription invoices', () => 'select * from private.subscription_invoices'],
    ['read the test checkout’s invoices', () => 'select * from private.test_checkout_invoices'],
    ['reserve a code', (id: string) => `select * from private.reserve_promo('${id}', 'ANY')`],
    [
      'ask a code outside the rate-limited route',
      () => `select * from private.promo_outcome('ANY', null, 'course', null, 100)`,
    ],
    ['read checkouts', () => 'select * from private.checkout_sessions'],
    ['read redemptions', () => 'select * from private.promo_redemptions'],
    ['read webhook events', () => 'select * from private.payment_events'],
    ['write a plan price directly', () => 'update private.subscription_plans set price_cents = 1'],
    [
      'insert a payment row',
      () =>
        `insert into public.payment_transactions (type, status, amount_cents, product_type, product_name, provider) values ('purchase', 'completed', 0, 'course', 'x', 'stripe')`,
    ],
  ])('cannot %s (learner and admin alike)', async (_name, query) => {
    expect(await attempt(learner, query(checkoutId))).toBe('denied');
    expect(await attempt(admin, query(checkoutId))).toBe('denied');
  });

  it('the enrolment did not happen through any of those attempts (control: the system path does enrol)', async () => {
    const count = () =>
      t.db.asSystem(async (tx) => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from public.enrollments where user_id = ${learner.id} and course_id = ${course.id}`.execute(
          tx,
        );
        return rows[0]!.n;
      });
    expect(await count()).toBe(0);
    await t.db.asSystem((tx) =>
      sql`select private.fulfil_checkout(${checkoutId}, 'pi_x', null, null, null)`.execute(tx),
    );
    expect(await count()).toBe(1);
  });

  it('a checkout is readable by its owner only', async () => {
    const read = (user: SessionUser) =>
      t.db.asUser(user, async (tx) => {
        const { rows } = await sql<{
          id: string;
        }>`select id from private.own_checkout(${checkoutId}::uuid)`.execute(tx);
        return rows.map((r) => r.id);
      });
    expect(await read(learner)).toEqual([checkoutId]);
    expect(await read(other)).toEqual([]);
    expect(await read(admin)).toEqual([]);
  });

  it('only an admin may change a plan', async () => {
    const planId = await t.db.asSystem(async (tx) => {
      const { rows } = await sql<{ id: string }>`select id from private.subscription_plans limit 1`.execute(
        tx,
      );
      return rows[0]!.id;
    });
    expect(await attempt(learner, `select private.update_plan('${planId}', null, 1, null)`)).toBe('denied');
    expect(await attempt(admin, `select private.update_plan('${planId}', null, 1234, null)`)).toBe('allowed');
    const learnerView = await t.db.asUser(learner, (tx) =>
      sql`select * from private.admin_plans()`.execute(tx),
    );
    expect(learnerView.rows).toEqual([]);
  });
});
