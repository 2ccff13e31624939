import { useState } from 'react';
import type { Transaction } from '../../../../contracts/payments.ts';
import { Button } from '../../components/Button.tsx';
import { ConfirmDialog } from '../../components/Dialog.tsx';
import { Alert, EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { formatDateTime } from '../../lib/format.ts';
import './payments.css';
import {
  formatMoney,
  useAllTransactions,
  useMyPurchases,
  useMySales,
  usePaymentsInfo,
  useRefund,
  useSimulateRenewal,
  useRevenue,
  useAdminPlans,
  useUpdatePlan,
} from './payments.api.ts';

const TYPE_LABEL: Record<Transaction['type'], string> = {
  purchase: 'Purchase',
  subscription: 'Subscription',
  refund: 'Refund',
};
const STATUS_BADGE: Record<Transaction['status'], string> = {
  completed: 'badge-success',
  pending: 'badge-muted',
  failed: 'badge-danger',
  refunded: 'badge-warning',
};

function StatusBadge({ status }: { status: Transaction['status'] }) {
  return <span className={`badge ${STATUS_BADGE[status]}`}>{status}</span>;
}

/** The learner's receipts: every payment and refund, newest first. */
export function PurchasesPage() {
  useDocumentTitle('Purchases');
  const purchases = useMyPurchases();
  return (
    <>
      <PageHeader title="Purchases" lead="Your payments and refunds. Each row is a receipt." />
      <QueryView
        query={purchases}
        loading="Loading your purchases…"
        errorTitle="Your purchases could not be loaded"
      >
        {(data) =>
          data.transactions.length === 0 ? (
            <EmptyState title="No purchases yet">
              <p>Courses you buy appear here with their receipts.</p>
            </EmptyState>
          ) : (
            <ul className="receipt-list" aria-label="Receipts, newest first">
              {data.transactions.map((t) => (
                <li key={t.id} className="card receipt">
                  <p className="receipt-title">
                    <strong>{t.productName}</strong> <StatusBadge status={t.status} />
                  </p>
                  <dl className="checkout-summary">
                    <dt>{TYPE_LABEL[t.type]}</dt>
                    <dd>
                      {t.type === 'refund' ? '−' : ''}
                      {formatMoney(t.amountCents, t.currency)}
                    </dd>
                    {t.discountCents > 0 && (
                      <>
                        <dt>Discount{t.promoCode ? ` (${t.promoCode})` : ''}</dt>
                        <dd>−{formatMoney(t.discountCents, t.currency)}</dd>
                      </>
                    )}
                    <dt>Date</dt>
                    <dd>{formatDateTime(t.createdAt)}</dd>
                    <dt>Paid with</dt>
                    <dd>
                      {t.provider === 'test_checkout'
                        ? 'Test checkout (no money moved)'
                        : t.provider === 'stripe'
                          ? 'Card (Stripe)'
                          : 'Promotional code'}
                    </dd>
                    <dt>Receipt number</dt>
                    <dd className="receipt-number">{t.id}</dd>
                  </dl>
                </li>
              ))}
            </ul>
          )
        }
      </QueryView>
    </>
  );
}

/** Admins: revenue by course and month, every transaction, and refunds (confirmed first). */
export function AdminPaymentsPage() {
  useDocumentTitle('Payments');
  const transactions = useAllTransactions();
  const revenue = useRevenue();
  const refund = useRefund();
  const simulate = useSimulateRenewal();
  const info = usePaymentsInfo();
  const testCheckout = info.data?.provider === 'test_checkout';
  const [pending, setPending] = useState<Transaction | null>(null);

  return (
    <>
      <PageHeader
        title="Payments"
        lead="Revenue, every transaction, and refunds through the payment provider."
      />
      <h2>Revenue</h2>
      <QueryView query={revenue} loading="Loading revenue…" errorTitle="Revenue could not be loaded">
        {(data) => (
          <div className="revenue-grid">
            <table className="data-table">
              <caption>By course</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Sales</th>
                  <th scope="col">Refunds</th>
                  <th scope="col">Net</th>
                </tr>
              </thead>
              <tbody>
                {data.byCourse.length === 0 && (
                  <tr>
                    <td colSpan={4}>No sales yet.</td>
                  </tr>
                )}
                {data.byCourse.map((row) => (
                  <tr key={`${row.courseId}-${row.productName}`}>
                    <th scope="row" data-label="Item">
                      {row.productName}
                    </th>
                    <td data-label="Sales">{row.sales}</td>
                    <td data-label="Refunds">{row.refunds}</td>
                    <td data-label="Net">{formatMoney(row.netCents, data.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table className="data-table">
              <caption>By month (UTC)</caption>
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">Sales</th>
                  <th scope="col">Refunds</th>
                  <th scope="col">Net</th>
                </tr>
              </thead>
              <tbody>
                {data.byMonth.length === 0 && (
                  <tr>
                    <td colSpan={4}>No sales yet.</td>
                  </tr>
                )}
                {data.byMonth.map((row) => (
                  <tr key={row.month}>
                    <th scope="row" data-label="Month">
                      {row.month}
                    </th>
                    <td data-label="Sales">{row.sales}</td>
                    <td data-label="Refunds">{row.refunds}</td>
                    <td data-label="Net">{formatMoney(row.netCents, data.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>

      <PlansEditor />

      <h2>Transactions</h2>
      {refund.isSuccess && <Alert tone="success">Refunded: the access it paid for has ended.</Alert>}
      <ErrorAlert error={refund.error} title="The refund did not go through" />
      {simulate.isSuccess && (
        <Alert tone="success">
          {simulate.data.outcome === 'paid'
            ? 'Simulated: the subscription renewed for another period.'
            : simulate.data.outcome === 'failed'
              ? 'Simulated: the renewal failed. The learner was emailed and keeps access until the period ends.'
              : 'Simulated: the subscription was cancelled; access lasts until the paid period ends.'}
        </Alert>
      )}
      <ErrorAlert error={simulate.error} title="The simulation did not run" />
      <QueryView
        query={transactions}
        loading="Loading transactions…"
        errorTitle="Transactions could not be loaded"
      >
        {(data) =>
          data.transactions.length === 0 ? (
            <EmptyState title="No transactions yet" />
          ) : (
            <table className="data-table">
              <caption className="visually-hidden">Transactions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Buyer</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Status</th>
                  <th scope="col">Date</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.transactions.map((t) => (
                  <tr key={t.id}>
                    <th scope="row" data-label="Item">
                      {TYPE_LABEL[t.type]}: {t.productName}
                    </th>
                    <td data-label="Buyer">{t.userEmail ?? '—'}</td>
                    <td data-label="Amount">
                      {t.type === 'refund' ? '−' : ''}
                      {formatMoney(t.amountCents, t.currency)}
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={t.status} />
                    </td>
                    <td data-label="Date">{formatDateTime(t.createdAt)}</td>
                    <td>
                      <div className="transaction-actions">
                        {t.type !== 'refund' &&
                          t.status === 'completed' &&
                          t.provider !== 'free_grant' &&
                          t.amountCents > 0 && (
                            <Button variant="danger" onClick={() => setPending(t)}>
                              Refund
                            </Button>
                          )}
                        {testCheckout &&
                          t.type === 'subscription' &&
                          t.provider === 'test_checkout' &&
                          t.checkoutId && (
                            <>
                              {(['paid', 'failed', 'cancelled'] as const).map((outcome) => (
                                <Button
                                  key={outcome}
                                  variant="secondary"
                                  disabled={simulate.isPending}
                                  onClick={() => simulate.mutate({ checkoutId: t.checkoutId!, outcome })}
                                >
                                  {outcome === 'paid'
                                    ? 'Simulate renewal'
                                    : outcome === 'failed'
                                      ? 'Simulate failed renewal'
                                      : 'Simulate cancellation'}
                                </Button>
                              ))}
                            </>
                          )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
      <ConfirmDialog
        open={pending !== null}
        title="Refund this payment?"
        confirmLabel="Refund"
        tone="danger"
        busy={refund.isPending}
        onCancel={() => setPending(null)}
        onConfirm={() => {
          if (!pending) return;
          refund.mutate(pending.id, { onSettled: () => setPending(null) });
        }}
      >
        {pending && (
          <p>
            {formatMoney(pending.amountCents, pending.currency)} for “{pending.productName}” goes back to{' '}
            {pending.userEmail ?? 'the buyer'}. Their access to what it paid for ends (for a subscription
            payment: the period it paid for), and a certificate earned with it is revoked. This cannot be
            undone.
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

/** Admins set each plan's price (in the site's currency) and whether it is on sale. */
function PlansEditor() {
  const plans = useAdminPlans();
  const update = useUpdatePlan();
  const [drafts, setDrafts] = useState<Record<string, string>>({});

  return (
    <>
      <h2>Plans</h2>
      <ErrorAlert error={update.error} title="The plan could not be saved" />
      <QueryView query={plans} loading="Loading plans…" errorTitle="Plans could not be loaded">
        {(data) => (
          <table className="data-table">
            <caption className="visually-hidden">Subscription plans</caption>
            <thead>
              <tr>
                <th scope="col">Plan</th>
                <th scope="col">Price</th>
                <th scope="col">On sale</th>
              </tr>
            </thead>
            <tbody>
              {data.plans.map((plan) => {
                const draft = drafts[plan.id] ?? (plan.priceCents / 100).toFixed(2);
                const cents = Math.round(Number(draft) * 100);
                const valid = /^\d+(\.\d{1,2})?$/.test(draft) && cents > 0;
                return (
                  <tr key={plan.id}>
                    <th scope="row" data-label="Plan">
                      {plan.name}
                    </th>
                    <td data-label="Price">
                      <form
                        className="promo-form"
                        onSubmit={(event) => {
                          event.preventDefault();
                          if (valid) update.mutate({ planId: plan.id, priceCents: cents });
                        }}
                      >
                        <label className="visually-hidden" htmlFor={`price-${plan.id}`}>
                          Price of {plan.name} in {plan.currency}
                        </label>
                        <input
                          id={`price-${plan.id}`}
                          className="input input-compact"
                          inputMode="decimal"
                          value={draft}
                          aria-invalid={valid ? undefined : true}
                          onChange={(e) => setDrafts((d) => ({ ...d, [plan.id]: e.target.value }))}
                        />
                        <Button
                          type="submit"
                          variant="secondary"
                          disabled={!valid || cents === plan.priceCents}
                          busy={update.isPending && update.variables?.planId === plan.id}
                        >
                          Save price
                        </Button>
                      </form>
                    </td>
                    <td data-label="On sale">
                      <label>
                        <input
                          type="checkbox"
                          checked={plan.isActive}
                          onChange={(e) => update.mutate({ planId: plan.id, isActive: e.target.checked })}
                        />{' '}
                        On sale
                      </label>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </QueryView>
    </>
  );
}

/** Instructors: their own courses' sales, in aggregate. */
export function InstructorSalesPage() {
  useDocumentTitle('Sales');
  const sales = useMySales();
  return (
    <>
      <PageHeader title="Sales" lead="Sales of your courses, net of refunds." />
      <QueryView query={sales} loading="Loading sales…" errorTitle="Sales could not be loaded">
        {(data) =>
          data.courses.length === 0 ? (
            <EmptyState title="No courses yet">
              <p>Create a course to see its sales here.</p>
            </EmptyState>
          ) : (
            <table className="data-table">
              <caption className="visually-hidden">Sales by course</caption>
              <thead>
                <tr>
                  <th scope="col">Course</th>
                  <th scope="col">Sales</th>
                  <th scope="col">Refunds</th>
                  <th scope="col">Net</th>
                </tr>
              </thead>
              <tbody>
                {data.courses.map((c) => (
                  <tr key={c.courseId}>
                    <th scope="row" data-label="Course">
                      {c.title}
                    </th>
                    <td data-label="Sales">{c.sales}</td>
                    <td data-label="Refunds">{c.refunds}</td>
                    <td data-label="Net">{formatMoney(c.netCents, data.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </>
  );
}
