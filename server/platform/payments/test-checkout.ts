import { sql } from 'kysely';
import type { Db } from '../../db/session.ts';
import type { CheckoutState, InvoiceState, PaymentProvider, SubscriptionState } from './provider.ts';

/**
 * The built-in test checkout, used when no Stripe keys are configured: a page of our own
 * (`/checkout/test/<id>`, clearly labelled) where the learner "pays" without any money moving.
 * It plays the provider's part only — its state is two timestamps on the checkout row (paid,
 * refunded) — and fulfilment reads that state through `retrieveCheckout` exactly as it reads
 * Stripe's, so the demo exercises the real fulfilment code.
 *
 * Call it outside any unit of work: it opens its own system transactions.
 */
export const TEST_SESSION_PREFIX = 'tc_';

const PERIOD_DAYS = { month: 30, year: 365 } as const;

interface Row {
  id: string;
  status: string;
  productType: string;
  userId: string | null;
  expiresAt: Date;
  testPaidAt: Date | null;
  testRefundedAt: Date | null;
  billingInterval: string | null;
  amountCents: number;
  listPriceCents: number;
  planId: string | null;
  currency: string;
  testCancelledAt: Date | null;
}

interface InvoiceRow {
  id: string;
  checkoutId: string;
  seq: number;
  status: 'paid' | 'failed';
  amountCents: number;
  periodStart: Date;
  periodEnd: Date;
  refundedAt: Date | null;
  currency: string;
}

const SUBSCRIPTION_PREFIX = 'tcsub_';
const INVOICE_PREFIX = 'tcin_';
const invoiceIdOf = (checkoutId: string, seq: number) => `${INVOICE_PREFIX}${checkoutId}_${seq}`;
const checkoutOfInvoice = (invoiceId: string) =>
  invoiceId.slice(INVOICE_PREFIX.length, invoiceId.lastIndexOf('_'));

export type TestRenewalOutcome = 'paid' | 'failed' | 'cancelled';

