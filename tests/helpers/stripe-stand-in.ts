import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A local HTTP server speaking the subset of the Stripe API the payments module calls, so the
 * official SDK (pointed here with STRIPE_API_BASE) runs unmodified in tests. Test code drives the
 * "Stripe side" directly (a customer pays, a refund, a lost dispute, a renewal) and builds webhook
 * events signed with `stripe.webhooks.generateTestHeaderString`.
 *
 * Any request it does not implement is answered 500 and recorded in `unhandled`: a test asserts
 * that list is empty, so a call the module starts making without the stand-in knowing fails loudly.
 */

export const STAND_IN_SECRET_KEY = 'sk_test_standin';
export const STAND_IN_WEBHOOK_SECRET = 'whsec_standin_secret';

type Obj = Record<string, unknown> & { id: string };

export interface StripeStandIn {
  url: string;
  /** Requests the stand-in did not implement (method and path). Must stay empty. */
  unhandled: string[];
  /** Every request as `METHOD path` with its idempotency key, in order. */
  requests: Array<{
    method: string;
    path: string;
    idempotencyKey: string | undefined;
    body: Record<string, unknown>;
  }>;
  sessions: Map<string, Obj>;
  paymentIntents: Map<string, Obj>;
  charges: Map<string, Obj>;
  refunds: Map<string, Obj>;
  disputes: Map<string, Obj>;
  subscriptions: Map<string, Obj>;
  invoices: Map<string, Obj>;
  coupons: Map<string, Obj>;
  /** The customer pays the session (card: succeeds at once). Returns the PaymentIntent id or the invoice id. */
  pay(sessionId: string): string;
  /** Stripe lets the session expire unpaid. */
  expire(sessionId: string): void;
  /** A delayed payment method (bank debit) completes the session, then the payment fails. */
  failAsync(sessionId: string): void;
  /** A full refund (as from the dashboard). */
  refundPayment(paymentIntentId: string): string;
  /** A partial refund (as from the dashboard): each call is a new refund of this many cents. */
  refundPart(paymentIntentId: string, amountCents: number): string;
  /** The PaymentIntent that paid an invoice (subscription payments are charged through one). */
  invoicePaymentIntent(invoiceId: string): string;
  /** A dispute opens, then is lost. */
  loseDispute(paymentIntentId: string): string;
  /** A renewal invoice of a subscription, paid or failed; the subscription follows. */
  renew(subscriptionId: string, outcome: 'paid' | 'failed'): string;
  cancelSubscription(subscriptionId: string): void;
  /** A webhook event about an object, as Stripe would send it: its raw body and signature header. */
  event(type: string, object: Obj, options?: { secret?: string; timestamp?: number }): SignedEvent;
  close(): Promise<void>;
}

