import { useEffect, useRef } from 'react';
import { useNavigate, useParams } from 'react-router';
import type { CheckoutStatus } from '../../../../contracts/payments.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Alert, ErrorAlert, LoadingState, QueryView } from '../../components/Feedback.tsx';
import { Card, useDocumentTitle } from '../../components/Page.tsx';
import './payments.css';
import { formatMoney, useCancelCheckout, useCheckout, usePayTestCheckout } from './payments.api.ts';

function Summary({ checkout }: { checkout: CheckoutStatus }) {
  return (
    <dl className="checkout-summary">
      <dt>Item</dt>
      <dd>{checkout.productName}</dd>
      <dt>Price</dt>
      <dd>{formatMoney(checkout.listPriceCents, checkout.currency)}</dd>
      {checkout.discountCents > 0 && (
        <>
          <dt>Discount{checkout.promoCode ? ` (${checkout.promoCode})` : ''}</dt>
          <dd>−{formatMoney(checkout.discountCents, checkout.currency)}</dd>
        </>
      )}
      <dt>Total</dt>
      <dd>
        <strong>{formatMoney(checkout.amountCents, checkout.currency)}</strong>
      </dd>
    </dl>
  );
}

/**
 * The built-in test checkout (no Stripe keys configured): clearly a simulation. "Pay" asks the
 * server to record a test payment, which then runs the same fulfilment a real payment does.
 */
export function TestCheckoutPage() {
  useDocumentTitle('Test checkout');
  const { checkoutId = '' } = useParams();
  const navigate = useNavigate();
  const checkout = useCheckout(checkoutId);
  const pay = usePayTestCheckout(checkoutId);

  return (
    <QueryView
      query={checkout}
      loading="Loading the checkout…"
      errorTitle="This checkout could not be loaded"
    >
      {(data) => (
        <div className="form-page">
          <Card>
            <p className="badge badge-warning">Test mode</p>
            <h1>Test checkout</h1>
            <Alert tone="warning" title="No money moves here">
              This site has no payment provider configured, so checkout is simulated. Pressing “Pay” grants
              access as a real payment would, without charging anyone.
            </Alert>
            <Summary checkout={data} />
            {data.status === 'open' ? (
              <div className="checkout-actions">
                <Button
                  busy={pay.isPending}
                  onClick={() =>
                    pay.mutate(undefined, {
                      onSuccess: () => void navigate(`/checkout/${checkoutId}/success`),
                    })
                  }
                >
                  Pay {formatMoney(data.amountCents, data.currency)} (test)
                </Button>
                <ButtonLink to={`/checkout/${checkoutId}/cancel`} variant="ghost">
                  Cancel
                </ButtonLink>
              </div>
            ) : (
              <Alert tone="info">
                This checkout is {data.status === 'paid' ? 'already paid' : 'closed'}.{' '}
                {data.courseSlug && <a href={`/courses/${data.courseSlug}`}>Back to the course</a>}
              </Alert>
            )}
            <ErrorAlert error={pay.error} title="The test payment did not go through" />
          </Card>
        </div>
      )}
    </QueryView>
  );
}

/**
 * Where the provider sends the learner back. Nothing is granted from the redirect itself: the
 * server asks the provider, and this page waits (polling briefly) until the payment is confirmed.
 */
export function CheckoutSuccessPage() {
  useDocumentTitle('Your purchase');
  const { checkoutId = '' } = useParams();
  const checkout = useCheckout(checkoutId, true);

  return (
    <QueryView
      query={checkout}
      loading="Confirming your payment…"
      errorTitle="This purchase could not be loaded"
    >
      {(data) => (
        <div className="form-page">
          <Card>
            {data.status === 'paid' ? (
              <>
                <h1>You’re in!</h1>
                <Alert tone="success" title="Payment confirmed">
                  {data.amountCents === 0
                    ? 'Your code covered the whole price.'
                    : 'Thank you — your receipt is in Purchases.'}
                </Alert>
                <Summary checkout={data} />
                <div className="checkout-actions">
                  {data.courseSlug ? (
                    <ButtonLink to={`/learn/${data.courseSlug}`}>Start learning</ButtonLink>
                  ) : (
                    <ButtonLink to="/">Browse courses</ButtonLink>
                  )}
                  <ButtonLink to="/purchases" variant="secondary">
                    Purchases
                  </ButtonLink>
                </div>
              </>
            ) : data.status === 'open' ? (
              <>
                <h1>Waiting for the payment</h1>
                <LoadingState label="The payment is not confirmed yet. This page updates by itself." />
                <Button variant="secondary" onClick={() => void checkout.refetch()}>
                  Check again
                </Button>
              </>
            ) : (
              <>
                <h1>No payment was made</h1>
                <Alert tone="info">
                  This checkout is {data.status === 'refunded' ? 'refunded' : 'closed'}; nothing was charged.
                </Alert>
                {data.courseSlug && (
                  <ButtonLink to={`/courses/${data.courseSlug}`}>Back to the course</ButtonLink>
                )}
              </>
            )}
          </Card>
        </div>
      )}
    </QueryView>
  );
}

/** The learner left the checkout: it is closed (a reserved code is released) and nothing is charged. */
export function CheckoutCancelPage() {
  useDocumentTitle('Checkout cancelled');
  const { checkoutId = '' } = useParams();
  const cancel = useCancelCheckout(checkoutId);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    cancel.mutate();
  }, [cancel]);

  return (
    <div className="form-page">
      <Card>
        <h1>Checkout cancelled</h1>
        {cancel.isPending || cancel.isIdle ? (
          <LoadingState label="Closing the checkout…" />
        ) : cancel.isError ? (
          <ErrorAlert error={cancel.error} title="The checkout could not be closed" />
        ) : (
          <>
            <p>Nothing was charged.</p>
            {cancel.data.courseSlug && (
              <ButtonLink to={`/courses/${cancel.data.courseSlug}`}>Back to the course</ButtonLink>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
