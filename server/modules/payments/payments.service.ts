import { sql } from 'kysely';
import type {
  CheckoutCreated,
  CheckoutStatus,
  PromoQuote,
  PurchasableItem,
  Revenue,
  Sales,
  Transaction,
} from '../../../contracts/payments.ts';
import type { ErrorCode } from '../../../contracts/errors.ts';
import type { SessionUser, Tx } from '../../db/session.ts';
import { AppError } from '../../platform/errors.ts';
import type { PaymentProvider } from '../../platform/payments/provider.ts';
import type { TestRenewalOutcome } from '../../platform/payments/test-checkout.ts';
import { consume, subjectHash } from '../accounts/rate-limit.ts';
import {
  providerFor,
  syncCheckout,
  handleProviderEvent,
  type PaymentsContext,
} from './payments.fulfilment.ts';
import {
  expireCheckout,
  findCheckout,
  findProfileContact,
  fulfilCheckout,
  insertCheckout,
  listActivePlans,
  markFreeGrant,
  promoOutcome,
  reservePromo,
  setProviderSession,
  type PlanRow,
  type PromoOutcome,
} from './payments.queries.ts';

/** "What does this code give me": per learner, a sliding window (never a way to enumerate codes). */
export const PROMO_QUOTE_LIMIT = { bucket: 'promo_quote.user', max: 20, windowSeconds: 10 * 60 };
/**
 * Checkouts that carry a code, per learner: the checkout answers with the same reasons as the quote,
 * so it must not be a faster way to try codes. Looser than the quote (a buyer may retry a few times).
 */
export const PROMO_CHECKOUT_LIMIT = { bucket: 'promo_checkout.user', max: 60, windowSeconds: 10 * 60 };

function rateLimited(wait: number): AppError {
  return new AppError('rate_limited', `Too many code checks; try again in ${wait} s.`, {
    retryAfterSeconds: wait,
  });
}

const PROMO_ERRORS: Record<Exclude<PromoOutcome, 'ok'>, ErrorCode> = {
  invalid: 'promo_invalid',
  expired: 'promo_expired',
  used_up: 'promo_used_up',
  not_applicable: 'promo_not_applicable',
};

function promoError(outcome: Exclude<PromoOutcome, 'ok'>, code: string): AppError {
  return new AppError(PROMO_ERRORS[outcome], undefined, { code });
}

interface PricedItem {
  productType: 'course' | 'subscription' | 'lifetime';
  courseId: string | null;
  plan: PlanRow | null;
  name: string;
  listPriceCents: number;
}

/**
 * What an item costs, read as the caller: a course they may see that is sold (published, paid, not
 * theirs already), or an active plan. The price is the database's, never the client's.
 */
async function priceItem(tx: Tx, item: PurchasableItem, forPurchase: boolean): Promise<PricedItem> {
  if (item.type === 'plan') {
    const plan = (await listActivePlans(tx)).find((p) => p.id === item.planId);
    if (!plan) throw new AppError('not_found', 'Plan not found.');
    if (forPurchase) {
      // One plan at a time: a second subscription would bill twice (plan changes go through the
      // billing portal); lifetime members need nothing more. Lifetime stays an upgrade for subscribers.
      const { rows } = await sql<{ active: boolean; tier: string | null }>`
        select private.has_active_subscription() as active,
               (select subscription_tier from public.profiles where id = auth.uid()) as tier`.execute(tx);
      const { active, tier } = rows[0] ?? { active: false, tier: null };
      if (tier === 'lifetime' || (active && plan.tier !== 'lifetime'))
        throw new AppError(
          'conflict',
          'You already have an active plan; change it from Manage billing on the Plans page.',
        );
    }
    return {
      productType: plan.tier === 'lifetime' ? 'lifetime' : 'subscription',
      courseId: null,
      plan,
      name: plan.name,
      listPriceCents: plan.priceCents,
    };
  }
  const course = await tx
    .selectFrom('courses')
    .where('id', '=', item.courseId)
    .where('deletedAt', 'is', null)
    .where('status', '=', 'published')
    .select(['id', 'title', 'priceCents', 'accessType'])
    .executeTakeFirst();
  if (!course) throw new AppError('not_found', 'Course not found.');
  if (course.priceCents === 0 || course.accessType === 'free')
    throw new AppError('bad_request', 'This course is free: enrol from its page instead.');
  if (forPurchase) {
    const { rows } = await sql<{ ok: boolean }>`select private.is_enrolled(${course.id}::uuid) as ok`.execute(
      tx,
    );
    if (rows[0]?.ok) throw new AppError('already_enrolled');
  }
  return {
    productType: 'course',
    courseId: course.id,
    plan: null,
    name: course.title,
    listPriceCents: course.priceCents,
  };
}

