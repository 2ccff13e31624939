import Stripe from 'stripe';
import type {
  Refund,
  CheckoutRequest,
  CheckoutState,
  InvoiceState,
  OpenedCheckout,
  PaymentProvider,
  ProviderEvent,
  SubscriptionState,
} from './provider.ts';

export interface StripeOptions {
  secretKey: string;
  webhookSecret: string;
  /** Another API origin (a local stand-in in tests); absent means api.stripe.com. */
  apiBase?: string | undefined;
}

/** The webhook signature did not verify (missing, wrong secret, altered body, too old). */
export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

/** Seconds a signed webhook stays acceptable (Stripe's default tolerance). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function createStripeClient(options: StripeOptions): Stripe {
  const base = options.apiBase ? new URL(options.apiBase) : undefined;
  return new Stripe(options.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? 'https' : 'http',
        }
      : {}),
  });
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

const fromEpoch = (seconds: number | null | undefined) =>
  typeof seconds === 'number' ? new Date(seconds * 1000) : null;

/** A subscription's period end: on the subscription (older API versions) or on its first item. */
function periodEndOf(sub: Stripe.Subscription): Date | null {
  const loose = sub as unknown as {
    current_period_end?: number;
    items?: { data?: Array<{ current_period_end?: number }> };
  };
  return fromEpoch(loose.current_period_end ?? loose.items?.data?.[0]?.current_period_end);
}

function subscriptionStatus(status: Stripe.Subscription.Status): SubscriptionState['status'] {
  if (status === 'active' || status === 'trialing') return 'active';
  if (status === 'past_due' || status === 'unpaid' || status === 'incomplete') return 'past_due';
  return 'cancelled';
}

