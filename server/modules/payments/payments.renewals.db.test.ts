import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { parseMail, startSmtpServer, type TestSmtpServer } from '../../platform/mail/mail.fixtures.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { call, insertCode, transactionsOf } from './payments.fixtures.ts';

/**
 * The test checkout's subscriptions renew: an admin simulates the provider's next billing (paid,
 * failed or cancelled) and the very same fulfilment a Stripe webhook drives applies it — a failed
 * renewal emails the learner (through the real SMTP test server) and keeps access to the period end.
 */

let testDb: TestDatabase;
let smtp: TestSmtpServer;
let app: App;
let admin: SessionUser;
let clubCourse: BuiltCourse;
let premium: { id: string; priceCents: number; name: string };

const DAY = 86_400_000;

beforeAll(async () => {
  testDb = await createTestDatabase();
  smtp = await startSmtpServer();
  const owner = await makeUser(testDb.db, 'instructor', 'ada');
  admin = await makeUser(testDb.db, 'admin', 'root');
  clubCourse = await buildCourse(testDb.db, owner, {
    course: { title: 'Club', accessType: 'subscription', priceCents: 0 },
  });
  app = buildApp({ config: testConfig({ SMTP_URL: smtp.url }), db: testDb.db });
  await app.ready();
  const plans = (await call(app, 'GET', '/api/payments/plans')).json().plans as Array<{
    id: string;
    tier: string;
    billingInterval: string;
    priceCents: number;
    name: string;
  }>;
  premium = plans.find((p) => p.tier === 'premium' && p.billingInterval === 'month')!;
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await testDb?.close();
});

const profileOf = (userId: string) =>
  testDb.db.asSystem((tx) =>
    tx
      .selectFrom('profiles')
      .where('id', '=', userId)
      .select(['email', 'subscriptionStatus', 'subscriptionTier', 'subscriptionExpiresAt'])
      .executeTakeFirstOrThrow(),
  );

const isEnrolled = (learner: SessionUser, courseId: string) =>
  testDb.db.asUser(learner, async (tx) => {
    const { rows } = await sql<{ ok: boolean }>`select private.is_enrolled(${courseId}::uuid) as ok`.execute(
      tx,
    );
    return rows[0]!.ok;
  });

const expiryOf = async (userId: string) =>
  new Date((await profileOf(userId)).subscriptionExpiresAt!).getTime();

async function subscribe(learner: SessionUser, promoCode?: string) {
  const res = await call(app, 'POST', '/api/payments/checkout', learner, {
    item: { type: 'plan', planId: premium.id },
    ...(promoCode ? { promoCode } : {}),
  });
  expect(res.statusCode, res.body).toBe(200);
  const checkoutId = res.json().checkoutId as string;
  const paid = await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
  expect(paid.json().status).toBe('paid');
  return checkoutId;
}

const simulate = (checkoutId: string, outcome: string, user: SessionUser = admin) =>
  call(app, 'POST', `/api/admin/payments/test-subscriptions/${checkoutId}/simulate`, user, { outcome });