/** The plans on sale (anyone). */
export async function listPlans(ctx: PaymentsContext, user: SessionUser | null) {
  const plans = await (user ? ctx.db.asUser(user, listActivePlans) : ctx.db.asAnon(listActivePlans));
  return { plans };
}

/** "What does this code give me on this item": rate-limited; a clear error code per failure. */
export async function quotePromo(
  ctx: PaymentsContext,
  user: SessionUser,
  input: { code: string; item: PurchasableItem },
): Promise<PromoQuote> {
  const priced = await ctx.db.asUser(user, (tx) => priceItem(tx, input.item, false));
  const result = await ctx.db.asSystem(async (tx) => {
    const wait = await consume(tx, PROMO_QUOTE_LIMIT, subjectHash(user.id));
    if (wait > 0) return { wait };
    return {
      wait: 0,
      quote: await promoOutcome(tx, {
        code: input.code,
        userId: user.id,
        productType: priced.productType,
        courseId: priced.courseId,
        listPriceCents: priced.listPriceCents,
      }),
    };
  });
  if (result.wait > 0) throw rateLimited(result.wait);
  const quote = result.quote!;
  if (quote.outcome !== 'ok') throw promoError(quote.outcome, input.code);
  return {
    code: quote.code,
    listPriceCents: priced.listPriceCents,
    discountCents: quote.discountCents,
    finalPriceCents: priced.listPriceCents - quote.discountCents,
    currency: ctx.config.payments.currency,
  };
}

/**
 * Opens a checkout: the server prices the item, reserves the code (atomically, under the caps) and
 * asks the provider for a payment page. A 100 % code enrols at once as `promotional`.
 */
