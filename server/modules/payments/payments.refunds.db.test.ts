import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../tests/helpers/test-app.ts';
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
import { buildCourse, completeLesson, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import {
  accessOf,
  call,
  checkoutSessionId,
  deliver,
  insertCode,
  transactionsOf,
} from './payments.fixtures.ts';

/**
 * Through Stripe (the official SDK against the local stand-in): partial refunds, refunds and lost
 * disputes of subscription payments (renewals included), and a code on a subscription discounting
 * the first period only.
 */

let testDb: TestDatabase;
let stripe: StripeStandIn;
let app: App;
let owner: SessionUser;
let admin: SessionUser;
let course: BuiltCourse;
let clubCourse: BuiltCourse;
let premiumMonthly: { id: string; priceCents: number };

const PRICE = 6000;

beforeAll(async () => {
  testDb = await createTestDatabase();
  stripe = await startStripeStandIn();
  owner = await makeUser(testDb.db, 'instructor', 'ada');
  admin = await makeUser(testDb.db, 'admin', 'root');
  course = await buildCourse(testDb.db, owner, {
    course: { title: 'Refundable', accessType: 'paid', priceCents: PRICE },
  });
  clubCourse = await buildCourse(testDb.db, owner, {
    course: { title: 'Club', accessType: 'subscription', priceCents: 0 },
  });
  app = buildApp({
    config: testConfig({
      STRIPE_SECRET_KEY: STAND_IN_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: STAND_IN_WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
    }),
    db: testDb.db,
  });
  await app.ready();
  const plans = (await call(app, 'GET', '/api/payments/plans')).json().plans as Array<{
    id: string;
    tier: string;
    billingInterval: string;
    priceCents: number;
  }>;
  premiumMonthly = plans.find((p) => p.tier === 'premium' && p.billingInterval === 'month')!;
});

afterEach(() => {
  expect(stripe.unhandled).toEqual([]);
});

afterAll(async () => {
  await app?.close();
  await stripe?.close();
  await testDb?.close();
});

async function deliverAll(events: SignedEvent[]) {
  for (const event of events) {
    const res = await deliver(app, event);
    expect(res.statusCode, res.body).toBe(200);
  }
}

const chargeOf = (pi: string) => [...stripe.charges.values()].find((c) => c.payment_intent === pi)!;
const refundEvents = (pi: string, refundId: string) => [
  stripe.event('charge.refunded', chargeOf(pi)),
  stripe.event('refund.created', stripe.refunds.get(refundId)!),
];

async function buyCourse(learner: SessionUser) {
  const res = await call(app, 'POST', '/api/payments/checkout', learner, {
    item: { type: 'course', courseId: course.id },
  });
  expect(res.statusCode, res.body).toBe(200);
  const sessionId = await checkoutSessionId(testDb.db, res.json().checkoutId);
  const pi = stripe.pay(sessionId);
  await deliverAll([stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!)]);
  return { checkoutId: res.json().checkoutId as string, pi };
}

async function subscribe(learner: SessionUser, promoCode?: string) {
  const res = await call(app, 'POST', '/api/payments/checkout', learner, {
    item: { type: 'plan', planId: premiumMonthly.id },
    ...(promoCode ? { promoCode } : {}),
  });
  expect(res.statusCode, res.body).toBe(200);
  const checkoutId = res.json().checkoutId as string;
  const sessionId = await checkoutSessionId(testDb.db, checkoutId);
  const firstInvoice = stripe.pay(sessionId);
  await deliverAll([
    stripe.event('invoice.paid', stripe.invoices.get(firstInvoice)!),
    stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!),
  ]);
  return {
    checkoutId,
    sessionId,
    firstInvoice,
    subscriptionId: String(stripe.sessions.get(sessionId)!.subscription),
  };
}

const profileOf = (userId: string) =>
  testDb.db.asSystem((tx) =>
    tx
      .selectFrom('profiles')
      .where('id', '=', userId)
      .select(['subscriptionStatus', 'subscriptionTier', 'subscriptionExpiresAt'])
      .executeTakeFirstOrThrow(),
  );

/** Whether the learner, under their own role, counts as enrolled in the course right now. */
const isEnrolled = (learner: SessionUser, courseId: string) =>
  testDb.db.asUser(learner, async (tx) => {
    const { rows } = await sql<{ ok: boolean }>`select private.is_enrolled(${courseId}::uuid) as ok`.execute(
      tx,
    );
    return rows[0]!.ok;
  });