describe('test-checkout subscriptions renew', () => {
  it('paid renewals extend the period at the plan price; a failed one emails the learner and keeps access to the period end', async () => {
    const code = `HALF${Date.now()}`;
    await insertCode(testDb.db, { code, discountValue: 50, applicableTo: 'subscription' });
    const learner = await makeUser(testDb.db, 'student', 'renewing');
    const checkoutId = await subscribe(learner, code);
    expect(
      (await call(app, 'POST', `/api/payments/subscription-enrollment/${clubCourse.id}`, learner)).statusCode,
    ).toBe(200);
    const firstEnd = await expiryOf(learner.id);

    const renewed = await simulate(checkoutId, 'paid');
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.json()).toEqual({ outcome: 'paid', invoiceId: `tcin_${checkoutId}_2` });
    expect(await expiryOf(learner.id)).toBe(firstEnd + 30 * DAY);
    // The code discounted the first period only: the renewal charged the plan's price.
    const half = Math.round(premium.priceCents / 2);
    expect(
      (await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status, r.amountCents]),
    ).toEqual([
      ['subscription', 'completed', premium.priceCents - half],
      ['subscription', 'completed', premium.priceCents],
    ]);

    const before = smtp.received.length;
    const failed = await simulate(checkoutId, 'failed');
    expect(failed.json()).toEqual({ outcome: 'failed', invoiceId: `tcin_${checkoutId}_3` });
    const profile = await profileOf(learner.id);
    expect(profile.subscriptionStatus).toBe('past_due');
    expect(await expiryOf(learner.id)).toBe(firstEnd + 30 * DAY);
    expect(await isEnrolled(learner, clubCourse.id)).toBe(true);
    expect(smtp.received).toHaveLength(before + 1);
    const mail = smtp.received.at(-1)!;
    expect(mail.rcptTo).toEqual([profile.email]);
    const parsed = parseMail(mail.raw);
    expect(parsed.headers.subject).toMatch(/^We could not renew your .* subscription$/);
    const text = parsed.parts.map((p) => p.body).join('\n');
    expect(text).toContain(`renewal of your ${premium.name} subscription`);
    expect(text).toContain('You keep access until');
    expect((await transactionsOf(testDb.db, learner.id)).at(-1)).toMatchObject({
      type: 'subscription',
      status: 'failed',
      amountCents: premium.priceCents,
    });

    // The retry succeeds: active again, the period after the last paid one.
    await simulate(checkoutId, 'paid');
    expect((await profileOf(learner.id)).subscriptionStatus).toBe('active');
    expect(await expiryOf(learner.id)).toBe(firstEnd + 60 * DAY);

    // Cancelled: access lasts until the paid period ends, and nothing renews any more.
    expect((await simulate(checkoutId, 'cancelled')).json()).toEqual({
      outcome: 'cancelled',
      invoiceId: null,
    });
    expect((await profileOf(learner.id)).subscriptionStatus).toBe('cancelled');
    expect(await isEnrolled(learner, clubCourse.id)).toBe(true);
    expect((await simulate(checkoutId, 'paid')).statusCode).toBe(409);
  });

  it('an admin refund of a test renewal takes its period back', async () => {
    const learner = await makeUser(testDb.db, 'student', 'refundrenewal');
    const checkoutId = await subscribe(learner);
    const firstEnd = await expiryOf(learner.id);
    await simulate(checkoutId, 'paid');
    const renewalId = await testDb.db.asSystem(async (tx) => {
      const { rows } = await sql<{ id: string }>`
        select id from public.payment_transactions where provider_transaction_id = ${`tcin_${checkoutId}_2`}`.execute(
        tx,
      );
      return rows[0]!.id;
    });
    const res = await call(app, 'POST', `/api/admin/payments/transactions/${renewalId}/refund`, admin);
    expect(res.json()).toEqual({ transactionId: renewalId, status: 'refunded' });
    expect(await expiryOf(learner.id)).toBe(firstEnd);
    // A refunded period that had not ended cancels the subscription: nothing renews any more.
    expect((await profileOf(learner.id)).subscriptionStatus).toBe('cancelled');
    expect((await simulate(checkoutId, 'paid')).statusCode).toBe(409);
    // Refunding the first payment too ends the access now.
    const first = await call(app, 'POST', `/api/admin/payments/checkouts/${checkoutId}/refund`, admin);
    expect(first.json()).toEqual({ checkoutId, status: 'refunded' });
    expect(await expiryOf(learner.id)).toBeLessThanOrEqual(Date.now());
    expect((await transactionsOf(testDb.db, learner.id)).map((r) => [r.type, r.status])).toEqual([
      ['subscription', 'refunded'],
      ['subscription', 'refunded'],
      ['refund', 'completed'],
      ['refund', 'completed'],
    ]);
  });

  it('only admins simulate, only for paid test subscriptions', async () => {
    const learner = await makeUser(testDb.db, 'student', 'nosim');
    const checkoutId = await subscribe(learner);
    expect((await simulate(checkoutId, 'paid', learner)).statusCode).toBe(404);
    expect((await simulate(checkoutId, 'sideways')).statusCode).toBe(400);
    const open = (
      await call(app, 'POST', '/api/payments/checkout', await makeUser(testDb.db, 'student', 'unpaid'), {
        item: { type: 'plan', planId: premium.id },
      })
    ).json().checkoutId as string;
    expect((await simulate(open, 'paid')).statusCode).toBe(409);
  });
});
