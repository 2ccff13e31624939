/**
 * What the payments module needs from a payment provider. Two implementations: Stripe (the
 * official SDK) and the built-in test checkout (no money moves). Fulfilment never trusts an event's
 * payload: it asks the provider for the checkout's current state (`retrieveCheckout`) and applies
 * it, so both providers drive the very same fulfilment code.
 */
export type ProviderName = 'stripe' | 'test_checkout';

export interface CheckoutRequest {
  /** Our checkout id: the idempotency key and the metadata that leads every event back to us. */
  checkoutId: string;
  userId: string;
  mode: 'payment' | 'subscription';
  /** Computed by the server (list price minus the reserved discount). */
  amountCents: number;
  /**
   * The price before the code's discount and the discount (both computed by the server). A
   * subscription charges the list price every period; the discount applies to the first only.
   */
  listPriceCents: number;
  discountCents: number;
  promoCode: string | null;
  currency: string;
  productName: string;
  /** Subscriptions only. */
  interval?: 'month' | 'year';
  planId?: string;
  customerEmail: string | null;
  customerId: string | null;
  successUrl: string;
  cancelUrl: string;
  expiresAt: Date;
}

export interface OpenedCheckout {
  sessionId: string;
  url: string;
}

/** The provider's current view of one checkout session and the payment it led to. */
export interface CheckoutState {
  sessionId: string;
  /** From the session's metadata; null when the session is not one of ours. */
  checkoutId: string | null;
  status: 'open' | 'complete' | 'expired';
  /** Money was received (or none was due). */
  paid: boolean;
  paymentId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  /** End of the paid period of a subscription. */
  periodEnd: Date | null;
  /**
   * Every succeeded refund of the payment (several partial ones may add up to the whole). Empty for
   * a subscription's checkout: its payments are invoices, refunded as invoices.
   */
  refunds: Refund[];
  /** A dispute on the payment was lost (the money went back to the payer). */
  disputeLost: boolean;
}

export interface SubscriptionState {
  id: string;
  status: 'active' | 'past_due' | 'cancelled';
  userId: string | null;
  planId: string | null;
  customerId: string | null;
  periodEnd: Date | null;
}

export interface Refund {
  id: string;
  amountCents: number;
}

export interface InvoiceState {
  id: string;
  paid: boolean;
  /** The period this invoice pays for (null when the provider does not say). */
  periodStart: Date | null;
  periodEnd: Date | null;
  /** The provider's payment of the invoice (to refund it), once paid. */
  paymentId: string | null;
  refunds: Refund[];
  disputeLost: boolean;
  subscriptionId: string | null;
  amountCents: number;
  currency: string;
  customerId: string | null;
  /** subscription_create: the first invoice (the checkout already recorded it). */
  billingReason: string | null;
  attemptCount: number;
}

/** A verified webhook event: only its id, type and the id of the object it is about are used. */
export interface ProviderEvent {
  id: string;
  type: string;
  objectId: string;
  objectType: string;
  /** Ids the payload names that lead to our objects (re-fetched before use, never trusted). */
  refs: { paymentIntent?: string; subscription?: string; invoice?: string; checkoutSession?: string };
}

export interface PaymentProvider {
  readonly name: ProviderName;
  createCheckout(request: CheckoutRequest): Promise<OpenedCheckout>;
  retrieveCheckout(sessionId: string): Promise<CheckoutState>;
  /** Closes an open session (the learner cancelled); a session already paid stays paid. */
  expireCheckout(sessionId: string, checkoutId: string): Promise<void>;
  /** Refunds the whole payment; the idempotency key is derived from our checkout id. */
  refund(paymentId: string, checkoutId: string): Promise<void>;
  /** Refunds the whole payment of a subscription invoice; the idempotency key is the invoice id. */
  refundInvoice(invoiceId: string): Promise<void>;
  /** Our checkout id for a provider payment (from its metadata), or null. */
  checkoutIdForPayment(paymentId: string): Promise<string | null>;
  /** The subscription invoice a provider payment paid, or null (a one-off payment). */
  invoiceForPayment(paymentId: string): Promise<string | null>;
  retrieveSubscription(subscriptionId: string): Promise<SubscriptionState>;
  /** Cancels a subscription now (no further renewals); the idempotency key is the subscription id. */
  cancelSubscription(subscriptionId: string): Promise<void>;
  retrieveInvoice(invoiceId: string): Promise<InvoiceState>;
  /** A billing portal URL for a customer (Stripe only; null for the test checkout). */
  portalUrl(customerId: string, returnUrl: string): Promise<string | null>;
}