const certificatesOf = (userId: string, courseId: string) =>
  testDb.db.asSystem(async (tx) => {
    const { rows } = await sql<{ revoked: boolean }>`
      select revoked_at is not null as revoked from public.certificates
       where user_id = ${userId} and course_id = ${courseId}`.execute(tx);
    return rows;
  });

describe('partial refunds of a course purchase', () => {
  it('each is recorded with its amount and keeps the access; the one that completes the amount revokes, once', async () => {
    const learner = await makeUser(testDb.db, 'student', 'partial');
    const { pi } = await buyCourse(learner);
    const first = stripe.refundPart(pi, 1000);
    await deliverAll(refundEvents(pi, first));
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(true);
    expect(
      (await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status, r.amountCents]),
    ).toEqual([
      ['purchase', 'completed', PRICE],
      ['refund', 'completed', 1000],
    ]);

    const second = stripe.refundPart(pi, 2000);
    await deliverAll(refundEvents(pi, second));
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(true);

    const last = stripe.refundPart(pi, PRICE - 3000);
    const events = refundEvents(pi, last);
    await deliverAll([...events, ...events]);
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
    const rows = await transactionsOf(testDb.db, learner.id);
    expect(
      rows
        .filter((r) => r.type === 'refund')
        .map((r) => r.amountCents)
        .sort(),
    ).toEqual([1000, 2000, 3000]);
    expect(rows.find((r) => r.type === 'purchase')?.status).toBe('refunded');
  });

  it('several partial refunds summing to the amount revoke whatever order their webhooks arrive in', async () => {
    for (const order of [
      [2, 1, 0],
      [1, 2, 0],
      [0, 2, 1],
    ]) {
      const learner = await makeUser(testDb.db, 'student', 'shuffled');
      const { pi } = await buyCourse(learner);
      // All three refunds happen at Stripe before any of their webhooks is delivered.
      const batches = [1500, 1500, PRICE - 3000].map((amount) =>
        refundEvents(pi, stripe.refundPart(pi, amount)),
      );
      // The first webhook delivered already reads Stripe's final state: all three refunds, access ends.
      await deliverAll(batches[order[0]!]!);
      expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
      for (const i of order.slice(1)) await deliverAll(batches[i]!);
      const rows = await transactionsOf(testDb.db, learner.id);
      expect(rows.map((r) => [r.type, r.status])).toEqual([
        ['purchase', 'refunded'],
        ['refund', 'completed'],
        ['refund', 'completed'],
        ['refund', 'completed'],
      ]);
      expect(rows.filter((r) => r.type === 'refund').reduce((sum, r) => sum + r.amountCents, 0)).toBe(PRICE);
    }
  });

  it('a lost dispute after a partial refund revokes, recording what the dispute took back', async () => {
    const learner = await makeUser(testDb.db, 'student', 'partdispute');
    const { pi } = await buyCourse(learner);
    await deliverAll(refundEvents(pi, stripe.refundPart(pi, 1000)));
    const dispute = stripe.loseDispute(pi);
    await deliverAll([stripe.event('charge.dispute.closed', stripe.disputes.get(dispute)!)]);
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
    expect(
      (await transactionsOf(testDb.db, learner.id))
        .filter((r) => r.type === 'refund')
        .map((r) => r.amountCents),
    ).toEqual([1000, PRICE - 1000]);
  });
});

