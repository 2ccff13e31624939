import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../tests/helpers/test-app.ts';
import { createTestDatabase, type TestDatabase } from '../../../tests/helpers/test-db.ts';
import { buildApp, type App } from '../../app.ts';
import type { SessionUser } from '../../db/session.ts';
import { buildCourse, makeUser, type BuiltCourse } from '../courses/courses.fixtures.ts';
import { accessOf, call, insertCode, transactionsOf } from './payments.fixtures.ts';
import { PROMO_CHECKOUT_LIMIT, PROMO_QUOTE_LIMIT } from './payments.service.ts';

/**
 * Without Stripe keys: the built-in test checkout, promotional codes, tampering and the admin and
 * instructor views — through app.inject.
 */

let testDb: TestDatabase;
let app: App;
let owner: SessionUser;
let otherOwner: SessionUser;
let admin: SessionUser;
let course: BuiltCourse;
let otherCourse: BuiltCourse;
let freeCourse: BuiltCourse;
let draftCourse: BuiltCourse;

const PRICE = 4900;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb;
  owner = await makeUser(db, 'instructor', 'ada');
  otherOwner = await makeUser(db, 'instructor', 'bob');
  admin = await makeUser(db, 'admin', 'root');
  course = await buildCourse(db, owner, {
    course: { title: 'Paid Compilers', accessType: 'paid', priceCents: PRICE },
  });
  otherCourse = await buildCourse(db, otherOwner, {
    course: { title: 'Other', accessType: 'paid', priceCents: 1000 },
  });
  freeCourse = await buildCourse(db, owner, { course: { title: 'Free' } });
  draftCourse = await buildCourse(db, owner, {
    draft: true,
    course: { accessType: 'paid', priceCents: 900 },
  });
  app = buildApp({ config: testConfig(), db });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await testDb?.close();
});

const courseItem = (id = course.id) => ({ type: 'course', courseId: id });

describe('the test checkout (no Stripe keys)', () => {
  it('says so, and a checkout leads to our own labelled page, not to a provider', async () => {
    expect((await call(app, 'GET', '/api/payments/info')).json()).toEqual({
      provider: 'test_checkout',
      currency: 'USD',
    });
    const learner = await makeUser(testDb.db, 'student', 'grace');
    const res = await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      checkoutId: expect.any(String),
      next: 'redirect',
      url: `/checkout/test/${res.json().checkoutId}`,
    });
  });

  it('opening the success URL without paying enrols nobody; paying runs the real fulfilment', async () => {
    const learner = await makeUser(testDb.db, 'student', 'payer');
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem() })
    ).json();
    const unpaid = await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, learner);
    expect(unpaid.json()).toMatchObject({ status: 'open', amountCents: PRICE, provider: 'test_checkout' });
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();

    const other = await makeUser(testDb.db, 'student', 'intruder');
    expect((await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, other)).statusCode).toBe(
      404,
    );
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();

    const paid = await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toMatchObject({ status: 'paid', courseSlug: course.slug });
    expect(await accessOf(testDb.db, learner.id, course.id)).toEqual({
      accessType: 'purchased',
      live: true,
      paymentMethod: 'test_checkout',
      paymentAmountCents: PRICE,
      promotionalCodeUsed: null,
    });
    // Pressing "Pay" again changes nothing.
    await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
    expect(await transactionsOf(testDb.db, learner.id)).toEqual([
      expect.objectContaining({ type: 'purchase', status: 'completed', amountCents: PRICE }),
    ]);
    const mine = (await call(app, 'GET', '/api/me/purchases', learner)).json();
    expect(mine.transactions).toEqual([
      expect.objectContaining({
        type: 'purchase',
        productName: 'Paid Compilers',
        provider: 'test_checkout',
        checkoutId,
      }),
    ]);
    expect((await call(app, 'GET', '/api/me/purchases', other)).json()).toEqual({ transactions: [] });

    // The admin refunds: the access ends, the receipt shows the refund.
    const refund = await call(app, 'POST', `/api/admin/payments/checkouts/${checkoutId}/refund`, admin);
    expect(refund.json()).toEqual({ checkoutId, status: 'refunded' });
    expect((await accessOf(testDb.db, learner.id, course.id))?.live).toBe(false);
    expect((await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, learner)).json().status).toBe(
      'refunded',
    );
    expect(
      (await call(app, 'GET', '/api/me/purchases', learner))
        .json()
        .transactions.map((t: { type: string }) => t.type)
        .sort(),
    ).toEqual(['purchase', 'refund']);
  });

  it('a cancelled checkout cannot be paid afterwards', async () => {
    const learner = await makeUser(testDb.db, 'student', 'canceller');
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem() })
    ).json();
    expect(
      (await call(app, 'POST', `/api/payments/checkouts/${checkoutId}/cancel`, learner)).json().status,
    ).toBe('expired');
    const pay = await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
    expect(pay.json().error.code).toBe('checkout_closed');
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();
  });
});