export async function startCheckout(
  ctx: PaymentsContext,
  user: SessionUser,
  input: { item: PurchasableItem; promoCode?: string | undefined },
): Promise<CheckoutCreated> {
  const priced = await ctx.db.asUser(user, (tx) => priceItem(tx, input.item, true));
  if (input.promoCode) {
    // Its own unit of work: an attempt with a wrong code must count even though its checkout rolls back.
    const wait = await ctx.db.asSystem((tx) => consume(tx, PROMO_CHECKOUT_LIMIT, subjectHash(user.id)));
    if (wait > 0) throw rateLimited(wait);
  }
  const provider = ctx.active;
  const opened = await ctx.db.asSystem(async (tx) => {
    const checkoutId = await insertCheckout(tx, {
      userId: user.id,
      productType: priced.productType,
      courseId: priced.courseId,
      planId: priced.plan?.id ?? null,
      productName: priced.name,
      listPriceCents: priced.listPriceCents,
      currency: ctx.config.payments.currency,
      provider: provider.name,
      ttlMinutes: ctx.config.payments.checkoutTtlMinutes,
    });
    let amountCents = priced.listPriceCents;
    let promoCode: string | null = null;
    if (input.promoCode) {
      const reserved = await reservePromo(tx, checkoutId, input.promoCode);
      if (!reserved) throw new AppError('checkout_closed');
      // Throwing rolls the whole unit back: no checkout, no reservation.
      if (reserved.outcome !== 'ok') throw promoError(reserved.outcome, input.promoCode);
      amountCents -= reserved.discountCents;
      promoCode = reserved.code;
    }
    if (amountCents === 0) {
      await markFreeGrant(tx, checkoutId);
      const periodEnd =
        priced.plan && priced.plan.billingInterval !== 'once'
          ? new Date(Date.now() + (priced.plan.billingInterval === 'year' ? 365 : 30) * 86_400_000)
          : null;
      await fulfilCheckout(tx, checkoutId, {
        paymentId: null,
        customerId: null,
        subscriptionId: null,
        periodEnd,
      });
      return { checkoutId, amountCents, free: true as const };
    }
    const contact = await findProfileContact(tx, user.id);
    const row = (await findCheckout(tx, checkoutId))!;
    return {
      checkoutId,
      amountCents,
      promoCode,
      free: false as const,
      contact,
      expiresAt: row.expiresAt,
    };
  });
  if (opened.free) return { checkoutId: opened.checkoutId, next: 'enrolled', url: null };

  const base = ctx.config.publicUrl;
  try {
    const session = await provider.createCheckout({
      checkoutId: opened.checkoutId,
      userId: user.id,
      mode: priced.productType === 'subscription' ? 'subscription' : 'payment',
      amountCents: opened.amountCents,
      listPriceCents: priced.listPriceCents,
      discountCents: priced.listPriceCents - opened.amountCents,
      promoCode: opened.promoCode,
      currency: ctx.config.payments.currency,
      productName: priced.name,
      ...(priced.plan && priced.plan.billingInterval !== 'once'
        ? { interval: priced.plan.billingInterval, planId: priced.plan.id }
        : priced.plan
          ? { planId: priced.plan.id }
          : {}),
      customerEmail: opened.contact?.email ?? null,
      customerId: opened.contact?.stripeCustomerId ?? null,
      successUrl: `${base}/checkout/${opened.checkoutId}/success`,
      cancelUrl: `${base}/checkout/${opened.checkoutId}/cancel`,
      expiresAt: opened.expiresAt,
    });
    await ctx.db.asSystem((tx) => setProviderSession(tx, opened.checkoutId, session.sessionId, session.url));
    return { checkoutId: opened.checkoutId, next: 'redirect', url: session.url };
  } catch (error) {
    // The provider refused or was unreachable: release the reservation at once.
    await ctx.db.asSystem((tx) => expireCheckout(tx, opened.checkoutId, 'failed'));
    ctx.log.error(
      { err: error, checkoutId: opened.checkoutId },
      'payments: the provider did not open a checkout',
    );
    throw new AppError(
      'service_unavailable',
      'The payment provider is not reachable; try again in a minute.',
    );
  }
}

interface OwnCheckoutRow {
  id: string;
  productType: CheckoutStatus['productType'];
  courseId: string | null;
  productName: string;
  listPriceCents: number;
  discountCents: number;
  amountCents: number;
  currency: string;
  promoCode: string | null;
  provider: CheckoutStatus['provider'];
  status: 'open' | 'completed' | 'expired' | 'failed';
  fulfilledAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
  courseSlug: string | null;
}

async function readOwnCheckout(ctx: PaymentsContext, user: SessionUser, checkoutId: string) {
  return ctx.db.asUser(user, async (tx) => {
    const { rows } = await sql<OwnCheckoutRow>`
      select oc.*, c.slug as course_slug from private.own_checkout(${checkoutId}::uuid) oc
        left join public.courses c on c.id = oc.course_id`.execute(tx);
    return rows[0];
  });
}