export function createTestCheckoutProvider(db: Db): PaymentProvider & {
  /** The learner presses "Pay" on the test page: only the checkout's owner, only while it is open. */
  pay(checkoutId: string, userId: string): Promise<boolean>;
  /**
   * Simulates the provider's side of a subscription's next billing (admins, test checkout only): a
   * renewal invoice paid or failed at the plan's list price for the period after the last paid one,
   * or a cancellation. Returns the new invoice id (null for a cancellation), or undefined when the
   * checkout is not a paid, live test subscription.
   */
  simulateRenewal(checkoutId: string, outcome: TestRenewalOutcome): Promise<string | null | undefined>;
} {
  async function load(checkoutId: string): Promise<Row | undefined> {
    return db.asSystem(async (tx) => {
      const { rows } = await sql<Row>`
        select cs.id, cs.status, cs.product_type, cs.user_id, cs.expires_at, cs.test_paid_at, cs.test_refunded_at,
               sp.billing_interval, cs.amount_cents, cs.list_price_cents, cs.plan_id, cs.currency, cs.test_cancelled_at
          from private.checkout_sessions cs left join private.subscription_plans sp on sp.id = cs.plan_id
         where cs.id = ${checkoutId} and cs.provider = 'test_checkout'`.execute(tx);
      return rows[0];
    });
  }

  async function invoices(checkoutId: string): Promise<InvoiceRow[]> {
    return db.asSystem(async (tx) => {
      const { rows } = await sql<InvoiceRow>`
        select i.id, i.checkout_id, i.seq, i.status, i.amount_cents, i.period_start, i.period_end, i.refunded_at,
               cs.currency
          from private.test_checkout_invoices i join private.checkout_sessions cs on cs.id = i.checkout_id
         where i.checkout_id = ${checkoutId} order by i.seq`.execute(tx);
      return rows;
    });
  }

  const idFromSession = (sessionId: string) => sessionId.slice(TEST_SESSION_PREFIX.length);
  const periodMs = (interval: string | null) =>
    (interval === 'year' ? PERIOD_DAYS.year : PERIOD_DAYS.month) * 86_400_000;

  async function refundInvoice(invoiceId: string) {
    await db.asSystem((tx) =>
      sql`update private.test_checkout_invoices set refunded_at = coalesce(refunded_at, now())
           where id = ${invoiceId} and status = 'paid'`.execute(tx),
    );
  }

  return {
    name: 'test_checkout',

    async createCheckout(request) {
      return {
        sessionId: `${TEST_SESSION_PREFIX}${request.checkoutId}`,
        url: `/checkout/test/${request.checkoutId}`,
      };
    },

    async retrieveCheckout(sessionId): Promise<CheckoutState> {
      const row = await load(idFromSession(sessionId));
      if (!row) throw new Error(`test checkout ${sessionId} does not exist`);
      const paid = row.testPaidAt !== null;
      const expired = !paid && (row.status === 'expired' || row.expiresAt.getTime() <= Date.now());
      const subscription = row.productType === 'subscription';
      // A subscription's payments are its invoices (refunded as invoices); the first one is the checkout's.
      const first = paid && subscription ? (await invoices(row.id))[0] : undefined;
      return {
        sessionId,
        checkoutId: row.id,
        status: paid ? 'complete' : expired ? 'expired' : 'open',
        paid,
        paymentId: paid ? (subscription ? invoiceIdOf(row.id, 1) : `tcpay_${row.id}`) : null,
        customerId: null,
        subscriptionId: paid && subscription ? `${SUBSCRIPTION_PREFIX}${row.id}` : null,
        periodEnd: first?.periodEnd ?? null,
        refunds:
          row.testRefundedAt && !subscription
            ? [{ id: `tcref_${row.id}`, amountCents: row.amountCents }]
            : [],
        disputeLost: false,
      };
    },

    async expireCheckout(_sessionId, checkoutId) {
      // Like Stripe, a session already paid cannot be expired.
      await db.asSystem((tx) =>
        sql`select private.expire_checkout(id, 'expired') from private.checkout_sessions
             where id = ${checkoutId} and test_paid_at is null`.execute(tx),
      );
    },

    async pay(checkoutId, userId) {
      return db.asSystem(async (tx) => {
        const { rows } = await sql<{
          productType: string;
          amountCents: number;
          billingInterval: string | null;
        }>`
          update private.checkout_sessions cs set test_paid_at = now()
           where cs.id = ${checkoutId} and cs.provider = 'test_checkout' and cs.user_id = ${userId}
             and cs.status = 'open' and cs.test_paid_at is null and cs.expires_at > now()
          returning cs.product_type, cs.amount_cents,
                    (select sp.billing_interval from private.subscription_plans sp where sp.id = cs.plan_id)`.execute(
          tx,
        );
        const paid = rows[0];
        if (!paid) return false;
        if (paid.productType === 'subscription')
          await sql`
            insert into private.test_checkout_invoices (id, checkout_id, seq, status, amount_cents, period_start, period_end)
            values (${invoiceIdOf(checkoutId, 1)}, ${checkoutId}, 1, 'paid', ${paid.amountCents}, now(),
                    now() + ${periodMs(paid.billingInterval)} * interval '1 millisecond')`.execute(tx);
        return true;
      });
    },

    async simulateRenewal(checkoutId, outcome) {
      const row = await load(checkoutId);
      if (!row || row.productType !== 'subscription' || !row.testPaidAt || row.testCancelledAt)
        return undefined;
      return db.asSystem(async (tx) => {
        // The checkout's row lock orders concurrent simulations of one subscription.
        await sql`select 1 from private.checkout_sessions where id = ${checkoutId} for update`.execute(tx);
        if (outcome === 'cancelled') {
          await sql`update private.checkout_sessions set test_cancelled_at = now() where id = ${checkoutId}`.execute(
            tx,
          );
          return null;
        }
        const { rows } = await sql<{ seq: number; paidUntil: Date }>`
          select max(seq) as seq, max(period_end) filter (where status = 'paid') as paid_until
            from private.test_checkout_invoices where checkout_id = ${checkoutId}`.execute(tx);
        // A subscription paid before the test checkout kept invoices has none to renew from.
        if (rows[0]?.paidUntil == null) return undefined;
        const seq = Number(rows[0].seq) + 1;
        const start = new Date(rows[0].paidUntil);
        const id = invoiceIdOf(checkoutId, seq);
        // Renewals charge the plan's price: a code's discount was for the first period only.
        await sql`
          insert into private.test_checkout_invoices (id, checkout_id, seq, status, amount_cents, period_start, period_end)
          values (${id}, ${checkoutId}, ${seq}, ${outcome}, ${row.listPriceCents}, ${start},
                  ${new Date(start.getTime() + periodMs(row.billingInterval))})`.execute(tx);
        return id;
      });
    },

    async refund(paymentId) {
      if (paymentId.startsWith(INVOICE_PREFIX)) return refundInvoice(paymentId);
      const checkoutId = paymentId.replace(/^tcpay_/, '');
      await db.asSystem((tx) =>
        sql`update private.checkout_sessions set test_refunded_at = coalesce(test_refunded_at, now())
             where id = ${checkoutId} and provider = 'test_checkout' and test_paid_at is not null`.execute(
          tx,
        ),
      );
    },

    refundInvoice,

    async checkoutIdForPayment(paymentId) {
      if (paymentId.startsWith('tcpay_')) return paymentId.slice('tcpay_'.length);
      return null;
    },

    async invoiceForPayment(paymentId) {
      return paymentId.startsWith(INVOICE_PREFIX) ? paymentId : null;
    },

    async retrieveSubscription(subscriptionId): Promise<SubscriptionState> {
      const checkoutId = subscriptionId.slice(SUBSCRIPTION_PREFIX.length);
      const row = await load(checkoutId);
      if (!row?.testPaidAt) throw new Error(`test subscription ${subscriptionId} does not exist`);
      const all = await invoices(checkoutId);
      const last = all[all.length - 1];
      const paidUntil = Math.max(
        0,
        ...all.filter((i) => i.status === 'paid').map((i) => i.periodEnd.getTime()),
      );
      return {
        id: subscriptionId,
        status: row.testCancelledAt ? 'cancelled' : last?.status === 'failed' ? 'past_due' : 'active',
        userId: row.userId,
        planId: row.planId,
        customerId: null,
        periodEnd: paidUntil > 0 ? new Date(paidUntil) : null,
      };
    },

    async cancelSubscription(subscriptionId) {
      const checkoutId = subscriptionId.slice(SUBSCRIPTION_PREFIX.length);
      await db.asSystem((tx) =>
        sql`update private.checkout_sessions set test_cancelled_at = coalesce(test_cancelled_at, now())
             where id = ${checkoutId} and provider = 'test_checkout'`.execute(tx),
      );
    },

    async retrieveInvoice(invoiceId): Promise<InvoiceState> {
      const all = await invoices(checkoutOfInvoice(invoiceId));
      const invoice = all.find((i) => i.id === invoiceId);
      if (!invoice) throw new Error(`test invoice ${invoiceId} does not exist`);
      const paid = invoice.status === 'paid';
      return {
        id: invoice.id,
        paid,
        periodStart: invoice.periodStart,
        periodEnd: invoice.periodEnd,
        paymentId: paid ? invoice.id : null,
        refunds: invoice.refundedAt ? [{ id: `tcref_${invoice.id}`, amountCents: invoice.amountCents }] : [],
        disputeLost: false,
        subscriptionId: `${SUBSCRIPTION_PREFIX}${invoice.checkoutId}`,
        amountCents: invoice.amountCents,
        currency: invoice.currency,
        customerId: null,
        billingReason: invoice.seq === 1 ? 'subscription_create' : 'subscription_cycle',
        attemptCount: 1,
      };
    },

    async portalUrl() {
      return null;
    },
  };
}

export type TestCheckoutProvider = ReturnType<typeof createTestCheckoutProvider>;