describe('tampering: none of it enrols anyone', () => {
  it.each([
    ['a client price', { item: { type: 'course', courseId: 'X' }, priceCents: 1 }],
    ['a client amount', { item: { type: 'course', courseId: 'X' }, amountCents: 0 }],
    ['a client discount', { item: { type: 'course', courseId: 'X' }, discountCents: 4900 }],
    ['a price inside the item', { item: { type: 'course', courseId: 'X', priceCents: 0 } }],
    ['an access type', { item: { type: 'course', courseId: 'X' }, accessType: 'promotional' }],
  ])('%s is refused (400)', async (_name, body) => {
    const learner = await makeUser(testDb.db, 'student', 'tamper');
    const payload = JSON.parse(JSON.stringify(body).replace('"X"', JSON.stringify(course.id)));
    const res = await call(app, 'POST', '/api/payments/checkout', learner, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(await accessOf(testDb.db, learner.id, course.id)).toBeUndefined();
  });

  it('a free, draft or unknown course cannot be bought; paying is only by the checkout owner', async () => {
    const learner = await makeUser(testDb.db, 'student', 'prober');
    expect(
      (await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem(freeCourse.id) }))
        .statusCode,
    ).toBe(400);
    expect(
      (await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem(draftCourse.id) }))
        .statusCode,
    ).toBe(404);
    expect(
      (
        await call(app, 'POST', '/api/payments/checkout', learner, {
          item: courseItem('00000000-0000-4000-8000-000000000000'),
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await call(app, 'POST', '/api/payments/checkout', undefined, { item: courseItem() })).statusCode,
    ).toBe(401);
    // The course id of the checkout cannot be changed at pay time: the route takes none.
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem() })
    ).json();
    const res = await app.inject({
      method: 'POST',
      url: `/api/payments/test-checkout/${checkoutId}/pay?courseId=${otherCourse.id}`,
    });
    expect(res.statusCode).toBe(401);
    expect(await accessOf(testDb.db, learner.id, otherCourse.id)).toBeUndefined();
    expect(await accessOf(testDb.db, learner.id, draftCourse.id)).toBeUndefined();
  });
});

