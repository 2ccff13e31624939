import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../tests/helpers/test-app.ts';
import { seededRandom } from '../../../tests/helpers/seeded-random.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import {
  STAND_IN_SECRET_KEY,
  STAND_IN_WEBHOOK_SECRET,
  startStripeStandIn,
  type SignedEvent,
  type StripeStandIn,
} from '../../../tests/helpers/stripe-stand-in.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { call, checkoutSessionId, deliver } from './payments.fixtures.ts';

/**
 * Property: whatever the schedule — Stripe-side changes interleaved with webhook deliveries that
 * are duplicated, shuffled and handled by several concurrent workers, plus learners reloading the
 * success page — the database ends in the reference model's state: a paid session enrols exactly
 * once, a refund or lost dispute takes the access back exactly once, an unpaid one grants nothing.
 *
 * Seeded (PAYMENTS_PROPERTY_SEED) and sized (PAYMENTS_PROPERTY_SCHEDULES) from the environment; by
 * default fewer schedules on PGlite (one connection) than on PostgreSQL, to keep the suite quick.
 * Thousands of schedules (with partial refunds) run in payments.model.db.test.ts, on cheaper
 * primitives; this one keeps the whole path: webhook route, signature, official SDK, stand-in.
 */

type Plan = 'abandon' | 'expire' | 'pay' | 'pay_refund' | 'pay_dispute' | 'pay_refund_dispute';
const PLANS: Plan[] = ['abandon', 'expire', 'pay', 'pay_refund', 'pay_dispute', 'pay_refund_dispute'];
const WORKERS = 4;
const LEARNERS = 5;

let testDb: TestDatabase;
let stripe: StripeStandIn;
let app: App;
let course: BuiltCourse;
let learners: SessionUser[];

/** Seeded draws (tests/helpers/seeded-random.ts), so a failing run replays from its seed. */
function prng(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  stripe = await startStripeStandIn();
  const owner = await makeUser(testDb.db, 'instructor', 'owner');
  course = await buildCourse(testDb.db, owner, { course: { accessType: 'paid', priceCents: 3000 } });
  learners = [];
  for (let i = 0; i < LEARNERS; i++) learners.push(await makeUser(testDb.db, 'student', `p${i}`));
  app = buildApp({
    config: testConfig({
      STRIPE_SECRET_KEY: STAND_IN_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: STAND_IN_WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
    }),
    db: testDb.db,
  });
  await app.ready();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await stripe?.close();
  await testDb?.close();
});

interface Slot {
  learner: SessionUser;
  plan: Plan;
  checkoutId: string;
  sessionId: string;
  /** Stripe-side steps still to happen, in order; each emits its events. */
  steps: Array<() => SignedEvent[]>;
}

function stepsFor(slot: Omit<Slot, 'steps'>): Slot['steps'] {
  let pi = '';
  const pay = () => {
    pi = stripe.pay(slot.sessionId);
    return [stripe.event('checkout.session.completed', stripe.sessions.get(slot.sessionId)!)];
  };
  const refund = () => {
    const refundId = stripe.refundPayment(pi);
    const charge = [...stripe.charges.values()].find((c) => c.payment_intent === pi)!;
    return [
      stripe.event('charge.refunded', charge),
      stripe.event('refund.created', stripe.refunds.get(refundId)!),
    ];
  };
  const dispute = () => {
    const disputeId = stripe.loseDispute(pi);
    return [
      stripe.event('charge.dispute.created', stripe.disputes.get(disputeId)!),
      stripe.event('charge.dispute.closed', stripe.disputes.get(disputeId)!),
    ];
  };
  const expire = () => {
    stripe.expire(slot.sessionId);
    return [stripe.event('checkout.session.expired', stripe.sessions.get(slot.sessionId)!)];
  };
  switch (slot.plan) {
    case 'abandon':
      return [];
    case 'expire':
      return [expire];
    case 'pay':
      return [pay];
    case 'pay_refund':
      return [pay, refund];
    case 'pay_dispute':
      return [pay, dispute];
    case 'pay_refund_dispute':
      return [pay, refund, dispute];
  }
}