describe('refunds and disputes of subscription payments', () => {
  it('a refunded renewal takes back the period it paid for: access, subscription enrolments, certificates earned in it', async () => {
    const learner = await makeUser(testDb.db, 'student', 'renewed');
    const { subscriptionId } = await subscribe(learner);
    expect(
      (await call(app, 'POST', `/api/payments/subscription-enrollment/${clubCourse.id}`, learner)).statusCode,
    ).toBe(200);
    const firstEnd = (await profileOf(learner.id)).subscriptionExpiresAt!;

    const renewal = stripe.renew(subscriptionId, 'paid');
    await deliverAll([stripe.event('invoice.paid', stripe.invoices.get(renewal)!)]);
    const renewed = await profileOf(learner.id);
    expect(new Date(renewed.subscriptionExpiresAt!).getTime()).toBeGreaterThan(new Date(firstEnd).getTime());
    // A certificate earned while the renewal's period was the paid one (the renewal's period starts
    // where the first ends, in the future: the issue date is moved into it).
    for (const lesson of clubCourse.lessonIds) await completeLesson(testDb.db, learner, lesson);
    await testDb.db.asSystem((tx) =>
      sql`update public.certificates set issued_at = ${new Date(new Date(firstEnd).getTime() + 86_400_000)}
           where user_id = ${learner.id} and course_id = ${clubCourse.id}`.execute(tx),
    );
    expect(await certificatesOf(learner.id, clubCourse.id)).toEqual([{ revoked: false }]);

    // Refunded from the Stripe dashboard: the webhook names only the charge.
    const pi = stripe.invoicePaymentIntent(renewal);
    const refundId = stripe.refundPayment(pi);
    await deliverAll(refundEvents(pi, refundId));

    const after = await profileOf(learner.id);
    expect(after.subscriptionExpiresAt).toEqual(firstEnd);
    expect(await certificatesOf(learner.id, clubCourse.id)).toEqual([{ revoked: true }]);
    const rows = await transactionsOf(testDb.db, learner.id);
    expect(rows.map((r) => [r.type, r.status, r.amountCents])).toEqual([
      ['subscription', 'completed', premiumMonthly.priceCents],
      ['subscription', 'refunded', premiumMonthly.priceCents],
      ['refund', 'completed', premiumMonthly.priceCents],
    ]);
    // A later read of the subscription (still active at Stripe) does not give the refunded period back.
    await deliverAll([
      stripe.event('customer.subscription.updated', stripe.subscriptions.get(subscriptionId)!),
    ]);
    expect((await profileOf(learner.id)).subscriptionExpiresAt).toEqual(firstEnd);
    // The next renewal, paid, gives access for its own period again.
    const next = stripe.renew(subscriptionId, 'paid');
    await deliverAll([stripe.event('invoice.paid', stripe.invoices.get(next)!)]);
    expect(new Date((await profileOf(learner.id)).subscriptionExpiresAt!).getTime()).toBeGreaterThan(
      new Date(renewed.subscriptionExpiresAt!).getTime(),
    );
  });

  it('refunding the current period ends access now, and the subscription course with it', async () => {
    const learner = await makeUser(testDb.db, 'student', 'firstrefund');
    const { checkoutId, firstInvoice, subscriptionId } = await subscribe(learner);
    expect(
      (await call(app, 'POST', `/api/payments/subscription-enrollment/${clubCourse.id}`, learner)).statusCode,
    ).toBe(200);
    expect(await isEnrolled(learner, clubCourse.id)).toBe(true);

    // The admin refunds the first payment (through Stripe, keyed by the invoice).
    const res = await call(app, 'POST', `/api/admin/payments/checkouts/${checkoutId}/refund`, admin);
    expect(res.json()).toEqual({ checkoutId, status: 'refunded' });
    const refundCall = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds').at(-1)!;
    expect(refundCall.idempotencyKey).toBe(`refund:${firstInvoice}`);
    expect(refundCall.body).toEqual({ payment_intent: stripe.invoicePaymentIntent(firstInvoice) });

    expect(new Date((await profileOf(learner.id)).subscriptionExpiresAt!).getTime()).toBeLessThanOrEqual(
      Date.now(),
    );
    expect(await isEnrolled(learner, clubCourse.id)).toBe(false);
    // The period still running was refunded: the subscription is cancelled too (no charge next month).
    const cancel = stripe.requests.find(
      (r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${subscriptionId}`,
    )!;
    expect(cancel.idempotencyKey).toBe(`cancel:${subscriptionId}`);
    expect((await profileOf(learner.id)).subscriptionStatus).toBe('cancelled');
    // Stripe's own webhooks for the refund change nothing more.
    const pi = stripe.invoicePaymentIntent(firstInvoice);
    await deliverAll(refundEvents(pi, [...stripe.refunds.values()].find((r) => r.payment_intent === pi)!.id));
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status])).toEqual([
      ['subscription', 'refunded'],
      ['refund', 'completed'],
    ]);
  });

  it('a lost dispute on a renewal revokes its period; a partial refund of one keeps it', async () => {
    const learner = await makeUser(testDb.db, 'student', 'subdispute');
    const { subscriptionId } = await subscribe(learner);
    const renewal = stripe.renew(subscriptionId, 'paid');
    await deliverAll([stripe.event('invoice.paid', stripe.invoices.get(renewal)!)]);
    const renewedUntil = (await profileOf(learner.id)).subscriptionExpiresAt;
    const pi = stripe.invoicePaymentIntent(renewal);

    await deliverAll(refundEvents(pi, stripe.refundPart(pi, 500)));
    expect((await profileOf(learner.id)).subscriptionExpiresAt).toEqual(renewedUntil);

    const dispute = stripe.loseDispute(pi);
    await deliverAll([stripe.event('charge.dispute.closed', stripe.disputes.get(dispute)!)]);
    expect(new Date((await profileOf(learner.id)).subscriptionExpiresAt!).getTime()).toBeLessThan(
      new Date(renewedUntil!).getTime(),
    );
    expect(
      (await transactionsOf(testDb.db, learner.id))
        .filter((r) => r.type === 'refund')
        .map((r) => r.amountCents),
    ).toEqual([500, premiumMonthly.priceCents - 500]);
  });

  it('admins refund a renewal from the transactions list (by transaction id); learners cannot', async () => {
    const learner = await makeUser(testDb.db, 'student', 'adminrenewal');
    const { subscriptionId } = await subscribe(learner);
    const renewal = stripe.renew(subscriptionId, 'paid');
    await deliverAll([stripe.event('invoice.paid', stripe.invoices.get(renewal)!)]);
    const id = await testDb.db.asSystem(async (tx) => {
      const { rows } = await sql<{ id: string }>`
        select id from public.payment_transactions where provider_transaction_id = ${renewal}`.execute(tx);
      return rows[0]!.id;
    });
    const url = `/api/admin/payments/transactions/${id}/refund`;
    expect((await call(app, 'POST', url, learner)).statusCode).toBe(404);
    const res = await call(app, 'POST', url, admin);
    expect(res.json()).toEqual({ transactionId: id, status: 'refunded' });
    const refundCall = stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds').at(-1)!;
    expect(refundCall.idempotencyKey).toBe(`refund:${renewal}`);
    expect(stripe.subscriptions.get(subscriptionId)!.status).toBe('canceled');
    expect((await call(app, 'POST', url, admin)).json().error.code).toBe('not_refundable');
  });
});

describe('a promotional code on a subscription', () => {
  it('is a one-off Stripe coupon: the first period is discounted, every renewal charges the plan price', async () => {
    const code = `FIRSTMONTH${Date.now()}`;
    await insertCode(testDb.db, { code, discountValue: 50, applicableTo: 'subscription' });
    const learner = await makeUser(testDb.db, 'student', 'coupon');
    const { checkoutId, sessionId, subscriptionId } = await subscribe(learner, code);

    const couponCall = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/coupons')!;
    const discount = Math.round(premiumMonthly.priceCents / 2);
    expect(couponCall.idempotencyKey).toBe(`coupon:${checkoutId}`);
    expect(couponCall.body).toEqual({
      amount_off: String(discount),
      currency: 'usd',
      duration: 'once',
      max_redemptions: '1',
      name: code,
      metadata: { checkout_id: checkoutId },
    });
    const coupon = [...stripe.coupons.values()].find((c) => c.name === code)!;
    const sessionCall = stripe.requests.find(
      (r) =>
        r.method === 'POST' &&
        r.path === '/v1/checkout/sessions' &&
        (r.body.metadata as Record<string, string>).checkout_id === checkoutId,
    )!;
    expect(sessionCall.body).toMatchObject({
      mode: 'subscription',
      line_items: {
        '0': {
          price_data: { unit_amount: String(premiumMonthly.priceCents), recurring: { interval: 'month' } },
        },
      },
      discounts: { '0': { coupon: coupon.id } },
    });
    expect(stripe.sessions.get(sessionId)!.amount_total).toBe(premiumMonthly.priceCents - discount);

    const renewal = stripe.renew(subscriptionId, 'paid');
    await deliverAll([stripe.event('invoice.paid', stripe.invoices.get(renewal)!)]);
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => r.amountCents)).toEqual([
      premiumMonthly.priceCents - discount,
      premiumMonthly.priceCents,
    ]);
  });

  it('a course purchase with a code is charged the discounted amount, without a coupon', async () => {
    const code = `COURSE${Date.now()}`;
    await insertCode(testDb.db, { code, discountValue: 25 });
    const learner = await makeUser(testDb.db, 'student', 'coursecode');
    const before = stripe.requests.filter((r) => r.path === '/v1/coupons').length;
    const res = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: { type: 'course', courseId: course.id },
      promoCode: code,
    });
    const sessionId = await checkoutSessionId(testDb.db, res.json().checkoutId);
    expect(stripe.sessions.get(sessionId)!.amount_total).toBe(PRICE * 0.75);
    expect(stripe.requests.filter((r) => r.path === '/v1/coupons')).toHaveLength(before);
  });
});
