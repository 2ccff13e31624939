import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config.ts';
import type { Db, Tx } from '../../db/session.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import type { CheckoutState, PaymentProvider, ProviderEvent } from '../../platform/payments/provider.ts';
import { createStripeProvider, type StripeProvider } from '../../platform/payments/stripe.ts';
import {
  createTestCheckoutProvider,
  type TestCheckoutProvider,
} from '../../platform/payments/test-checkout.ts';
import {
  expireCheckout,
  findCheckout,
  findCheckoutIdBy,
  findPlanName,
  findProfileContact,
  fulfilCheckout,
  insertFailedPayment,
  recordEvent,
  settleCheckout,
  settleInvoice,
  syncProfileSubscription,
} from './payments.queries.ts';

/**
 * Fulfilment: the one path from "the provider says" to access granted or taken back. Every event
 * (a Stripe webhook, or the test checkout's internal one) is handled the same way:
 *   1. resolve which checkout/subscription it is about and RE-FETCH that object from the provider
 *      (the payload's state is never trusted: events arrive late, twice, out of order);
 *   2. in one system transaction: record the event id (a redelivery stops here) and move our state
 *      forward to the fetched one through idempotent SECURITY DEFINER functions (fulfil once,
 *      revoke once, expire once), each holding the checkout's row lock.
 * Because effects depend only on the provider's current state and only ever move forward, any
 * number of workers processing any schedule of events converge on the same state.
 */
export interface PaymentsContext {
  db: Db;
  config: Config;
  mailer: Mailer;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** The provider new checkouts use: Stripe when configured, else the test checkout. */
  active: PaymentProvider;
  stripe: StripeProvider | undefined;
  test: TestCheckoutProvider;
}

export function createPaymentsContext(
  deps: Omit<PaymentsContext, 'active' | 'stripe' | 'test'>,
): PaymentsContext {
  const { stripeSecretKey, stripeWebhookSecret, stripeApiBase } = deps.config.payments;
  const stripe =
    stripeSecretKey && stripeWebhookSecret
      ? createStripeProvider({
          secretKey: stripeSecretKey,
          webhookSecret: stripeWebhookSecret,
          apiBase: stripeApiBase,
        })
      : undefined;
  const test = createTestCheckoutProvider(deps.db);
  return { ...deps, stripe, test, active: stripe ?? test };
}

export function providerFor(ctx: PaymentsContext, name: string): PaymentProvider | undefined {
  if (name === 'stripe') return ctx.stripe;
  if (name === 'test_checkout') return ctx.test;
  return undefined;
}

/** Moves one checkout to the provider's state (inside the caller's system transaction). */
export async function applyCheckoutState(tx: Tx, checkoutId: string, state: CheckoutState): Promise<void> {
  if (state.paid) {
    await fulfilCheckout(tx, checkoutId, state);
    // Partial refunds are recorded and keep the access; refunds reaching the amount, or a lost dispute, revoke it.
    if (state.refunds.length > 0 || state.disputeLost)
      await settleCheckout(tx, checkoutId, state.refunds, state.disputeLost);
    return;
  }
  if (!state.paid && state.status === 'expired') await expireCheckout(tx, checkoutId, 'expired');
  if (!state.paid && state.status === 'complete') {
    // An asynchronous payment (bank debit…) failed after the session completed.
    if (await expireCheckout(tx, checkoutId, 'failed')) {
      const row = await findCheckout(tx, checkoutId);
      if (row && row.provider !== 'free_grant')
        await insertFailedPayment(tx, {
          userId: row.userId,
          type: row.productType === 'subscription' ? 'subscription' : 'purchase',
          amountCents: row.amountCents,
          currency: row.currency,
          productType: row.productType === 'course' ? 'course' : 'subscription',
          productId: row.courseId ?? row.planId,
          productName: row.productName,
          provider: row.provider,
          providerTransactionId: state.sessionId,
          customerId: state.customerId,
        });
    }
  }
}

/** Re-fetches a checkout from its provider and applies it (the success page, refunds, tests). */
export async function syncCheckout(ctx: PaymentsContext, checkoutId: string): Promise<void> {
  const row = await ctx.db.asSystem((tx) => findCheckout(tx, checkoutId));
  if (!row?.providerSessionId) return;
  const provider = providerFor(ctx, row.provider);
  if (!provider) return;
  const state = await provider.retrieveCheckout(row.providerSessionId);
  await ctx.db.asSystem((tx) => applyCheckoutState(tx, checkoutId, state));
}

export type EventOutcome = 'processed' | 'duplicate' | 'ignored';

/**
 * Handles one verified provider event exactly once (see the top of this file). Throws when the
 * provider cannot be reached: the webhook then answers 500 and the provider delivers it again.
 */