function toStatus(row: OwnCheckoutRow): CheckoutStatus {
  return {
    id: row.id,
    productType: row.productType,
    courseId: row.courseId,
    courseSlug: row.courseSlug,
    productName: row.productName,
    listPriceCents: row.listPriceCents,
    discountCents: row.discountCents,
    amountCents: row.amountCents,
    currency: row.currency,
    promoCode: row.promoCode,
    provider: row.provider,
    status: row.revokedAt
      ? 'refunded'
      : row.fulfilledAt
        ? 'paid'
        : row.status === 'completed'
          ? 'paid'
          : row.status,
    expiresAt: new Date(row.expiresAt).toISOString(),
  };
}

/**
 * The caller's checkout, as the success page shows it. While it is open the provider is asked
 * again (server side): a redirect alone never fulfils anything, a confirmed payment does.
 */
export async function getCheckout(
  ctx: PaymentsContext,
  user: SessionUser,
  checkoutId: string,
): Promise<CheckoutStatus> {
  let row = await readOwnCheckout(ctx, user, checkoutId);
  if (!row) throw new AppError('not_found', 'Checkout not found.');
  if (row.status === 'open' && !row.fulfilledAt) {
    await syncCheckout(ctx, checkoutId);
    row = (await readOwnCheckout(ctx, user, checkoutId))!;
  }
  return toStatus(row);
}

/**
 * The test checkout's "Pay" button: marks the test payment made, then runs the same event
 * handling a Stripe webhook gets (an internal checkout.session.completed), never a shortcut.
 */
export async function payTestCheckout(ctx: PaymentsContext, user: SessionUser, checkoutId: string) {
  const row = await readOwnCheckout(ctx, user, checkoutId);
  // Once Stripe is configured, a test checkout left open from before can no longer be "paid".
  if (!row || row.provider !== 'test_checkout' || ctx.active.name !== 'test_checkout')
    throw new AppError('not_found', 'Checkout not found.');
  const paid = await ctx.test.pay(checkoutId, user.id);
  if (!paid && !row.fulfilledAt) throw new AppError('checkout_closed');
  await handleProviderEvent(ctx, ctx.test, {
    id: `tcevt_paid_${checkoutId}`,
    type: 'checkout.session.completed',
    objectId: `tc_${checkoutId}`,
    objectType: 'checkout.session',
    refs: { checkoutSession: `tc_${checkoutId}` },
  });
  return getCheckout(ctx, user, checkoutId);
}

/** Abandons an open checkout (the cancel page): its code reservation is released now. */
export async function cancelCheckout(ctx: PaymentsContext, user: SessionUser, checkoutId: string) {
  const row = await readOwnCheckout(ctx, user, checkoutId);
  if (!row) throw new AppError('not_found', 'Checkout not found.');
  const provider = providerFor(ctx, row.provider);
  if (row.status === 'open' && provider) {
    const sessionId = await ctx.db.asSystem(
      async (tx) => (await findCheckout(tx, checkoutId))?.providerSessionId,
    );
    // The provider closes its session first; then its state (expired, or paid after all) is applied.
    if (sessionId) await provider.expireCheckout(sessionId, checkoutId);
    await syncCheckout(ctx, checkoutId);
  }
  return getCheckout(ctx, user, checkoutId);
}

async function requireAdmin(tx: Tx) {
  const { rows } = await sql<{ ok: boolean }>`select private.is_admin() as ok`.execute(tx);
  if (!rows[0]?.ok) throw new AppError('not_found');
}