describe('promotional codes', () => {
  const quote = (user: SessionUser, code: string, item: object = courseItem()) =>
    call(app, 'POST', '/api/payments/promo-quote', user, { code, item });

  it('tells what a code gives on an item, and why it gives nothing (stable codes)', async () => {
    const learner = await makeUser(testDb.db, 'student', 'quoter');
    const tag = Date.now().toString(36).toUpperCase();
    await insertCode(testDb.db, { code: `TWENTY${tag}`, discountValue: 20 });
    await insertCode(testDb.db, { code: `FIVE${tag}`, discountType: 'fixed_amount', discountValue: 500 });
    await insertCode(testDb.db, {
      code: `OLD${tag}`,
      discountValue: 10,
      validFrom: new Date(Date.now() - 86_400_000 * 2),
      validUntil: new Date(Date.now() - 86_400_000),
    });
    await insertCode(testDb.db, { code: `OFF${tag}`, discountValue: 10, isActive: false });
    await insertCode(testDb.db, {
      code: `ELSE${tag}`,
      discountValue: 10,
      applicableTo: 'specific_courses',
      courseIds: [otherCourse.id],
    });
    await insertCode(testDb.db, { code: `SUBS${tag}`, discountValue: 10, applicableTo: 'subscription' });
    const gone = await makeUser(testDb.db, 'student', 'spender');
    await insertCode(testDb.db, { code: `ONCE${tag}`, discountValue: 100, maxUses: 1 });
    expect(
      (
        await call(app, 'POST', '/api/payments/checkout', gone, {
          item: courseItem(),
          promoCode: `ONCE${tag}`,
        })
      ).json().next,
    ).toBe('enrolled');

    expect((await quote(learner, `twenty${tag}`)).json()).toEqual({
      code: `TWENTY${tag}`,
      listPriceCents: PRICE,
      discountCents: 980,
      finalPriceCents: 3920,
      currency: 'USD',
    });
    expect((await quote(learner, `FIVE${tag}`)).json().finalPriceCents).toBe(4400);
    const reasons: Array<[string, number, string]> = [
      [`NOPE${tag}`, 404, 'promo_invalid'],
      [`OFF${tag}`, 404, 'promo_invalid'],
      [`OLD${tag}`, 410, 'promo_expired'],
      [`ONCE${tag}`, 409, 'promo_used_up'],
      [`ELSE${tag}`, 422, 'promo_not_applicable'],
      [`SUBS${tag}`, 422, 'promo_not_applicable'],
    ];
    for (const [code, status, error] of reasons) {
      const res = await quote(learner, code);
      expect([code, res.statusCode, res.json().error?.code]).toEqual([code, status, error]);
    }
    // A checkout with a failing code opens nothing.
    const res = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: courseItem(),
      promoCode: `ELSE${tag}`,
    });
    expect(res.json().error.code).toBe('promo_not_applicable');
  });

  it('is rate-limited per learner', async () => {
    const learner = await makeUser(testDb.db, 'student', 'hammer');
    const codes = [];
    for (let i = 0; i < PROMO_QUOTE_LIMIT.max; i++)
      codes.push((await quote(learner, `GUESS${i}X`)).statusCode);
    expect(codes.every((s) => s === 404)).toBe(true);
    const limited = await quote(learner, 'GUESS99X');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
  });

  it('checkouts carrying a code are rate-limited too (they must not be a faster way to try codes)', async () => {
    const learner = await makeUser(testDb.db, 'student', 'prober2');
    const statuses = [];
    for (let i = 0; i < PROMO_CHECKOUT_LIMIT.max; i++)
      statuses.push(
        (
          await call(app, 'POST', '/api/payments/checkout', learner, {
            item: courseItem(),
            promoCode: `TRY${i}X`,
          })
        ).statusCode,
      );
    expect(statuses.every((s) => s === 404)).toBe(true);
    const limited = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: courseItem(),
      promoCode: 'TRY99X',
    });
    expect(limited.statusCode).toBe(429);
    // Without a code, buying still works.
    expect(
      (await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem() })).statusCode,
    ).toBe(200);
  });

  it('a 100 % code enrols without a payment, as promotional, and shows the discounted checkout price', async () => {
    const learner = await makeUser(testDb.db, 'student', 'lucky');
    const code = `FREE${Date.now().toString(36).toUpperCase()}`;
    await insertCode(testDb.db, {
      code,
      discountValue: 100,
      applicableTo: 'specific_courses',
      courseIds: [course.id],
    });
    expect((await quote(learner, code)).json().finalPriceCents).toBe(0);
    const res = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: courseItem(),
      promoCode: code,
    });
    expect(res.json()).toMatchObject({ next: 'enrolled', url: null });
    expect(await accessOf(testDb.db, learner.id, course.id)).toEqual({
      accessType: 'promotional',
      live: true,
      paymentMethod: 'promotional_code',
      paymentAmountCents: 0,
      promotionalCodeUsed: code,
    });
    expect(
      (await call(app, 'GET', `/api/payments/checkouts/${res.json().checkoutId}`, learner)).json(),
    ).toMatchObject({
      status: 'paid',
      amountCents: 0,
      discountCents: PRICE,
      provider: 'free_grant',
    });
  });

  it('a partial code is charged at the discounted price through the checkout', async () => {
    const learner = await makeUser(testDb.db, 'student', 'saver');
    const code = `HALF${Date.now().toString(36).toUpperCase()}`;
    await insertCode(testDb.db, { code, discountValue: 50 });
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem(), promoCode: code })
    ).json();
    await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
    expect(await accessOf(testDb.db, learner.id, course.id)).toMatchObject({
      accessType: 'purchased',
      paymentAmountCents: 2450,
      promotionalCodeUsed: code,
    });
  });

  it('admins create codes for anything; instructors only for their own courses; learners never', async () => {
    const student = await makeUser(testDb.db, 'student', 'nocodes');
    const tag = Date.now().toString(36).toUpperCase();
    const body = (code: string, extra: object = {}) => ({
      code,
      discountType: 'percentage',
      discountValue: 10,
      applicableTo: 'specific_courses',
      courseIds: [course.id],
      ...extra,
    });
    const own = await call(app, 'POST', '/api/promo-codes', owner, body(`ADA${tag}`));
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({
      code: `ADA${tag}`,
      courseIds: [course.id],
      usesCount: 0,
      maxUsesPerUser: 1,
    });
    expect(
      (
        await call(
          app,
          'POST',
          '/api/promo-codes',
          owner,
          body(`ADAX${tag}`, { courseIds: [otherCourse.id] }),
        )
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call(
          app,
          'POST',
          '/api/promo-codes',
          owner,
          body(`ADAY${tag}`, { courseIds: [course.id, otherCourse.id] }),
        )
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call(
          app,
          'POST',
          '/api/promo-codes',
          owner,
          body(`ADAALL${tag}`, { applicableTo: 'all_courses', courseIds: [] }),
        )
      ).statusCode,
    ).toBe(403);
    expect((await call(app, 'POST', '/api/promo-codes', student, body(`STU${tag}`))).statusCode).toBe(403);
    const all = await call(
      app,
      'POST',
      '/api/promo-codes',
      admin,
      body(`ALL${tag}`, { applicableTo: 'all_courses', courseIds: [] }),
    );
    expect(all.statusCode, all.body).toBe(200);
    expect((await call(app, 'POST', '/api/promo-codes', admin, body(`ALL${tag}`))).statusCode).toBe(409);
    expect(
      (await call(app, 'POST', '/api/promo-codes', admin, body(`BAD${tag}`, { discountValue: 150 })))
        .statusCode,
    ).toBe(400);

    const ownList = (await call(app, 'GET', '/api/promo-codes', owner))
      .json()
      .codes.map((c: { code: string }) => c.code);
    expect(ownList).toContain(`ADA${tag}`);
    expect(ownList).not.toContain(`ALL${tag}`);
    expect((await call(app, 'GET', '/api/promo-codes', student)).json()).toEqual({ codes: [] });
    expect(
      (await call(app, 'GET', '/api/promo-codes', otherOwner))
        .json()
        .codes.map((c: { code: string }) => c.code),
    ).not.toContain(`ADA${tag}`);

    // Deactivating: the owner may; another instructor gets 404.
    const id = own.json().id;
    expect(
      (await call(app, 'PATCH', `/api/promo-codes/${id}`, otherOwner, { isActive: false })).statusCode,
    ).toBe(404);
    expect(
      (await call(app, 'PATCH', `/api/promo-codes/${id}`, owner, { isActive: false })).json().isActive,
    ).toBe(false);
    expect((await quote(student, `ADA${tag}`)).json().error.code).toBe('promo_invalid');
  });
});

