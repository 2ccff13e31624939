import Stripe from 'stripe';
import type {
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

  async function refundAndDispute(paymentIntent: Stripe.PaymentIntent | null) {
    if (!paymentIntent) return { refund: null, disputeLost: false };
    const charge =
      typeof paymentIntent.latest_charge === 'string'
        ? await stripe.charges.retrieve(paymentIntent.latest_charge)
        : paymentIntent.latest_charge;
    let refund: CheckoutState['refund'] = null;
    let disputeLost = false;
    if (charge?.refunded) {
      const refunds = await stripe.refunds.list({ payment_intent: paymentIntent.id, limit: 10 });
      const done = refunds.data.find((r) => r.status === 'succeeded');
      refund = { id: done?.id ?? `refund:${charge.id}`, amountCents: charge.amount_refunded };
    }
    if (charge?.disputed) {
      const disputes = await stripe.disputes.list({ payment_intent: paymentIntent.id, limit: 10 });
      disputeLost = disputes.data.some((d) => d.status === 'lost');
    }
    return { refund, disputeLost };
  }

  return {
    name: 'stripe',

    async createCheckout(request: CheckoutRequest): Promise<OpenedCheckout> {
      const metadata = {
        checkout_id: request.checkoutId,
        user_id: request.userId,
        plan_id: request.planId ?? '',
      };
      const session = await stripe.checkout.sessions.create(
        {
          mode: request.mode,
          client_reference_id: request.checkoutId,
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: request.amountCents,
                product_data: { name: request.productName },
                ...(request.mode === 'subscription'
                  ? { recurring: { interval: request.interval ?? 'month' } }
                  : {}),
              },
            },
          ],
          metadata,
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
      const { refund, disputeLost } = await refundAndDispute(paymentIntent);
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
        refund,
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

    async retrieveInvoice(invoiceId: string): Promise<InvoiceState> {
      const invoice = await stripe.invoices.retrieve(invoiceId);
      const loose = invoice as unknown as {
        subscription?: string | { id: string } | null;
        parent?: { subscription_details?: { subscription?: string | { id: string } } } | null;
      };
      return {
        id: invoice.id!,
        paid: invoice.status === 'paid',
        subscriptionId: idOf(loose.subscription ?? loose.parent?.subscription_details?.subscription ?? null),
        amountCents: invoice.status === 'paid' ? invoice.amount_paid : invoice.amount_due,
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