/** Admin: refunds a completed checkout through its provider; access ends when the provider confirms. */
export async function refundCheckout(ctx: PaymentsContext, admin: SessionUser, checkoutId: string) {
  await ctx.db.asUser(admin, requireAdmin);
  const row = await ctx.db.asSystem((tx) => findCheckout(tx, checkoutId));
  if (!row) throw new AppError('not_found', 'Checkout not found.');
  const provider = providerFor(ctx, row.provider);
  if (!row.fulfilledAt || row.revokedAt || !row.paymentId || !provider) throw new AppError('not_refundable');
  if (row.productType === 'subscription') {
    // A subscription's first payment is its first invoice: refunded (and revoked) as an invoice.
    const refunded = await refundInvoice(ctx, provider, row.paymentId);
    return { checkoutId, status: refunded ? ('refunded' as const) : ('paid' as const) };
  }
  await provider.refund(row.paymentId, row.id);
  await syncCheckout(ctx, checkoutId);
  const after = await ctx.db.asSystem((tx) => findCheckout(tx, checkoutId));
  return { checkoutId, status: after?.revokedAt ? ('refunded' as const) : ('paid' as const) };
}

/**
 * Refunds a subscription invoice at the provider and applies the provider's answer. True once revoked.
 * Refunding the period still running also cancels the subscription at the provider: the learner
 * asked for their money back, so the next renewal must not charge them again.
 */
async function refundInvoice(ctx: PaymentsContext, provider: PaymentProvider, invoiceId: string) {
  const invoice = () =>
    ctx.db.asSystem(async (tx) => {
      const { rows } = await sql<{ revoked: boolean; running: boolean; subscriptionId: string }>`
        select revoked_at is not null as revoked, period_end > now() as running, subscription_id
          from private.subscription_invoices where id = ${invoiceId}`.execute(tx);
      return rows[0];
    });
  const revoked = async () => (await invoice())?.revoked ?? false;
  if (await revoked()) throw new AppError('not_refundable');
  await provider.refundInvoice(invoiceId);
  // The provider's webhooks will say the same; applying it now lets the admin see the result at once.
  await handleProviderEvent(ctx, provider, {
    id: `refund_applied:${invoiceId}`,
    type: 'charge.refunded',
    objectId: invoiceId,
    objectType: 'invoice',
    refs: { invoice: invoiceId },
  });
  const after = await invoice();
  if (after?.revoked && after.running) {
    await provider.cancelSubscription(after.subscriptionId);
    await handleProviderEvent(ctx, provider, {
      id: `cancel_applied:${after.subscriptionId}`,
      type: 'customer.subscription.deleted',
      objectId: after.subscriptionId,
      objectType: 'subscription',
      refs: { subscription: after.subscriptionId },
    });
  }
  return after?.revoked ?? false;
}

/**
 * Admin: refunds one payment row through its provider — a course or lifetime purchase (its
 * checkout), or a subscription payment (its invoice, renewals included). The access it paid for
 * ends when the provider confirms the refund.
 */
export async function refundTransaction(ctx: PaymentsContext, admin: SessionUser, transactionId: string) {
  await ctx.db.asUser(admin, requireAdmin);
  const row = await ctx.db.asSystem(async (tx) => {
    const { rows } = await sql<{
      type: string;
      status: string;
      provider: string;
      providerTransactionId: string | null;
      checkoutId: string | null;
      productType: string | null;
    }>`
      select t.type, t.status, t.provider, t.provider_transaction_id, cs.id as checkout_id, cs.product_type
        from public.payment_transactions t
        left join private.checkout_sessions cs on cs.id::text = t.metadata ->> 'checkout_id'
       where t.id = ${transactionId}`.execute(tx);
    return rows[0];
  });
  if (!row) throw new AppError('not_found', 'Transaction not found.');
  const provider = providerFor(ctx, row.provider);
  if (row.type === 'refund' || row.status !== 'completed' || !provider || !row.providerTransactionId)
    throw new AppError('not_refundable');
  const refunded =
    row.type === 'subscription'
      ? await refundInvoice(ctx, provider, row.providerTransactionId)
      : row.checkoutId
        ? (await refundCheckout(ctx, admin, row.checkoutId)).status === 'refunded'
        : false;
  return { transactionId, status: refunded ? ('refunded' as const) : ('completed' as const) };
}