describe('plans', () => {
  type PlanDto = { id: string; tier: string; billingInterval: string; priceCents: number; name: string };
  const plans = async (): Promise<PlanDto[]> => (await call(app, 'GET', '/api/payments/plans')).json().plans;
  const profileOf = (userId: string) =>
    testDb.db.asSystem((tx) =>
      tx
        .selectFrom('profiles')
        .where('id', '=', userId)
        .select(['subscriptionStatus', 'subscriptionTier', 'subscriptionExpiresAt'])
        .executeTakeFirstOrThrow(),
    );

  it('are listed to anyone; the admin reprices and deactivates them; others cannot', async () => {
    const listed = await plans();
    expect(listed.map((p) => `${p.tier}/${p.billingInterval}`)).toEqual([
      'basic/month',
      'basic/year',
      'premium/month',
      'premium/year',
      'lifetime/once',
    ]);
    const basicYear = listed.find((p) => p.tier === 'basic' && p.billingInterval === 'year')!;
    const student = await makeUser(testDb.db, 'student', 'planner');
    const url = `/api/admin/payments/plans/${basicYear.id}`;
    expect((await call(app, 'PATCH', url, student, { priceCents: 1 })).statusCode).toBe(404);
    expect((await call(app, 'PATCH', url, owner, { priceCents: 1 })).statusCode).toBe(404);
    expect((await call(app, 'GET', '/api/admin/payments/plans', student)).statusCode).toBe(404);
    const res = await call(app, 'PATCH', url, admin, { priceCents: 8000 });
    expect(res.statusCode, res.body).toBe(200);
    expect((await plans()).find((p) => p.id === basicYear.id)?.priceCents).toBe(8000);
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', student, {
        item: { type: 'plan', planId: basicYear.id },
      })
    ).json();
    expect((await call(app, 'GET', `/api/payments/checkouts/${checkoutId}`, student)).json()).toMatchObject({
      productType: 'subscription',
      amountCents: 8000,
    });
    await call(app, 'PATCH', url, admin, { isActive: false });
    expect((await plans()).map((p) => p.id)).not.toContain(basicYear.id);
    expect((await call(app, 'GET', '/api/admin/payments/plans', admin)).json().plans).toContainEqual(
      expect.objectContaining({ id: basicYear.id, isActive: false }),
    );
    const closed = await call(app, 'POST', '/api/payments/checkout', student, {
      item: { type: 'plan', planId: basicYear.id },
    });
    expect(closed.statusCode).toBe(404);
  });

  it('a plan bought through the test checkout makes the learner a subscriber until the period ends', async () => {
    const learner = await makeUser(testDb.db, 'student', 'monthly');
    const premium = (await plans()).find((p) => p.tier === 'premium' && p.billingInterval === 'month')!;
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, {
        item: { type: 'plan', planId: premium.id },
      })
    ).json();
    expect((await profileOf(learner.id)).subscriptionStatus).toBe('free');
    await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
    const profile = await profileOf(learner.id);
    expect(profile).toMatchObject({ subscriptionStatus: 'active', subscriptionTier: 'premium' });
    const days = (new Date(profile.subscriptionExpiresAt!).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);
    expect(await transactionsOf(testDb.db, learner.id)).toEqual([
      expect.objectContaining({ type: 'subscription', status: 'completed', amountCents: premium.priceCents }),
    ]);
    // One plan at a time; lifetime remains an upgrade.
    const again = await call(app, 'POST', '/api/payments/checkout', learner, {
      item: { type: 'plan', planId: premium.id },
    });
    expect(again.json().error.code).toBe('conflict');
    const lifetime = (await plans()).find((p) => p.tier === 'lifetime')!;
    expect(
      (
        await call(app, 'POST', '/api/payments/checkout', learner, {
          item: { type: 'plan', planId: lifetime.id },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('subscribers enrol in subscription courses as `subscription`; others are refused', async () => {
    const subCourse = await buildCourse(testDb.db, owner, {
      course: { title: 'Club', accessType: 'subscription', priceCents: 0 },
    });
    const learner = await makeUser(testDb.db, 'student', 'clubber');
    const url = `/api/payments/subscription-enrollment/${subCourse.id}`;
    expect((await call(app, 'POST', url, learner)).statusCode).toBe(403);
    const basic = (await plans()).find((p) => p.tier === 'basic' && p.billingInterval === 'month')!;
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, { item: { type: 'plan', planId: basic.id } })
    ).json();
    await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);
    const res = await call(app, 'POST', url, learner);
    expect(res.statusCode, res.body).toBe(200);
    expect(await accessOf(testDb.db, learner.id, subCourse.id)).toMatchObject({
      accessType: 'subscription',
      live: true,
    });
  });

  it('a 100 % subscription code grants the lifetime tier without payment; course codes do not apply to plans', async () => {
    const learner = await makeUser(testDb.db, 'student', 'forever');
    const lifetime = (await plans()).find((p) => p.tier === 'lifetime')!;
    const tag = Date.now().toString(36).toUpperCase();
    await insertCode(testDb.db, { code: `LIFE${tag}`, discountValue: 100, applicableTo: 'subscription' });
    await insertCode(testDb.db, { code: `CRS${tag}`, discountValue: 100 });
    const item = { type: 'plan', planId: lifetime.id };
    expect(
      (await call(app, 'POST', '/api/payments/checkout', learner, { item, promoCode: `CRS${tag}` })).json()
        .error.code,
    ).toBe('promo_not_applicable');
    const res = await call(app, 'POST', '/api/payments/checkout', learner, { item, promoCode: `LIFE${tag}` });
    expect(res.json()).toMatchObject({ next: 'enrolled' });
    expect(await profileOf(learner.id)).toEqual({
      subscriptionStatus: 'active',
      subscriptionTier: 'lifetime',
      subscriptionExpiresAt: null,
    });
  });
});

