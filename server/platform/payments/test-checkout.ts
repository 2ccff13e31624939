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
}

export function createTestCheckoutProvider(db: Db): PaymentProvider & {
  /** The learner presses "Pay" on the test page: only the checkout's owner, only while it is open. */
  pay(checkoutId: string, userId: string): Promise<boolean>;
} {
  async function load(checkoutId: string): Promise<Row | undefined> {
    return db.asSystem(async (tx) => {
      const { rows } = await sql<Row>`
        select cs.id, cs.status, cs.product_type, cs.user_id, cs.expires_at, cs.test_paid_at, cs.test_refunded_at,
               sp.billing_interval, cs.amount_cents
          from private.checkout_sessions cs left join private.subscription_plans sp on sp.id = cs.plan_id
         where cs.id = ${checkoutId} and cs.provider = 'test_checkout'`.execute(tx);
      return rows[0];
    });
  }

  const idFromSession = (sessionId: string) => sessionId.slice(TEST_SESSION_PREFIX.length);

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
      const days = row.billingInterval === 'year' ? PERIOD_DAYS.year : PERIOD_DAYS.month;
      return {
        sessionId,
        checkoutId: row.id,
        status: paid ? 'complete' : expired ? 'expired' : 'open',
        paid,
        paymentId: paid ? `tcpay_${row.id}` : null,
        customerId: null,
        subscriptionId: paid && row.productType === 'subscription' ? `tcsub_${row.id}` : null,
        periodEnd:
          paid && row.productType === 'subscription'
            ? new Date(row.testPaidAt!.getTime() + days * 86_400_000)
            : null,
        refund: row.testRefundedAt ? { id: `tcref_${row.id}`, amountCents: row.amountCents } : null,
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
        const result = await sql`
          update private.checkout_sessions set test_paid_at = now()
           where id = ${checkoutId} and provider = 'test_checkout' and user_id = ${userId}
             and status = 'open' and test_paid_at is null and expires_at > now()`.execute(tx);
        return Number(result.numAffectedRows ?? 0) === 1;
      });
    },

    async refund(paymentId) {
      const checkoutId = paymentId.replace(/^tcpay_/, '');
      await db.asSystem((tx) =>
        sql`update private.checkout_sessions set test_refunded_at = coalesce(test_refunded_at, now())
             where id = ${checkoutId} and provider = 'test_checkout' and test_paid_at is not null`.execute(
          tx,
        ),
      );
    },

    async checkoutIdForPayment(paymentId) {
      return paymentId.startsWith('tcpay_') ? paymentId.slice('tcpay_'.length) : null;
    },

    async retrieveSubscription(subscriptionId): Promise<SubscriptionState> {
      throw new Error(`the test checkout has no subscription objects (${subscriptionId})`);
    },

    async retrieveInvoice(invoiceId): Promise<InvoiceState> {
      throw new Error(`the test checkout has no invoices (${invoiceId})`);
    },

    async portalUrl() {
      return null;
    },
  };
}

export type TestCheckoutProvider = ReturnType<typeof createTestCheckoutProvider>;
