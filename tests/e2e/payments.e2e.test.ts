import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCourse, type BuiltCourse } from '../../server/modules/courses/courses.fixtures.ts';
import { insertCode } from '../../server/modules/payments/payments.fixtures.ts';
import { createAccount } from '../../server/seed/accounts.ts';
import {
  browsers,
  expectNoHorizontalOverflow,
  screenshot,
  startApp,
  VIEWPORTS,
  watchForProblems,
  type Browser,
  type RunningApp,
} from './harness.ts';

/**
 * Buying with the built-in test checkout (no Stripe keys): a learner applies a code and sees the
 * discounted price, pays on the clearly labelled test page, is enrolled and starts learning; the
 * admin refunds from the payments page (after confirming) and the learner's access ends.
 */
describe('payments journey (test checkout)', () => {
  let running: RunningApp;
  let browser: Browser;
  let course: BuiltCourse;
  const LEARNER = { email: 'buyer@example.test', password: 'buyer-password-1' };
  const ADMIN = { email: 'payments-admin@example.test', password: 'admin-password-1' };
  const CODE = 'JOURNEY50';
  /** Money as the browser's locale writes US dollars ("$24.50" or "US$24.50"). */
  const usd = (amount: string) => `(US)?\\$${amount.replace('.', '\\.')}`;

  beforeAll(async () => {
    browser = browsers();
    running = await startApp();
    const { db } = running.database;
    const instructor = await createAccount(db, {
      email: 'teacher@example.test',
      password: 'teacher-password-1',
      fullName: 'Ada Teacher',
      role: 'instructor',
    });
    await createAccount(db, { ...LEARNER, fullName: 'Grace Buyer', role: 'student' });
    await createAccount(db, { ...ADMIN, fullName: 'Root Admin', role: 'admin' });
    course = await buildCourse(db, instructor, {
      course: { title: 'Paid Journey', accessType: 'paid', priceCents: 4900 },
    });
    await insertCode(db, {
      code: CODE,
      discountValue: 50,
      applicableTo: 'specific_courses',
      courseIds: [course.id],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
  });

  async function signIn(
    viewport: { width: number; height: number },
    who: { email: string; password: string },
    next: string,
  ) {
    const page = await (await browser.newProfile(viewport)).newPage();
    await page.goto(`${running.baseUrl}/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email address').fill(who.email);
    await page.getByLabel('Password', { exact: true }).fill(who.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    return page;
  }

  it('a learner applies a code, pays on the test checkout, learns; the admin refunds; the access ends', async () => {
    // The learner, on a phone.
    const page = await signIn(VIEWPORTS.phone, LEARNER, `/courses/${course.slug}`);
    // A wrong code is a 404 answer with a reason, not a failure.
    const problems = watchForProblems(page, (url, status) => url.includes('/promo-quote') && status === 404);
    await page.getByRole('button', { name: new RegExp(`^Buy for ${usd('49.00')}$`) }).waitFor();
    await expect(
      page.getByText('Test mode: checkout is simulated and no money moves.').isVisible(),
    ).resolves.toBe(true);

    await page.getByLabel('Promotional code').fill('NOSUCHCODE');
    await page.getByRole('button', { name: 'Apply code' }).click();
    await page.getByText('This code does not exist or is not active.').waitFor();

    await page.getByLabel('Promotional code').fill(CODE.toLowerCase());
    await page.getByRole('button', { name: 'Apply code' }).click();
    await page.getByText(new RegExp(`You save ${usd('24.50')}\\.`)).waitFor();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'payments-course-with-code');
    await page.getByRole('button', { name: new RegExp(`^Buy for ${usd('24.50')}$`) }).click();

    // The test checkout: labelled, the server's price, then "pay".
    await page.getByRole('heading', { name: 'Test checkout' }).waitFor();
    await page.getByText('No money moves here').waitFor();
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'payments-test-checkout');
    await page.getByRole('button', { name: new RegExp(`^Pay ${usd('24.50')} \\(test\\)$`) }).click();

    await page.getByRole('heading', { name: 'You’re in!' }).waitFor();
    await page.getByRole('link', { name: 'Start learning' }).click();
    await page.waitForURL(new RegExp(`/learn/${course.slug}`));
    await page.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();

    // Receipts.
    await page.goto(`${running.baseUrl}/purchases`);
    const receipts = page.getByRole('list', { name: 'Receipts, newest first' });
    await receipts.getByText('Paid Journey').waitFor();
    await receipts.getByText(`Discount (${CODE})`).waitFor();
    // The plans on sale, on a phone.
    await page.goto(`${running.baseUrl}/plans`);
    await page.getByRole('heading', { name: 'Premium (monthly)' }).waitFor();
    await page.getByRole('button', { name: 'Buy lifetime access' }).waitFor();
    await expectNoHorizontalOverflow(page);
    expect(problems).toEqual([]);

    // The admin refunds, after confirming.
    const adminPage = await signIn(VIEWPORTS.desktop, ADMIN, '/admin/payments');
    const adminProblems = watchForProblems(adminPage, () => false);
    await adminPage.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    await adminPage.getByLabel('Price of Lifetime in USD').waitFor();
    const row = adminPage.getByRole('row').filter({ hasText: LEARNER.email }).filter({ hasText: 'Purchase' });
    await row.getByRole('button', { name: 'Refund' }).click();
    const dialog = adminPage.getByRole('dialog', { name: 'Refund this payment?' });
    await dialog
      .getByText(new RegExp(`${usd('24.50')} for “Paid Journey” goes back to buyer@example\\.test`))
      .waitFor();
    await screenshot(adminPage, 'payments-admin-refund');
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await adminPage.getByText('Refunded: the access it paid for has ended.').waitFor();
    await adminPage.getByRole('row').filter({ hasText: 'Refund: Paid Journey' }).first().waitFor();
    expect(adminProblems).toEqual([]);

    // The learner's access has ended: the course offers to buy it again.
    await page.goto(`${running.baseUrl}/courses/${course.slug}`);
    await page.getByRole('button', { name: new RegExp(`^Buy for ${usd('49.00')}$`) }).waitFor();
    await expect(page.getByText('Enrolled', { exact: true }).count()).resolves.toBe(0);
  }, 180_000);

  it('an instructor creates a code for their own course and sees the course sales', async () => {
    const page = await signIn(
      VIEWPORTS.phone,
      { email: 'teacher@example.test', password: 'teacher-password-1' },
      '/promo-codes',
    );
    const problems = watchForProblems(page, () => false);
    await page.getByRole('heading', { name: 'Promotional codes', level: 1 }).waitFor();
    // Instructors may only target their own courses: the other scopes are not offered.
    await expect(page.getByLabel('Applies to').locator('option').allTextContents()).resolves.toEqual([
      'Specific courses',
    ]);
    await page.getByLabel('Code', { exact: true }).fill('teacher10');
    await page.getByLabel('Percent off (1–100)').fill('10');
    await page.getByRole('checkbox', { name: 'Paid Journey' }).check();
    await page.getByRole('button', { name: 'Create code' }).click();
    await page.getByText('Code TEACHER10 created.').waitFor();
    await page.getByRole('row').filter({ hasText: 'TEACHER10' }).getByText('10 % off, 1 course').waitFor();
    await expectNoHorizontalOverflow(page);

    await page.goto(`${running.baseUrl}/instructor/sales`);
    await page.getByRole('row').filter({ hasText: 'Paid Journey' }).waitFor();
    expect(problems).toEqual([]);
  }, 120_000);

  it('test-checkout subscriptions renew: the admin simulates a renewal and a failed one; the learner is emailed and keeps access', async () => {
    const SUBSCRIBER = { email: 'subscriber@example.test', password: 'subscriber-password-1' };
    const { db } = running.database;
    await createAccount(db, { ...SUBSCRIBER, fullName: 'Sam Subscriber', role: 'student' });
    const page = await signIn(VIEWPORTS.phone, SUBSCRIBER, '/plans');
    const problems = watchForProblems(page, () => false);
    await page.getByRole('button', { name: 'Subscribe to Premium (monthly)' }).click();
    await page.getByRole('heading', { name: 'Test checkout' }).waitFor();
    await page.getByRole('button', { name: new RegExp(`^Pay ${usd('19.00')} \\(test\\)$`) }).click();
    await page.getByRole('heading', { name: 'You’re in!' }).waitFor();
    expect(problems).toEqual([]);

    const adminPage = await signIn(VIEWPORTS.desktop, ADMIN, '/admin/payments');
    const adminProblems = watchForProblems(adminPage, () => false);
    const first = adminPage
      .getByRole('row')
      .filter({ hasText: SUBSCRIBER.email })
      .filter({ hasText: 'Subscription: Premium (monthly)' })
      .filter({ has: adminPage.getByRole('button', { name: 'Simulate renewal' }) });
    await first.getByRole('button', { name: 'Simulate renewal' }).click();
    await adminPage.getByText('Simulated: the subscription renewed for another period.').waitFor();
    await first.getByRole('button', { name: 'Simulate failed renewal' }).click();
    await adminPage
      .getByText(
        'Simulated: the renewal failed. The learner was emailed and keeps access until the period ends.',
      )
      .waitFor();
    await adminPage
      .getByRole('row')
      .filter({ hasText: SUBSCRIBER.email })
      .filter({ has: adminPage.getByText('failed', { exact: true }) })
      .waitFor();
    await screenshot(adminPage, 'payments-admin-simulated-renewals');
    expect(adminProblems).toEqual([]);

    // The learner: two payments and a failed one in the receipts, an email, and still a subscriber.
    await page.goto(`${running.baseUrl}/purchases`);
    const receipts = page.getByRole('list', { name: 'Receipts, newest first' });
    await expect.poll(() => receipts.getByText('Premium (monthly)').count(), { timeout: 10_000 }).toBe(3);
    const mails = await db.asSystem((tx) =>
      tx
        .selectFrom('mailOutbox')
        .where('toAddress', '=', SUBSCRIBER.email)
        .where('template', '=', 'payment_failed')
        .select('subject')
        .execute(),
    );
    expect(mails).toHaveLength(1);
    const profile = await db.asSystem((tx) =>
      tx
        .selectFrom('profiles')
        .where('email', '=', SUBSCRIBER.email)
        .select(['subscriptionStatus', 'subscriptionExpiresAt'])
        .executeTakeFirstOrThrow(),
    );
    expect(profile.subscriptionStatus).toBe('past_due');
    expect(new Date(profile.subscriptionExpiresAt!).getTime()).toBeGreaterThan(Date.now() + 55 * 86_400_000);
  }, 180_000);
});
