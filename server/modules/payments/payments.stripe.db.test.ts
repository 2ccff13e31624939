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
import { syncProfileSubscription } from './payments.queries.ts';

/**
 * Stripe end to end through the official SDK against a local stand-in: checkout, webhooks (signed,
 * verified on the raw body), refunds, lost disputes, renewals — all through app.inject.
 */

let testDb: TestDatabase;
let stripe: StripeStandIn;
let app: App;
let owner: SessionUser;
let admin: SessionUser;
let course: BuiltCourse;

const PRICE = 4900;

beforeAll(async () => {
  testDb = await createTestDatabase();
  stripe = await startStripeStandIn();
  owner = await makeUser(testDb.db, 'instructor', 'ada');
  admin = await makeUser(testDb.db, 'admin', 'root');
  course = await buildCourse(testDb.db, owner, {
    course: { title: 'Paid Compilers', accessType: 'paid', priceCents: PRICE },
  });
  app = buildApp({
    config: testConfig({
      STRIPE_SECRET_KEY: STAND_IN_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: STAND_IN_WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
      PUBLIC_URL: 'https://learn.example.test',
    }),
    db: testDb.db,
  });
  await app.ready();
});

afterEach(() => {
  // A request the stand-in does not implement means the module called Stripe in an unknown way.
  expect(stripe.unhandled).toEqual([]);
});

afterAll(async () => {
  await app?.close();
  await stripe?.close();
  await testDb?.close();
});

async function buy(learner: SessionUser, body: Record<string, unknown> = {}) {
  const res = await call(app, 'POST', '/api/payments/checkout', learner, {
    item: { type: 'course', courseId: course.id },
    ...body,
  });
  expect(res.statusCode, res.body).toBe(200);
  const { checkoutId, url } = res.json();
  return {
    checkoutId: checkoutId as string,
    url: url as string,
    sessionId: await checkoutSessionId(testDb.db, checkoutId),
  };
}

async function paidAndNotified(learner: SessionUser) {
  const bought = await buy(learner);
  const paymentIntent = stripe.pay(bought.sessionId);
  const res = await deliver(
    app,
    stripe.event('checkout.session.completed', stripe.sessions.get(bought.sessionId)!),
  );
  expect(res.statusCode, res.body).toBe(200);
  return { ...bought, paymentIntent };
}