/**
 * Admin, test checkout only: simulates the next billing of a test subscription — a paid renewal, a
 * failed one (the learner is emailed and keeps access until the period ends) or a cancellation —
 * and handles it as the same provider event a Stripe webhook would bring.
 */
export async function simulateTestRenewal(
  ctx: PaymentsContext,
  admin: SessionUser,
  checkoutId: string,
  outcome: TestRenewalOutcome,
) {
  await ctx.db.asUser(admin, requireAdmin);
  if (ctx.active.name !== 'test_checkout') throw new AppError('not_found', 'Checkout not found.');
  const invoiceId = await ctx.test.simulateRenewal(checkoutId, outcome);
  if (invoiceId === undefined)
    throw new AppError('conflict', 'Only a paid, live test-checkout subscription can renew.');
  const subscriptionId = `tcsub_${checkoutId}`;
  await handleProviderEvent(
    ctx,
    ctx.test,
    invoiceId
      ? {
          id: `tcevt_${outcome}_${invoiceId}`,
          type: outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed',
          objectId: invoiceId,
          objectType: 'invoice',
          refs: { invoice: invoiceId, subscription: subscriptionId },
        }
      : {
          id: `tcevt_cancelled_${checkoutId}`,
          type: 'customer.subscription.deleted',
          objectId: subscriptionId,
          objectType: 'subscription',
          refs: { subscription: subscriptionId },
        },
  );
  return { outcome, invoiceId };
}

interface TransactionRow {
  id: string;
  type: Transaction['type'];
  status: Transaction['status'];
  amountCents: number;
  discountAmountCents: number;
  currency: string;
  productType: Transaction['productType'];
  productId: string | null;
  productName: string;
  provider: Transaction['provider'];
  promotionalCode: string | null;
  checkoutId: string | null;
  createdAt: Date;
  userEmail?: string | null;
}

function toTransaction(row: TransactionRow, withEmail: boolean): Transaction {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    amountCents: row.amountCents,
    discountCents: row.discountAmountCents,
    currency: row.currency,
    productType: row.productType,
    productId: row.productId,
    productName: row.productName,
    provider: row.provider,
    promoCode: row.promotionalCode,
    checkoutId: row.checkoutId,
    createdAt: new Date(row.createdAt).toISOString(),
    ...(withEmail ? { userEmail: row.userEmail ?? null } : {}),
  };
}

/** The caller's own payments and refunds (receipts), newest first. RLS: own rows only. */
export async function listMyPurchases(ctx: PaymentsContext, user: SessionUser) {
  const rows = await ctx.db.asUser(user, async (tx) => {
    const { rows } = await sql<TransactionRow>`
      select t.id, t.type, t.status, t.amount_cents, t.discount_amount_cents, t.currency, t.product_type, t.product_id,
             t.product_name, t.provider, t.promotional_code, (t.metadata ->> 'checkout_id')::uuid as checkout_id, t.created_at
        from public.payment_transactions t where t.user_id = ${user.id}
       order by t.created_at desc, t.id limit 200`.execute(tx);
    return rows;
  });
  return { transactions: rows.map((r) => toTransaction(r, false)) };
}

/** Admin: every transaction, newest first (RLS lets admins read all; others get 404). */
export async function listAllTransactions(ctx: PaymentsContext, admin: SessionUser) {
  const rows = await ctx.db.asUser(admin, async (tx) => {
    await requireAdmin(tx);
    const { rows } = await sql<TransactionRow>`
      select t.id, t.type, t.status, t.amount_cents, t.discount_amount_cents, t.currency, t.product_type, t.product_id,
             t.product_name, t.provider, t.promotional_code, (t.metadata ->> 'checkout_id')::uuid as checkout_id,
             t.created_at, p.email as user_email
        from public.payment_transactions t left join public.profiles p on p.id = t.user_id
       order by t.created_at desc, t.id limit 500`.execute(tx);
    return rows;
  });
  return { transactions: rows.map((r) => toTransaction(r, true)) };
}