export async function handleProviderEvent(
  ctx: PaymentsContext,
  provider: PaymentProvider,
  event: ProviderEvent,
): Promise<EventOutcome> {
  const record = (tx: Tx) => recordEvent(tx, { id: event.id, type: event.type, provider: provider.name });
  let invoiceId = event.refs.invoice;

  // Checkouts and the payments they led to (charges, refunds, disputes, payment intents).
  if (event.refs.checkoutSession || (event.refs.paymentIntent && !invoiceId)) {
    const sessionId = event.refs.checkoutSession;
    let checkoutId = await ctx.db.asSystem((tx) =>
      findCheckoutIdBy(tx, sessionId ? { sessionId } : { paymentId: event.refs.paymentIntent! }),
    );
    let state: CheckoutState | undefined;
    if (sessionId) {
      state = await provider.retrieveCheckout(sessionId);
      checkoutId ??= state.checkoutId ?? undefined;
    } else if (!checkoutId) {
      checkoutId = (await provider.checkoutIdForPayment(event.refs.paymentIntent!)) ?? undefined;
      // Not a checkout's payment: a subscription invoice's (a renewal's charge, refund or dispute).
      if (!checkoutId) invoiceId = (await provider.invoiceForPayment(event.refs.paymentIntent!)) ?? undefined;
    }
    if (!invoiceId) {
      if (checkoutId && !state) {
        const row = await ctx.db.asSystem((tx) => findCheckout(tx, checkoutId!));
        if (row?.providerSessionId) state = await provider.retrieveCheckout(row.providerSessionId);
      }
      return ctx.db.asSystem(async (tx) => {
        if (!(await record(tx))) return 'duplicate';
        if (!checkoutId || !state || !(await findCheckout(tx, checkoutId))) return 'ignored';
        await applyCheckoutState(tx, checkoutId, state);
        return 'processed';
      });
    }
  }

  // Subscriptions: payments (first and renewals) with their refunds and disputes, failed renewals,
  // plan changes and cancellations.
  if (invoiceId || event.refs.subscription) {
    const invoice = invoiceId ? await provider.retrieveInvoice(invoiceId) : undefined;
    const subscriptionId = invoice?.subscriptionId ?? event.refs.subscription;
    const fetchedAt = new Date();
    const sub = subscriptionId ? await provider.retrieveSubscription(subscriptionId) : undefined;
    const mails: Array<() => Promise<unknown>> = [];
    const outcome = await ctx.db.asSystem(async (tx): Promise<EventOutcome> => {
      if (!(await record(tx))) return 'duplicate';
      if (!sub?.userId) return 'ignored';
      const planName = await findPlanName(tx, sub.planId);
      await syncProfileSubscription(tx, {
        subscriptionId: sub.id,
        fetchedAt,
        userId: sub.userId,
        planId: sub.planId,
        status: sub.status,
        periodEnd: sub.periodEnd,
        customerId: sub.customerId,
      });
      if (invoice?.paid) {
        await settleInvoice(tx, {
          invoiceId: invoice.id,
          provider: provider.name,
          subscriptionId: sub.id,
          userId: sub.userId,
          planId: sub.planId,
          amountCents: invoice.amountCents,
          currency: invoice.currency,
          periodStart: invoice.periodStart ?? fetchedAt,
          periodEnd: invoice.periodEnd ?? sub.periodEnd ?? fetchedAt,
          refunds: invoice.refunds,
          disputeLost: invoice.disputeLost,
          customerId: sub.customerId,
          productName: planName,
        });
      } else if (invoice && event.type === 'invoice.payment_failed') {
        const first = await insertFailedPayment(tx, {
          userId: sub.userId,
          currency: invoice.currency,
          productId: sub.planId,
          productName: planName,
          provider: provider.name,
          customerId: sub.customerId,
          type: 'subscription',
          productType: 'subscription',
          amountCents: invoice.amountCents,
          providerTransactionId: invoice.id,
        });
        const contact = await findProfileContact(tx, sub.userId);
        if (first && contact && sub.periodEnd) {
          const accessUntil = sub.periodEnd;
          mails.push(() =>
            ctx.mailer.send({
              to: contact.email,
              template: 'payment_failed',
              data: {
                displayName: contact.displayName,
                planName,
                accessUntil,
                billingUrl: `${ctx.config.publicUrl}/purchases`,
              },
              idempotencyKey: `payment_failed:${invoice.id}`,
              metadata: { invoiceId: invoice.id, subscriptionId: sub.id },
            }),
          );
        }
      }
      return 'processed';
    });
    // Mail after the commit (the mailer opens its own transactions); its key makes a retry a no-op.
    for (const send of mails) {
      try {
        await send();
      } catch (error) {
        ctx.log.error(
          { err: error, eventId: event.id },
          'payments: the failed-payment email could not be sent',
        );
      }
    }
    return outcome;
  }

  return ctx.db.asSystem(async (tx) => ((await record(tx)) ? 'ignored' : 'duplicate'));
}