describe('reports', () => {
  it('admins see every transaction and revenue by course and month; instructors see their own sales in aggregate', async () => {
    const learner = await makeUser(testDb.db, 'student', 'buyer');
    const { checkoutId } = (
      await call(app, 'POST', '/api/payments/checkout', learner, { item: courseItem(otherCourse.id) })
    ).json();
    await call(app, 'POST', `/api/payments/test-checkout/${checkoutId}/pay`, learner);

    const all = await call(app, 'GET', '/api/admin/payments/transactions', admin);
    expect(all.json().transactions).toContainEqual(
      expect.objectContaining({
        checkoutId,
        amountCents: 1000,
        userEmail: expect.stringContaining('buyer-'),
      }),
    );
    expect((await call(app, 'GET', '/api/admin/payments/transactions', learner)).statusCode).toBe(404);
    expect((await call(app, 'GET', '/api/admin/payments/transactions', owner)).statusCode).toBe(404);

    const revenue = (await call(app, 'GET', '/api/admin/payments/revenue', admin)).json();
    expect(revenue.byCourse).toContainEqual({
      courseId: otherCourse.id,
      productName: 'Other',
      sales: 1,
      refunds: 0,
      netCents: 1000,
    });
    expect(revenue.byMonth[0]).toMatchObject({ month: new Date().toISOString().slice(0, 7) });
    expect((await call(app, 'GET', '/api/admin/payments/revenue', owner)).statusCode).toBe(404);

    const sales = (await call(app, 'GET', '/api/instructor/sales', otherOwner)).json();
    expect(sales.courses).toEqual([
      { courseId: otherCourse.id, title: 'Other', sales: 1, refunds: 0, netCents: 1000 },
    ]);
    const adaSales = (await call(app, 'GET', '/api/instructor/sales', owner)).json();
    expect(adaSales.courses.map((c: { courseId: string }) => c.courseId)).not.toContain(otherCourse.id);
  });
});