async function runSchedule(seed: number) {
  const rnd = prng(seed);
  await testDb.db.asSystem((tx) =>
    sql`delete from public.enrollments where course_id = ${course.id}`.execute(tx).then(() => undefined),
  );
  const count = 1 + rnd.int(LEARNERS);
  const order = [...learners].sort(() => rnd.next() - 0.5).slice(0, count);
  const slots: Slot[] = [];
  for (const learner of order) {
    const res = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: { type: 'course', courseId: course.id },
    });
    expect(res.statusCode, res.body).toBe(200);
    const checkoutId = res.json().checkoutId as string;
    const base = {
      learner,
      plan: rnd.pick(PLANS),
      checkoutId,
      sessionId: await checkoutSessionId(testDb.db, checkoutId),
    };
    slots.push({ ...base, steps: stepsFor(base) });
  }

  // Deliveries: each emitted event 1–3 times; some "deliveries" are the learner reloading the success page.
  type Delivery = { kind: 'event'; event: SignedEvent } | { kind: 'page'; slot: Slot };
  const pool: Delivery[] = [];
  const emit = (events: SignedEvent[], slot: Slot) => {
    for (const event of events)
      for (let copies = 1 + rnd.int(3); copies > 0; copies--) pool.push({ kind: 'event', event });
    if (rnd.next() < 0.3) pool.push({ kind: 'page', slot });
  };
  const deliverBatch = async () => {
    const batch: Delivery[] = [];
    for (let n = 1 + rnd.int(WORKERS); n > 0 && pool.length > 0; n--)
      batch.push(pool.splice(rnd.int(pool.length), 1)[0]!);
    const results = await Promise.all(
      batch.map((d) =>
        d.kind === 'event'
          ? deliver(app, d.event)
          : call(app, 'GET', `/api/payments/checkouts/${d.slot.checkoutId}`, d.slot.learner),
      ),
    );
    for (const r of results) expect(r.statusCode, r.body).toBe(200);
  };
  while (slots.some((s) => s.steps.length > 0) || pool.length > 0) {
    const pending = slots.filter((s) => s.steps.length > 0);
    if (pending.length > 0 && (pool.length === 0 || rnd.next() < 0.4)) {
      const slot = rnd.pick(pending);
      emit(slot.steps.shift()!(), slot);
    } else await deliverBatch();
  }

  // The reference model, against the database.
  for (const slot of slots) {
    const paid = slot.plan.startsWith('pay');
    const revoked = paid && slot.plan !== 'pay';
    const state = await testDb.db.asSystem(async (tx) => {
      const enrolment = await sql<{ live: boolean; accessType: string }>`
        select (expires_at is null or expires_at > now()) as live, access_type from public.enrollments
         where user_id = ${slot.learner.id} and course_id = ${course.id} and transaction_id = ${slot.checkoutId}`.execute(
        tx,
      );
      const rows = await sql<{ type: string; status: string }>`
        select type, status from public.payment_transactions where metadata ->> 'checkout_id' = ${slot.checkoutId}
         order by type`.execute(tx);
      const checkout = await sql<{ fulfilled: boolean; revoked: boolean }>`
        select fulfilled_at is not null as fulfilled, revoked_at is not null as revoked
          from private.checkout_sessions where id = ${slot.checkoutId}`.execute(tx);
      return { enrolment: enrolment.rows, rows: rows.rows, checkout: checkout.rows[0] };
    });
    const expected = {
      enrolment: paid ? [{ live: !revoked, accessType: 'purchased' }] : [],
      rows: paid
        ? revoked
          ? [
              { type: 'purchase', status: 'refunded' },
              { type: 'refund', status: 'completed' },
            ]
          : [{ type: 'purchase', status: 'completed' }]
        : [],
      checkout: { fulfilled: paid, revoked },
    };
    expect(state, `seed ${seed}, plan ${slot.plan}`).toEqual(expected);
  }
}

describe('any schedule of webhook events ends in the reference model', () => {
  it('holds for random schedules with duplicates, shuffling and concurrent workers', async () => {
    const seed = Number(process.env.PAYMENTS_PROPERTY_SEED ?? Date.now() % 1_000_000);
    const schedules = Number(
      process.env.PAYMENTS_PROPERTY_SCHEDULES ?? (testDb.db.engine === 'pglite' ? 100 : 150),
    );
    for (let i = 0; i < schedules; i++) await runSchedule(seed + i);
    // Every event id was stored once (the primary key), and nothing unknown was asked of Stripe.
    expect(stripe.unhandled).toEqual([]);
  }, 180_000);
});
