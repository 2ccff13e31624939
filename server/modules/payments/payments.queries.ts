import { sql } from 'kysely';
import type { Tx } from '../../db/session.ts';
import type { CheckoutState, Refund } from '../../platform/payments/provider.ts';

/** Queries of the payments module. System paths run them through db.asSystem; reads as the caller. */

export interface CheckoutRow {
  id: string;
  userId: string | null;
  productType: 'course' | 'subscription' | 'lifetime';
  courseId: string | null;
  planId: string | null;
  productName: string;
  listPriceCents: number;
  discountCents: number;
  amountCents: number;
  currency: string;
  promoCode: string | null;
  provider: 'stripe' | 'test_checkout' | 'free_grant';
  providerSessionId: string | null;
  paymentId: string | null;
  status: 'open' | 'completed' | 'expired' | 'failed';
  fulfilledAt: Date | null;
  revokedAt: Date | null;
  expiresAt: Date;
}

/** A checkout by id (system). */
export async function findCheckout(tx: Tx, checkoutId: string): Promise<CheckoutRow | undefined> {
  const { rows } = await sql<CheckoutRow>`
    select id, user_id, product_type, course_id, plan_id, product_name, list_price_cents, discount_cents, amount_cents,
           currency, promo_code, provider, provider_session_id, payment_id, status, fulfilled_at, revoked_at, expires_at
      from private.checkout_sessions where id = ${checkoutId}`.execute(tx);
  return rows[0];
}

/** Our checkout for a provider session or payment id (system). */
export async function findCheckoutIdBy(
  tx: Tx,
  by: { sessionId?: string; paymentId?: string },
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    select id from private.checkout_sessions
     where (${by.sessionId ?? null}::text is not null and provider_session_id = ${by.sessionId ?? null})
        or (${by.paymentId ?? null}::text is not null and payment_id = ${by.paymentId ?? null})
     limit 1`.execute(tx);
  return rows[0]?.id;
}

export interface NewCheckout {
  userId: string;
  productType: CheckoutRow['productType'];
  courseId: string | null;
  planId: string | null;
  productName: string;
  listPriceCents: number;
  currency: string;
  provider: 'stripe' | 'test_checkout';
  ttlMinutes: number;
}

/** Opens a checkout at the list price (a code's discount is applied by reservePromo). */
export async function insertCheckout(tx: Tx, c: NewCheckout): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into private.checkout_sessions (user_id, product_type, course_id, plan_id, product_name, list_price_cents,
                                           amount_cents, currency, provider, expires_at)
    values (${c.userId}, ${c.productType}, ${c.courseId}, ${c.planId}, ${c.productName}, ${c.listPriceCents},
            ${c.listPriceCents}, ${c.currency}, ${c.provider}, now() + make_interval(mins => ${c.ttlMinutes}))
    returning id`.execute(tx);
  return rows[0]!.id;
}

export type PromoOutcome = 'ok' | 'invalid' | 'expired' | 'used_up' | 'not_applicable';

/** Reserves a code for the checkout under the code's row lock (private.reserve_promo); undefined when the checkout is not open. */
export async function reservePromo(tx: Tx, checkoutId: string, code: string) {
  const { rows } = await sql<{ outcome: PromoOutcome; discountCents: number; code: string }>`
    select outcome, discount_cents, code from private.reserve_promo(${checkoutId}, ${code})`.execute(tx);
  return rows[0];
}

/** What a code would give this user on an item (nothing is reserved). */
export async function promoOutcome(
  tx: Tx,
  args: {
    code: string;
    userId: string;
    productType: string;
    courseId: string | null;
    listPriceCents: number;
  },
) {
  const { rows } = await sql<{ outcome: PromoOutcome; discountCents: number; code: string }>`
    select outcome, discount_cents, code
      from private.promo_outcome(${args.code}, ${args.userId}, ${args.productType}, ${args.courseId}::uuid,
                                 ${args.listPriceCents})`.execute(tx);
  return rows[0]!;
}

export async function setProviderSession(tx: Tx, checkoutId: string, sessionId: string, url: string) {
  await sql`update private.checkout_sessions set provider_session_id = ${sessionId}, payment_url = ${url}
             where id = ${checkoutId}`.execute(tx);
}

/** A checkout nothing is due for (100 % code): no provider is involved. */
export async function markFreeGrant(tx: Tx, checkoutId: string) {
  await sql`update private.checkout_sessions set provider = 'free_grant' where id = ${checkoutId}`.execute(
    tx,
  );
}

export async function fulfilCheckout(
  tx: Tx,
  checkoutId: string,
  state: Pick<CheckoutState, 'paymentId' | 'customerId' | 'subscriptionId' | 'periodEnd'>,
): Promise<boolean> {
  const { rows } = await sql<{ done: boolean }>`
    select private.fulfil_checkout(${checkoutId}, ${state.paymentId}, ${state.customerId}, ${state.subscriptionId},
                                   ${state.periodEnd}::timestamptz) as done`.execute(tx);
  return rows[0]!.done;
}

const refundsJson = (refunds: Refund[]) =>
  JSON.stringify(refunds.map((r) => ({ id: r.id, amount_cents: r.amountCents })));

/**
 * Records a fulfilled checkout's refunds (one row each) and revokes it once they reach its amount or
 * a dispute was lost (private.settle_checkout). True when this call revoked it.
 */
export async function settleCheckout(
  tx: Tx,
  checkoutId: string,
  refunds: Refund[],
  disputeLost: boolean,
): Promise<boolean> {
  const { rows } = await sql<{ done: boolean }>`
    select private.settle_checkout(${checkoutId}, ${refundsJson(refunds)}::jsonb, ${disputeLost}) as done`.execute(
    tx,
  );
  return rows[0]!.done;
}