describe('checkout through Stripe', () => {
  it('prices on the server, keys the call with our id, and enrols only when the verified webhook says paid', async () => {
    const learner = await makeUser(testDb.db, 'student', 'grace');
    const { checkoutId, url, sessionId } = await buy(learner);
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.test\//);
    const create = stripe.requests.find((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST')!;
    expect(create.idempotencyKey).toBe(`checkout:${checkoutId}`);
    expect(create.body).toMatchObject({
      mode: 'payment',
      line_items: { '0': { price_data: { unit_amount: String(PRICE), currency: 'usd' } } },
      metadata: { checkout_id: checkoutId },
      success_url: `https://learn.example.test/checkout/${checkoutId}/success`,
    });

    // Back from Stripe without paying: the success page asks Stripe and finds nothing paid.
    const unpaid = await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, learner);
    expect(unpaid.json().status).toBe('open');
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();

    stripe.pay(sessionId);
    const res = await deliver(
      app,
      stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!),
    );
    expect(res.json()).toEqual({ received: true, outcome: 'processed' });
    expect(await accessOf(testDb.db, learner.id, course.id)).toEqual({
      accessType: 'purchased',
      live: true,
      paymentMethod: 'stripe',
      paymentAmountCents: PRICE,
      promotionalCodeUsed: null,
    });
    expect(await transactionsOf(testDb.db, learner.id)).toEqual([
      expect.objectContaining({ type: 'purchase', status: 'completed', amountCents: PRICE }),
    ]);
    const page = await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, learner);
    expect(page.json()).toMatchObject({ status: 'paid', amountCents: PRICE, courseSlug: course.slug });
    // Buying again is refused: the learner has access.
    const again = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: { type: 'course', courseId: course.id },
    });
    expect(again.json().error.code).toBe('already_enrolled');
  });

  it('the success page alone fulfils a paid session whose webhook has not arrived yet (re-fetch, server side)', async () => {
    const learner = await makeUser(testDb.db, 'student', 'linus');
    const { checkoutId, sessionId } = await buy(learner);
    stripe.pay(sessionId);
    const page = await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, learner);
    expect(page.json().status).toBe('paid');
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(true);
    // The late webhook then changes nothing.
    await deliver(app, stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!));
    expect(await transactionsOf(testDb.db, learner.id)).toHaveLength(1);
  });

  it("another learner cannot read or pay someone else's checkout (404)", async () => {
    const learner = await makeUser(testDb.db, 'student', 'owner');
    const other = await makeUser(testDb.db, 'student', 'other');
    const { checkoutId } = await buy(learner);
    expect((await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, other)).statusCode).toBe(404);
    expect((await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`)).statusCode).toBe(401);
  });
});

describe('webhook signatures (verified on the raw body)', () => {
  async function signedCompletion() {
    const learner = await makeUser(testDb.db, 'student', 'sig');
    const { sessionId } = await buy(learner);
    stripe.pay(sessionId);
    return { learner, session: stripe.sessions.get(sessionId)! };
  }

  it('a valid signature is accepted (2xx) and fulfils', async () => {
    const { learner, session } = await signedCompletion();
    const res = await deliver(app, stripe.event('checkout.session.completed', session));
    expect(res.statusCode).toBe(200);
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(true);
  });

  type Tamper = [string, (e: SignedEvent) => SignedEvent, { secret?: string; timestamp?: number }];
  const tampered: Tamper[] = [
    ['a wrong secret', (e) => e, { secret: 'whsec_someone_else' }],
    ['a missing header', (e) => ({ ...e, signature: '' }), {}],
    ['a re-serialised body', (e) => ({ ...e, body: JSON.stringify(JSON.parse(e.body), null, 2) }), {}],
    ['a stale timestamp', (e) => e, { timestamp: Math.floor(Date.now() / 1000) - 600 }],
  ];
  it.each(tampered)('%s → 400 invalid_signature, nothing fulfilled', async (_name, alter, options) => {
    const { learner, session } = await signedCompletion();
    const event = alter(stripe.event('checkout.session.completed', session, options));
    const res =
      event.signature === ''
        ? await app.inject({
            method: 'POST',
            url: '/api/payments/webhooks/stripe',
            payload: event.body,
            headers: { 'content-type': 'application/json' },
          })
        : await deliver(app, event);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_signature');
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();
    const seen = await testDb.db.asSystem((tx) =>
      sql<{
        n: number;
      }>`select count(*)::int as n from private.payment_events where id = ${event.id}`.execute(tx),
    );
    expect(seen.rows[0]!.n).toBe(0);
  });

  it('an event delivered twice is processed once', async () => {
    const { learner, session } = await signedCompletion();
    const event = stripe.event('checkout.session.completed', session);
    expect((await deliver(app, event)).json().outcome).toBe('processed');
    expect((await deliver(app, event)).json().outcome).toBe('duplicate');
    expect(await transactionsOf(testDb.db, learner.id)).toHaveLength(1);
  });
});

describe('refunds and disputes', () => {
  it('an admin refund goes through Stripe (keyed by our id) and ends the access and the certificate, once', async () => {
    const learner = await makeUser(testDb.db, 'student', 'refunded');
    const { checkoutId, paymentIntent } = await paidAndNotified(learner);
    for (const lesson of course.lessonIds) await completeLesson(testDb.db, learner, lesson);
    const certificates = () =>
      testDb.db.asSystem(async (tx) => {
        const { rows } = await sql<{ revoked: boolean }>`
          select revoked_at is not null as revoked from public.certificates
           where user_id = ${learner.id} and course_id = ${course.id}`.execute(tx);
        return rows;
      });
    expect(await certificates()).toEqual([{ revoked: false }]);

    // Learners may not refund.
    expect(
      (await call(app, 'POST', `/api/admin/payments/checkouts/${checkoutId}/refund`, learner)).statusCode,
    ).toBe(404);
    const res = await call(app, 'POST', `/api/admin/payments/checkouts/${checkoutId}/refund`, admin);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ checkoutId, status: 'refunded' });
    const refundCall = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/refunds')!;
    expect(refundCall.idempotencyKey).toBe(`refund:${checkoutId}`);
    expect(refundCall.body).toEqual({ payment_intent: paymentIntent });

    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
    expect(await certificates()).toEqual([{ revoked: true }]);
    // Stripe's webhooks for the refund then change nothing more.
    const charge = [...stripe.charges.values()].find((c) => c.payment_intent === paymentIntent)!;
    expect((await deliver(app, stripe.event('charge.refunded', charge))).statusCode).toBe(200);
    const refund = [...stripe.refunds.values()].find((r) => r.payment_intent === paymentIntent)!;
    expect((await deliver(app, stripe.event('refund.updated', refund))).statusCode).toBe(200);
    const rows = await transactionsOf(testDb.db, learner.id);
    expect(rows.map((r) => [r.type, r.status])).toEqual([
      ['purchase', 'refunded'],
      ['refund', 'completed'],
    ]);
    expect(
      (await call(app, 'POST', `/api/admin/payments/checkouts/${checkoutId}/refund`, admin)).json().error
        .code,
    ).toBe('not_refundable');
  });

  it('a refund whose webhook arrives before the completion still ends with no access (any order)', async () => {
    const learner = await makeUser(testDb.db, 'student', 'early');
    const { sessionId } = await buy(learner);
    const pi = stripe.pay(sessionId);
    stripe.refundPayment(pi);
    const charge = [...stripe.charges.values()].find((c) => c.payment_intent === pi)!;
    await deliver(app, stripe.event('charge.refunded', charge));
    await deliver(app, stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!));
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => r.type)).toEqual(['purchase', 'refund']);
  });

  it('a lost dispute revokes the access', async () => {
    const learner = await makeUser(testDb.db, 'student', 'disputed');
    const { paymentIntent } = await paidAndNotified(learner);
    const disputeId = stripe.loseDispute(paymentIntent);
    const res = await deliver(app, stripe.event('charge.dispute.closed', stripe.disputes.get(disputeId)!));
    expect(res.statusCode).toBe(200);
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
  });

  it('an expired session releases the promotional code it reserved', async () => {
    const code = `EXP${Date.now()}`;
    await insertCode(testDb.db, { code, discountValue: 10, maxUses: 1 });
    const first = await makeUser(testDb.db, 'student', 'abandons');
    const second = await makeUser(testDb.db, 'student', 'next');
    const { sessionId } = await buy(first, { promoCode: code });
    const blocked = await call(app, 'POST', '/api/payments/checkout', second, {
      item: { type: 'course', courseId: course.id },
      promoCode: code,
    });
    expect(blocked.json().error.code).toBe('promo_used_up');
    stripe.expire(sessionId);
    await deliver(app, stripe.event('checkout.session.expired', stripe.sessions.get(sessionId)!));
    const after = await call(app, 'POST', '/api/payments/checkout', second, {
      item: { type: 'course', courseId: course.id },
      promoCode: code,
    });
    expect(after.statusCode, after.body).toBe(200);
  });
});

describe('a delayed payment that fails', () => {
  it('enrols nobody, records the failure once and releases the code', async () => {
    const code = `ASYNC${Date.now()}`;
    await insertCode(testDb.db, { code, discountValue: 10, maxUses: 1 });
    const learner = await makeUser(testDb.db, 'student', 'debit');
    const { checkoutId, sessionId } = await buy(learner, { promoCode: code });
    stripe.failAsync(sessionId);
    const event = stripe.event('checkout.session.async_payment_failed', stripe.sessions.get(sessionId)!);
    await deliver(app, event);
    await deliver(app, stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!));
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status])).toEqual([
      ['purchase', 'failed'],
    ]);
    expect((await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, learner)).json().status).toBe(
      'failed',
    );
    const other = await makeUser(testDb.db, 'student', 'after-debit');
    const res = await call(app, 'POST', '/api/payments/checkout', other, {
      item: { type: 'course', courseId: course.id },
      promoCode: code,
    });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('cancelling', () => {
  it('the cancel page expires the Stripe session (keyed by our id) and releases the code at once; a paid one stays paid', async () => {
    const code = `CXL${Date.now()}`;
    await insertCode(testDb.db, { code, discountValue: 10, maxUses: 1 });
    const first = await makeUser(testDb.db, 'student', 'cancels');
    const second = await makeUser(testDb.db, 'student', 'waits');
    const { checkoutId, sessionId } = await buy(first, { promoCode: code });
    const res = await call(app, 'POST', `/api/payments/checkouts/${checkoutId}/cancel`, first);
    expect(res.json().status).toBe('expired');
    expect(stripe.sessions.get(sessionId)!.status).toBe('expired');
    const expire = stripe.requests.find((r) => r.path === `/v1/checkout/sessions/${sessionId}/expire`)!;
    expect(expire.idempotencyKey).toBe(`expire:${checkoutId}`);
    const next = await call(app, 'POST', '/api/payments/checkout', second, {
      item: { type: 'course', courseId: course.id },
      promoCode: code,
    });
    expect(next.statusCode, next.body).toBe(200);

    // Paid on Stripe before the learner pressed "back": cancelling changes nothing, the access is granted.
    const third = await makeUser(testDb.db, 'student', 'paidfirst');
    const paid = await buy(third);
    stripe.pay(paid.sessionId);
    expect(
      (await call(app, 'POST', `/api/payments/checkouts/${paid.checkoutId}/cancel`, third)).json().status,
    ).toBe('paid');
    expect((await accessOf(testDb.db, third.id, course.id))?.live).toBe(true);
  });
});

describe('subscriptions', () => {
  it('a plan checkout sets the profile; a failed renewal emails the learner and keeps access to period end', async () => {
    const learner = await makeUser(testDb.db, 'student', 'subscriber');
    const plans = (await call(app, 'GET', '/api/payments/plans')).json().plans as Array<{
      id: string;
      tier: string;
      billingInterval: string;
    }>;
    const premium = plans.find((p) => p.tier === 'premium' && p.billingInterval === 'month')!;
    const res = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: { type: 'plan', planId: premium.id },
    });
    expect(res.statusCode, res.body).toBe(200);
    const sessionId = await checkoutSessionId(testDb.db, res.json().checkoutId);
    expect(stripe.sessions.get(sessionId)!.mode).toBe('subscription');
    const invoiceId = stripe.pay(sessionId);
    await deliver(app, stripe.event('checkout.session.completed', stripe.sessions.get(sessionId)!));
    await deliver(app, stripe.event('invoice.paid', stripe.invoices.get(invoiceId)!));
    const profile = () =>
      testDb.db.asSystem(async (tx) =>
        tx
          .selectFrom('profiles')
          .where('id', '=', learner.id)
          .select(['subscriptionStatus', 'subscriptionTier', 'subscriptionExpiresAt', 'stripeCustomerId'])
          .executeTakeFirstOrThrow(),
      );
    const active = await profile();
    expect(active).toMatchObject({ subscriptionStatus: 'active', subscriptionTier: 'premium' });
    expect(active.stripeCustomerId).toMatch(/^cus_/);
    expect(new Date(active.subscriptionExpiresAt!).getTime()).toBeGreaterThan(Date.now());
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status])).toEqual([
      ['subscription', 'completed'],
    ]);

    const subscriptionId = String(stripe.sessions.get(sessionId)!.subscription);
    const failed = stripe.renew(subscriptionId, 'failed');
    const event = stripe.event('invoice.payment_failed', stripe.invoices.get(failed)!);
    await deliver(app, event);
    await deliver(app, event);
    const pastDue = await profile();
    expect(pastDue.subscriptionStatus).toBe('past_due');
    expect(pastDue.subscriptionExpiresAt).toEqual(active.subscriptionExpiresAt);
    const mails = await testDb.db.asSystem((tx) =>
      tx
        .selectFrom('mailOutbox')
        .where('template', '=', 'payment_failed')
        .select(['toAddress', 'subject'])
        .execute(),
    );
    expect(mails).toHaveLength(1);
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status])).toEqual([
      ['subscription', 'completed'],
      ['subscription', 'failed'],
    ]);

    const paid = stripe.renew(subscriptionId, 'paid');
    await deliver(app, stripe.event('invoice.paid', stripe.invoices.get(paid)!));
    expect((await profile()).subscriptionStatus).toBe('active');
    // The billing portal opens for the subscriber's Stripe customer; a learner without one gets 404.
    const portal = await call(app, 'POST', '/api/payments/portal', learner);
    expect(portal.json()).toEqual({ url: `https://billing.stripe.test/${active.stripeCustomerId}` });
    expect((await call(app, 'POST', '/api/payments/portal', admin)).statusCode).toBe(404);

    stripe.cancelSubscription(subscriptionId);
    await deliver(
      app,
      stripe.event('customer.subscription.deleted', stripe.subscriptions.get(subscriptionId)!),
    );
    expect((await profile()).subscriptionStatus).toBe('cancelled');
  });
});

describe('subscription reads from several workers', () => {
  it('a read fetched before the last one applied changes nothing (no going back to a stale state)', async () => {
    const learner = await makeUser(testDb.db, 'student', 'stale');
    const base = {
      subscriptionId: `sub_stale_${learner.id}`,
      userId: learner.id,
      planId: null,
      customerId: null,
    };
    const newer = new Date();
    const older = new Date(newer.getTime() - 1000);
    const periodEnd = new Date(Date.now() + 10 * 86_400_000);
    const apply = (fetchedAt: Date, status: string) =>
      testDb.db.asSystem((tx) => syncProfileSubscription(tx, { ...base, fetchedAt, status, periodEnd }));
    expect(await apply(newer, 'past_due')).toBe(true);
    expect(await apply(older, 'active')).toBe(false);
    const status = await testDb.db.asSystem((tx) =>
      tx
        .selectFrom('profiles')
        .where('id', '=', learner.id)
        .select('subscriptionStatus')
        .executeTakeFirstOrThrow(),
    );
    expect(status.subscriptionStatus).toBe('past_due');
    expect(await apply(new Date(newer.getTime() + 1000), 'active')).toBe(true);
  });
});