export interface SignedEvent {
  id: string;
  body: string;
  signature: string;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

/** Decodes Stripe's form encoding (a[b][0][c]=v) into nested objects/arrays. */
export function decodeForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return root;
}

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const stripe = new Stripe(STAND_IN_SECRET_KEY);
  const state = {
    sessions: new Map<string, Obj>(),
    paymentIntents: new Map<string, Obj>(),
    charges: new Map<string, Obj>(),
    refunds: new Map<string, Obj>(),
    disputes: new Map<string, Obj>(),
    subscriptions: new Map<string, Obj>(),
    invoices: new Map<string, Obj>(),
    coupons: new Map<string, Obj>(),
  };
  const idempotent = new Map<string, unknown>();
  const unhandled: string[] = [];
  const requests: StripeStandIn['requests'] = [];

  function expandIntent(pi: Obj, expand: string[]): Obj {
    if (!expand.some((e) => e.includes('latest_charge')) || typeof pi.latest_charge !== 'string') return pi;
    return { ...pi, latest_charge: state.charges.get(pi.latest_charge) ?? null };
  }

  function sessionView(session: Obj, expand: string[]): Obj {
    const view: Obj = { ...session };
    if (expand.some((e) => e.startsWith('payment_intent')) && typeof session.payment_intent === 'string')
      view.payment_intent = expandIntent(state.paymentIntents.get(session.payment_intent)!, expand);
    if (expand.includes('subscription') && typeof session.subscription === 'string')
      view.subscription = state.subscriptions.get(session.subscription) ?? null;
    return view;
  }

  /** A succeeded card payment: a PaymentIntent and its charge. */
  function chargeFor(amount: unknown, metadata: Record<string, string>, customer: unknown): Obj {
    const charge: Obj = {
      id: id('ch'),
      object: 'charge',
      amount,
      amount_refunded: 0,
      refunded: false,
      disputed: false,
      payment_intent: '',
    };
    const pi: Obj = {
      id: id('pi'),
      object: 'payment_intent',
      status: 'succeeded',
      amount,
      metadata,
      latest_charge: charge.id,
      customer,
    };
    charge.payment_intent = pi.id;
    state.charges.set(charge.id, charge);
    state.paymentIntents.set(pi.id, pi);
    return pi;
  }

  /** What an invoice carries about its payment and its period (the line's). */
  function invoiceDetails(pi: Obj | null, start: number, end: number) {
    return {
      payments: {
        object: 'list',
        data: pi
          ? [
              {
                id: id('inpay'),
                object: 'invoice_payment',
                status: 'paid',
                payment: { type: 'payment_intent', payment_intent: pi.id },
              },
            ]
          : [],
      },
      lines: { object: 'list', data: [{ id: id('il'), object: 'line_item', period: { start, end } }] },
    };
  }

  function list(items: Obj[]) {
    return { object: 'list', data: items, has_more: false, url: '/v1/list' };
  }

  function route(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): unknown {
    const expand = [...query.entries()].filter(([k]) => k.startsWith('expand')).map(([, v]) => v);
    let m: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const lineItem = (body.line_items as Record<string, Record<string, unknown>>)['0']!;
      const price = lineItem.price_data as Record<string, unknown>;
      const session: Obj = {
        id: id('cs_test'),
        object: 'checkout.session',
        mode: body.mode,
        status: 'open',
        payment_status: 'unpaid',
        amount_total: Math.max(
          0,
          Number(price.unit_amount) -
            Number(
              state.coupons.get(
                String(
                  (body.discounts as Record<string, Record<string, unknown>> | undefined)?.['0']?.coupon,
                ),
              )?.amount_off ?? 0,
            ),
        ),
        unit_amount: Number(price.unit_amount),
        discounts: body.discounts ?? null,
        currency: price.currency,
        metadata: body.metadata ?? {},
        client_reference_id: body.client_reference_id ?? null,
        customer: body.customer ?? null,
        customer_email: body.customer_email ?? null,
        payment_intent: null,
        subscription: null,
        invoice: null,
        url: `https://checkout.stripe.test/pay/${randomBytes(6).toString('hex')}`,
        expires_at: Number(body.expires_at),
        success_url: body.success_url,
        recurring_interval: (price.recurring as Record<string, unknown> | undefined)?.interval ?? null,
        intent_metadata:
          (body.payment_intent_data as Record<string, unknown> | undefined)?.metadata ??
          (body.subscription_data as Record<string, unknown> | undefined)?.metadata ??
          {},
      };
      state.sessions.set(session.id, session);
      return session;
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/))) {
      const s = state.sessions.get(m[1]!);
      return s ? sessionView(s, expand) : undefined;
    }
    if (method === 'POST' && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)\/expire$/))) {
      const s = state.sessions.get(m[1]!);
      if (!s || s.status !== 'open') return undefined;
      s.status = 'expired';
      return s;
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) {
      const pi = state.paymentIntents.get(m[1]!);
      return pi ? expandIntent(pi, expand) : undefined;
    }
    if (method === 'GET' && (m = path.match(/^\/v1\/charges\/([^/]+)$/))) return state.charges.get(m[1]!);
    if (method === 'GET' && (m = path.match(/^\/v1\/subscriptions\/([^/]+)$/)))
      return state.subscriptions.get(m[1]!);
    if (method === 'GET' && (m = path.match(/^\/v1\/invoices\/([^/]+)$/))) return state.invoices.get(m[1]!);
    if (method === 'GET' && path === '/v1/refunds')
      return list(
        [...state.refunds.values()].filter((r) => r.payment_intent === query.get('payment_intent')),
      );
    if (method === 'GET' && path === '/v1/disputes')
      return list(
        [...state.disputes.values()].filter((d) => d.payment_intent === query.get('payment_intent')),
      );
    if (method === 'POST' && path === '/v1/refunds') {
      const pi = String(body.payment_intent);
      if (!state.paymentIntents.has(pi)) return undefined;
      return state.refunds.get(api.refundPayment(pi));
    }
    if (method === 'DELETE' && (m = path.match(/^\/v1\/subscriptions\/([^/]+)$/))) {
      const sub = state.subscriptions.get(m[1]!);
      if (!sub) return undefined;
      sub.status = 'canceled';
      return sub;
    }
    if (method === 'POST' && path === '/v1/coupons') {
      const coupon: Obj = {
        id: id('coupon'),
        object: 'coupon',
        amount_off: body.amount_off === undefined ? null : Number(body.amount_off),
        percent_off: body.percent_off === undefined ? null : Number(body.percent_off),
        currency: body.currency ?? null,
        duration: body.duration,
        max_redemptions: body.max_redemptions === undefined ? null : Number(body.max_redemptions),
        name: body.name ?? null,
        metadata: body.metadata ?? {},
      };
      state.coupons.set(coupon.id, coupon);
      return coupon;
    }
    if (method === 'GET' && path === '/v1/invoice_payments') {
      const pi = query.get('payment[payment_intent]');
      return list(
        [...state.invoices.values()]
          .filter((inv) =>
            ((inv.payments as { data: Obj[] } | undefined)?.data ?? []).some(
              (p) => (p.payment as Record<string, unknown>).payment_intent === pi,
            ),
          )
          .map((inv) => ({ ...(inv.payments as { data: Obj[] }).data[0]!, invoice: inv.id })),
      );
    }
    if (method === 'POST' && path === '/v1/billing_portal/sessions')
      return {
        id: id('bps'),
        object: 'billing_portal.session',
        url: `https://billing.stripe.test/${body.customer}`,
      };
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const body = decodeForm(Buffer.concat(chunks).toString('utf8'));
    const key = req.headers['idempotency-key'] as string | undefined;
    requests.push({ method, path: url.pathname, idempotencyKey: key, body });
    res.setHeader('content-type', 'application/json');
    const cacheKey = key && `${method} ${url.pathname} ${key}`;
    let result = cacheKey && idempotent.has(cacheKey) ? idempotent.get(cacheKey) : undefined;
    if (result === undefined) {
      try {
        result = route(method, url.pathname, url.searchParams, body);
      } catch (error) {
        result = undefined;
        unhandled.push(`${method} ${url.pathname} (threw ${(error as Error).message})`);
      }
      if (result !== undefined && cacheKey) idempotent.set(cacheKey, result);
    }
    if (result === undefined) {
      if (!unhandled.some((u) => u.startsWith(`${method} ${url.pathname}`)))
        unhandled.push(`${method} ${url.pathname}`);
      res.statusCode = 500;
      res.end(
        JSON.stringify({
          error: { type: 'api_error', message: `stand-in: ${method} ${url.pathname} is not implemented` },
        }),
      );
      return;
    }
    res.end(JSON.stringify(result));
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const api: StripeStandIn = {
    url: `http://127.0.0.1:${port}`,
    unhandled,
    requests,
    ...state,

    pay(sessionId) {
      const session = state.sessions.get(sessionId)!;
      if (session.status !== 'open') return String(session.payment_intent ?? session.invoice);
      const customer = (session.customer as string | null) ?? id('cus');
      const metadata = session.intent_metadata as Record<string, string>;
      if (session.mode === 'subscription') {
        const start = now();
        const sub: Obj = {
          id: id('sub'),
          object: 'subscription',
          status: 'active',
          customer,
          metadata,
          items: { object: 'list', data: [{ current_period_end: start + 30 * 86_400 }] },
          // What each renewal charges: the price, without a one-off coupon.
          plan_amount: session.unit_amount ?? session.amount_total,
        };
        state.subscriptions.set(sub.id, sub);
        const invoice: Obj = {
          id: id('in'),
          object: 'invoice',
          status: 'paid',
          subscription: sub.id,
          amount_paid: session.amount_total,
          amount_due: session.amount_total,
          currency: session.currency,
          customer,
          billing_reason: 'subscription_create',
          attempt_count: 1,
          // Subscription payments carry none of our metadata (Stripe puts it on the subscription).
          ...invoiceDetails(chargeFor(session.amount_total, {}, customer), start, start + 30 * 86_400),
        };
        state.invoices.set(invoice.id, invoice);
        Object.assign(session, {
          status: 'complete',
          payment_status: 'paid',
          customer,
          subscription: sub.id,
          invoice: invoice.id,
        });
        return invoice.id;
      }
      const charge: Obj = {
        id: id('ch'),
        object: 'charge',
        amount: session.amount_total,
        amount_refunded: 0,
        refunded: false,
        disputed: false,
        payment_intent: '',
      };
      const pi: Obj = {
        id: id('pi'),
        object: 'payment_intent',
        status: 'succeeded',
        amount: session.amount_total,
        metadata,
        latest_charge: charge.id,
        customer,
      };
      charge.payment_intent = pi.id;
      state.charges.set(charge.id, charge);
      state.paymentIntents.set(pi.id, pi);
      Object.assign(session, { status: 'complete', payment_status: 'paid', customer, payment_intent: pi.id });
      return pi.id;
    },

    failAsync(sessionId) {
      const session = state.sessions.get(sessionId)!;
      Object.assign(session, { status: 'complete', payment_status: 'unpaid' });
    },

    expire(sessionId) {
      const session = state.sessions.get(sessionId)!;
      if (session.status === 'open') session.status = 'expired';
    },

    refundPayment(paymentIntentId) {
      const existing = [...state.refunds.values()].find((r) => r.payment_intent === paymentIntentId);
      if (existing) return existing.id;
      const pi = state.paymentIntents.get(paymentIntentId)!;
      const charge = state.charges.get(String(pi.latest_charge))!;
      const refund: Obj = {
        id: id('re'),
        object: 'refund',
        status: 'succeeded',
        amount: charge.amount,
        payment_intent: paymentIntentId,
        charge: charge.id,
      };
      state.refunds.set(refund.id, refund);
      Object.assign(charge, { refunded: true, amount_refunded: charge.amount });
      return refund.id;
    },

    refundPart(paymentIntentId, amountCents) {
      const pi = state.paymentIntents.get(paymentIntentId)!;
      const charge = state.charges.get(String(pi.latest_charge))!;
      const refund: Obj = {
        id: id('re'),
        object: 'refund',
        status: 'succeeded',
        amount: amountCents,
        payment_intent: paymentIntentId,
        charge: charge.id,
      };
      state.refunds.set(refund.id, refund);
      const refunded = Number(charge.amount_refunded) + amountCents;
      Object.assign(charge, { amount_refunded: refunded, refunded: refunded >= Number(charge.amount) });
      return refund.id;
    },

    invoicePaymentIntent(invoiceId) {
      const payments = state.invoices.get(invoiceId)!.payments as {
        data: Array<{ payment: { payment_intent: string } }>;
      };
      return payments.data[0]!.payment.payment_intent;
    },

    loseDispute(paymentIntentId) {
      const pi = state.paymentIntents.get(paymentIntentId)!;
      const charge = state.charges.get(String(pi.latest_charge))!;
      const dispute: Obj = {
        id: id('dp'),
        object: 'dispute',
        status: 'lost',
        amount: charge.amount,
        charge: charge.id,
        payment_intent: paymentIntentId,
      };
      state.disputes.set(dispute.id, dispute);
      charge.disputed = true;
      return dispute.id;
    },

    renew(subscriptionId, outcome) {
      const sub = state.subscriptions.get(subscriptionId)!;
      const items = sub.items as { data: Array<{ current_period_end: number }> };
      const amount = Number(sub.plan_amount ?? 1900);
      const start = items.data[0]!.current_period_end;
      const invoice: Obj = {
        id: id('in'),
        object: 'invoice',
        status: outcome === 'paid' ? 'paid' : 'open',
        subscription: sub.id,
        amount_paid: outcome === 'paid' ? amount : 0,
        amount_due: amount,
        currency: 'usd',
        customer: sub.customer,
        billing_reason: 'subscription_cycle',
        attempt_count: 1,
        ...invoiceDetails(
          outcome === 'paid' ? chargeFor(amount, {}, sub.customer) : null,
          start,
          start + 30 * 86_400,
        ),
      };
      state.invoices.set(invoice.id, invoice);
      if (outcome === 'paid') {
        items.data[0]!.current_period_end += 30 * 86_400;
        sub.status = 'active';
      } else sub.status = 'past_due';
      return invoice.id;
    },

    cancelSubscription(subscriptionId) {
      state.subscriptions.get(subscriptionId)!.status = 'canceled';
    },

    event(type, object, options = {}) {
      const event = {
        id: id('evt'),
        object: 'event',
        api_version: '2025-01-01',
        created: now(),
        type,
        livemode: false,
        data: { object },
      };
      const body = JSON.stringify(event);
      const signature = stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: options.secret ?? STAND_IN_WEBHOOK_SECRET,
        ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
      });
      return { id: event.id, body, signature };
    },

    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return api;
}