export interface PaidInvoice {
  invoiceId: string;
  provider: 'stripe' | 'test_checkout';
  subscriptionId: string;
  userId: string;
  planId: string | null;
  amountCents: number;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
  refunds: Refund[];
  disputeLost: boolean;
  customerId: string | null;
  productName: string;
}

/**
 * A paid subscription invoice: its payment row once, its refunds, and the revocation of the period
 * it paid for once they reach its amount or a dispute was lost (private.settle_invoice).
 */
export async function settleInvoice(tx: Tx, i: PaidInvoice): Promise<boolean> {
  const { rows } = await sql<{ done: boolean }>`
    select private.settle_invoice(${i.invoiceId}, ${i.provider}, ${i.subscriptionId}, ${i.userId}, ${i.planId}::uuid,
                                  ${i.amountCents}, ${i.currency}, ${i.periodStart}::timestamptz,
                                  ${i.periodEnd}::timestamptz, ${refundsJson(i.refunds)}::jsonb, ${i.disputeLost},
                                  ${i.customerId}, ${i.productName}) as done`.execute(tx);
  return rows[0]!.done;
}

export async function expireCheckout(
  tx: Tx,
  checkoutId: string,
  status: 'expired' | 'failed',
): Promise<boolean> {
  const { rows } = await sql<{ done: boolean }>`
    select private.expire_checkout(${checkoutId}, ${status}) as done`.execute(tx);
  return rows[0]!.done;
}

/** Records a provider event id; false when it was recorded before (a redelivery: do nothing). */
export async function recordEvent(
  tx: Tx,
  event: { id: string; type: string; provider: string },
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    insert into private.payment_events (id, provider, type) values (${event.id}, ${event.provider}, ${event.type})
    on conflict (id) do nothing returning id`.execute(tx);
  return rows.length === 1;
}

export interface FailedPayment {
  userId: string | null;
  type: 'purchase' | 'subscription';
  amountCents: number;
  currency: string;
  productType: 'course' | 'subscription';
  productId: string | null;
  productName: string;
  provider: 'stripe' | 'test_checkout';
  providerTransactionId: string;
  customerId: string | null;
}

/** A failed payment's row (once per provider object). */
export async function insertFailedPayment(tx: Tx, p: FailedPayment): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    insert into public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
                                             product_name, provider, provider_transaction_id, provider_customer_id)
    values (${p.userId}, ${p.type}, 'failed', ${p.amountCents}, ${p.currency}, ${p.productType}, ${p.productId},
            ${p.productName}, ${p.provider}, ${p.providerTransactionId}, ${p.customerId})
    on conflict do nothing returning id`.execute(tx);
  return rows.length === 1;
}

export interface PlanRow {
  id: string;
  tier: 'basic' | 'premium' | 'lifetime';
  billingInterval: 'month' | 'year' | 'once';
  name: string;
  priceCents: number;
  currency: string;
}

/** The active plans (any role may call private.active_plans). */
export async function listActivePlans(tx: Tx): Promise<PlanRow[]> {
  const { rows } = await sql<PlanRow>`
    select id, tier, billing_interval, name, price_cents, currency from private.active_plans()`.execute(tx);
  return rows;
}

/**
 * Keeps the profile's subscription fields true to the provider's subscription (system). A lifetime
 * member is left alone: renewals of an old plan must not downgrade them. Returns false when a newer
 * read of the subscription was applied already (this one is stale and changes nothing).
 */
export async function syncProfileSubscription(
  tx: Tx,
  s: {
    subscriptionId: string;
    fetchedAt: Date;
    userId: string;
    planId: string | null;
    status: string;
    periodEnd: Date | null;
    customerId: string | null;
  },
): Promise<boolean> {
  // Only a read newer than the last one applied may change the profile (the row lock orders workers).
  const { rows } = await sql<{ subscriptionId: string }>`
    insert into private.subscription_syncs as ss (subscription_id, user_id, fetched_at)
    values (${s.subscriptionId}, ${s.userId}, ${s.fetchedAt})
    on conflict (subscription_id) do update set fetched_at = excluded.fetched_at
     where ss.fetched_at < excluded.fetched_at
    returning subscription_id`.execute(tx);
  if (rows.length === 0) return false;
  await sql`
    update public.profiles p
       set subscription_status = ${s.status},
           -- a refunded or disputed period is not given back by a later read (0030)
           subscription_expires_at = private.paid_period_end(${s.subscriptionId}, ${s.periodEnd}::timestamptz),
           subscription_tier = coalesce((select sp.tier from private.subscription_plans sp where sp.id = ${s.planId}::uuid),
                                        p.subscription_tier),
           stripe_customer_id = coalesce(${s.customerId}, p.stripe_customer_id)
     where p.id = ${s.userId} and p.subscription_tier is distinct from 'lifetime'`.execute(tx);
  return true;
}

export async function findProfileContact(tx: Tx, userId: string) {
  const { rows } = await sql<{ email: string; displayName: string | null; stripeCustomerId: string | null }>`
    select email, display_name, stripe_customer_id from public.profiles where id = ${userId}`.execute(tx);
  return rows[0];
}

export async function findPlanName(tx: Tx, planId: string | null): Promise<string> {
  if (!planId) return 'Subscription';
  const { rows } = await sql<{ name: string }>`
    select name from private.subscription_plans where id = ${planId}::uuid`.execute(tx);
  return rows[0]?.name ?? 'Subscription';
}