/** Stripe Checkout through the official SDK; every write carries an idempotency key from our ids. */
export function createStripeProvider(options: StripeOptions): PaymentProvider & {
  verifyWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent;
} {
  const stripe = createStripeClient(options);

  /** Every succeeded refund of the payment (partial ones too) and whether a dispute on it was lost. */
  async function refundAndDispute(paymentIntent: Stripe.PaymentIntent | null) {
    if (!paymentIntent) return { refunds: [] as Refund[], disputeLost: false };
    const charge =
      typeof paymentIntent.latest_charge === 'string'
        ? await stripe.charges.retrieve(paymentIntent.latest_charge)
        : paymentIntent.latest_charge;
    let refunds: Refund[] = [];
    let disputeLost = false;
    if (charge && (charge.refunded || charge.amount_refunded > 0)) {
      const list = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 100 });
      refunds = list.data
        .filter((r) => r.status === 'succeeded')
        .map((r) => ({ id: r.id, amountCents: r.amount }));
    }
    if (charge?.disputed) {
      const disputes = await stripe.disputes.list({ payment_intent: paymentIntent.id, limit: 10 });
      disputeLost = disputes.data.some((d) => d.status === 'lost');
    }
    return { refunds, disputeLost };
  }

  /** An invoice with its payments (the PaymentIntent that paid it is on them). */
  async function invoiceWithPayment(invoiceId: string) {
    const invoice = await stripe.invoices.retrieve(invoiceId, { expand: ['payments'] });
    const payment = invoice.payments?.data.find((p) => p.status === 'paid') ?? invoice.payments?.data[0];
    return { invoice, paymentIntentId: idOf(payment?.payment.payment_intent ?? null) };
  }

  return {
    name: 'stripe',

    async createCheckout(request: CheckoutRequest): Promise<OpenedCheckout> {
      const metadata = {
        checkout_id: request.checkoutId,
        user_id: request.userId,
        plan_id: request.planId ?? '',
      };
      // A subscription is priced at the plan's list price (every renewal charges it) and a code's
      // discount is a one-off coupon: it applies to the first period only. A one-off payment is
      // simply charged the discounted amount.
      const subscription = request.mode === 'subscription';
      const coupon =
        subscription && request.discountCents > 0
          ? await stripe.coupons.create(
              {
                amount_off: request.discountCents,
                currency: request.currency.toLowerCase(),
                duration: 'once',
                max_redemptions: 1,
                name: request.promoCode ?? 'Promotional code',
                metadata: { checkout_id: request.checkoutId },
              },
              { idempotencyKey: `coupon:${request.checkoutId}` },
            )
          : null;
      const session = await stripe.checkout.sessions.create(
        {
          mode: request.mode,
          client_reference_id: request.checkoutId,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: subscription ? request.listPriceCents : request.amountCents,
                product_data: { name: request.productName },
                ...(request.mode === 'subscription'
                  ? { recurring: { interval: request.interval ?? 'month' } }
                  : {}),
              },
            },
          ],
          metadata,
          ...(coupon ? { discounts: [{ coupon: coupon.id }] } : {}),
          ...(request.mode === 'payment'
            ? { payment_intent_data: { metadata } }
            : { subscription_data: { metadata } }),
          ...(request.customerId
            ? { customer: request.customerId }
            : request.customerEmail
              ? { customer_email: request.customerEmail }
              : {}),
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          expires_at: Math.floor(request.expiresAt.getTime() / 1000),
        },
        { idempotencyKey: `checkout:${request.checkoutId}` },
      );
      if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
      return { sessionId: session.id, url: session.url };
    },

    async retrieveCheckout(sessionId: string): Promise<CheckoutState> {
      const session = await stripe.checkout.sessions.retrieve(sessionId, {
        expand: ['payment_intent.latest_charge', 'subscription'],
      });
      const paymentIntent =
        session.payment_intent && typeof session.payment_intent !== 'string'
          ? session.payment_intent
          : session.payment_intent
            ? await stripe.paymentIntents.retrieve(session.payment_intent, { expand: ['latest_charge'] })
            : null;
      const subscription =
        session.subscription && typeof session.subscription !== 'string'
          ? session.subscription
          : session.subscription
            ? await stripe.subscriptions.retrieve(session.subscription)
            : null;
      const { refunds, disputeLost } = await refundAndDispute(paymentIntent);
      return {
        sessionId: session.id,
        checkoutId: session.metadata?.checkout_id ?? session.client_reference_id ?? null,
        status:
          session.status === 'complete' ? 'complete' : session.status === 'expired' ? 'expired' : 'open',
        paid: session.payment_status === 'paid' || session.payment_status === 'no_payment_required',
        paymentId: paymentIntent?.id ?? idOf(session.invoice),
        customerId: idOf(session.customer),
        subscriptionId: subscription?.id ?? null,
        periodEnd: subscription ? periodEndOf(subscription) : null,
        refunds,
        disputeLost,
      };
    },

    async expireCheckout(sessionId: string, checkoutId: string): Promise<void> {
      const session = await stripe.checkout.sessions.retrieve(sessionId);
      if (session.status !== 'open') return;
      await stripe.checkout.sessions.expire(sessionId, {}, { idempotencyKey: `expire:${checkoutId}` });
    },

    async refund(paymentId: string, checkoutId: string): Promise<void> {
      await stripe.refunds.create({ payment_intent: paymentId }, { idempotencyKey: `refund:${checkoutId}` });
    },

    async refundInvoice(invoiceId: string): Promise<void> {
      const { paymentIntentId } = await invoiceWithPayment(invoiceId);
      if (!paymentIntentId) throw new Error(`Stripe invoice ${invoiceId} has no payment to refund`);
      await stripe.refunds.create(
        { payment_intent: paymentIntentId },
        { idempotencyKey: `refund:${invoiceId}` },
      );
    },

    async invoiceForPayment(paymentId: string): Promise<string | null> {
      const payments = await stripe.invoicePayments.list({
        payment: { type: 'payment_intent', payment_intent: paymentId },
        limit: 1,
      });
      return idOf(payments.data[0]?.invoice ?? null);
    },

    async checkoutIdForPayment(paymentId: string): Promise<string | null> {
      const paymentIntent = await stripe.paymentIntents.retrieve(paymentId);
      return paymentIntent.metadata?.checkout_id || null;
    },

    async retrieveSubscription(subscriptionId: string): Promise<SubscriptionState> {
      const sub = await stripe.subscriptions.retrieve(subscriptionId);
      return {
        id: sub.id,
        status: subscriptionStatus(sub.status),
        userId: sub.metadata?.user_id || null,
        planId: sub.metadata?.plan_id || null,
        customerId: idOf(sub.customer),
        periodEnd: periodEndOf(sub),
      };
    },

    async cancelSubscription(subscriptionId: string): Promise<void> {
      await stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `cancel:${subscriptionId}` });
    },

    async retrieveInvoice(invoiceId: string): Promise<InvoiceState> {
      const { invoice, paymentIntentId } = await invoiceWithPayment(invoiceId);
      const loose = invoice as unknown as {
        subscription?: string | { id: string } | null;
        parent?: { subscription_details?: { subscription?: string | { id: string } } } | null;
      };
      // The period a subscription invoice pays for is its line's (the invoice's own period_start/end
      // is the period that just ended, for renewals).
      const line = invoice.lines?.data?.[0];
      const paid = invoice.status === 'paid';
      const paymentIntent =
        paid && paymentIntentId
          ? await stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] })
          : null;
      const { refunds, disputeLost } = await refundAndDispute(paymentIntent);
      return {
        id: invoice.id!,
        paid,
        periodStart: fromEpoch(line?.period?.start ?? invoice.period_start),
        periodEnd: fromEpoch(line?.period?.end ?? invoice.period_end),
        paymentId: paymentIntentId,
        refunds,
        disputeLost,
        subscriptionId: idOf(loose.subscription ?? loose.parent?.subscription_details?.subscription ?? null),
        amountCents: paid ? invoice.amount_paid : invoice.amount_due,
        currency: invoice.currency.toUpperCase(),
        customerId: idOf(invoice.customer),
        billingReason: invoice.billing_reason ?? null,
        attemptCount: invoice.attempt_count ?? 0,
      };
    },

    async portalUrl(customerId: string, returnUrl: string): Promise<string | null> {
      const session = await stripe.billingPortal.sessions.create({
        customer: customerId,
        return_url: returnUrl,
      });
      return session.url;
    },

    verifyWebhook(rawBody: Buffer, signature: string | undefined): ProviderEvent {
      if (!signature) throw new WebhookSignatureError('missing Stripe-Signature header');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(
          rawBody,
          signature,
          options.webhookSecret,
          WEBHOOK_TOLERANCE_SECONDS,
        );
      } catch (error) {
        throw new WebhookSignatureError((error as Error).message);
      }
      const object = event.data.object as unknown as Record<string, unknown> & { id: string; object: string };
      const ref = (key: string) =>
        idOf(object[key] as string | { id: string } | null | undefined) ?? undefined;
      const refs: ProviderEvent['refs'] = {};
      if (object.object === 'checkout.session') refs.checkoutSession = object.id;
      if (object.object === 'payment_intent') refs.paymentIntent = object.id;
      if (object.object === 'subscription') refs.subscription = object.id;
      if (object.object === 'invoice') refs.invoice = object.id;
      const pi = ref('payment_intent');
      if (pi) refs.paymentIntent = pi;
      const sub = ref('subscription');
      if (sub && object.object !== 'checkout.session') refs.subscription = sub;
      return { id: event.id, type: event.type, objectId: object.id, objectType: object.object, refs };
    },
  };
}

export type StripeProvider = ReturnType<typeof createStripeProvider>;