const NET = sql`coalesce(sum(case when t.type = 'refund' then -t.amount_cents else t.amount_cents end)
                 filter (where t.status in ('completed', 'refunded')), 0)::int`;
const SALES = sql`count(*) filter (where t.type <> 'refund' and t.status in ('completed', 'refunded'))::int`;
const REFUNDS = sql`count(*) filter (where t.type = 'refund')::int`;

/** Admin: revenue (sales minus refunds) by product and by month (UTC). */
export async function getRevenue(ctx: PaymentsContext, admin: SessionUser): Promise<Revenue> {
  return ctx.db.asUser(admin, async (tx) => {
    await requireAdmin(tx);
    const byCourse = await sql<Revenue['byCourse'][number]>`
      select t.product_id as course_id, min(t.product_name) as product_name, ${SALES} as sales, ${REFUNDS} as refunds,
             ${NET} as net_cents
        from public.payment_transactions t group by t.product_id order by net_cents desc limit 500`.execute(
      tx,
    );
    const byMonth = await sql<Revenue['byMonth'][number]>`
      select to_char(date_trunc('month', t.created_at at time zone 'UTC'), 'YYYY-MM') as month, ${SALES} as sales,
             ${REFUNDS} as refunds, ${NET} as net_cents
        from public.payment_transactions t group by 1 order by 1 desc limit 120`.execute(tx);
    return { byCourse: byCourse.rows, byMonth: byMonth.rows, currency: ctx.config.payments.currency };
  });
}

/** Instructor: their own courses' sales, in aggregate only. */
export async function getMySales(ctx: PaymentsContext, user: SessionUser): Promise<Sales> {
  const courses = await ctx.db.asUser(user, async (tx) => {
    const { rows } = await sql<Sales['courses'][number]>`
      select course_id, title, sales, refunds, net_cents from private.own_course_sales()`.execute(tx);
    return rows;
  });
  return { courses, currency: ctx.config.payments.currency };
}

/** A Stripe billing portal for the caller's subscription (Stripe only). */
export async function openBillingPortal(ctx: PaymentsContext, user: SessionUser) {
  const contact = await ctx.db.asSystem((tx) => findProfileContact(tx, user.id));
  if (!ctx.stripe || !contact?.stripeCustomerId)
    throw new AppError('not_found', 'There is no billing account to manage.');
  const url = await ctx.stripe.portalUrl(contact.stripeCustomerId, `${ctx.config.publicUrl}/purchases`);
  return { url: url! };
}

interface AdminPlanRow extends PlanRow {
  isActive: boolean;
}

/** Admin: every plan, inactive ones too (private.admin_plans returns nothing to others → 404). */
export async function listAdminPlans(ctx: PaymentsContext, admin: SessionUser) {
  return ctx.db.asUser(admin, async (tx) => {
    await requireAdmin(tx);
    const { rows } = await sql<AdminPlanRow>`
      select id, tier, billing_interval, name, price_cents, currency, is_active from private.admin_plans()`.execute(
      tx,
    );
    return { plans: rows };
  });
}

/** Admin: renames, reprices or (de)activates a plan; new checkouts use the new price. */
export async function updatePlan(
  ctx: PaymentsContext,
  admin: SessionUser,
  planId: string,
  input: { name?: string | undefined; priceCents?: number | undefined; isActive?: boolean | undefined },
) {
  await ctx.db.asUser(admin, async (tx) => {
    await requireAdmin(tx);
    const { rows } = await sql<{ updatePlan: string }>`
      select private.update_plan(${planId}::uuid, ${input.name ?? null}, ${input.priceCents ?? null}::int,
                                 ${input.isActive ?? null}::boolean) as update_plan`.execute(tx);
    if (rows.length === 0) throw new AppError('not_found', 'Plan not found.');
  });
  return listAdminPlans(ctx, admin);
}
