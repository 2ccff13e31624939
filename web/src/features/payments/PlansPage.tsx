import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { Plan } from '../../../../contracts/payments.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { EmptyState, ErrorAlert, QueryView } from '../../components/Feedback.tsx';
import { Card, PageHeader, useDocumentTitle } from '../../components/Page.tsx';
import { useSession } from '../auth/session.ts';
import './payments.css';
import { formatMoney, useOpenPortal, usePaymentsInfo, usePlans, useStartCheckout } from './payments.api.ts';

const PER: Record<Plan['billingInterval'], string> = { month: 'per month', year: 'per year', once: 'once' };

/** The subscription plans on sale; subscribing opens a checkout like a course purchase does. */
export function PlansPage() {
  useDocumentTitle('Plans');
  const navigate = useNavigate();
  const session = useSession();
  const plans = usePlans();
  const info = usePaymentsInfo();
  const checkout = useStartCheckout();
  const portal = useOpenPortal();
  const [buying, setBuying] = useState<string | null>(null);

  const subscribe = (plan: Plan) => {
    setBuying(plan.id);
    checkout.mutate(
      { item: { type: 'plan', planId: plan.id } },
      {
        onSuccess: (created) => {
          if (created.next === 'enrolled') void navigate(`/checkout/${created.checkoutId}/success`);
          else if (created.url?.startsWith('/')) void navigate(created.url);
          else if (created.url) window.location.assign(created.url);
        },
        onSettled: () => setBuying(null),
      },
    );
  };

  return (
    <>
      <PageHeader
        title="Plans"
        lead="A subscription opens every subscription course; lifetime is paid once."
        actions={
          info.data?.provider === 'stripe' && session.data ? (
            <Button variant="secondary" busy={portal.isPending} onClick={() => portal.mutate()}>
              Manage billing
            </Button>
          ) : undefined
        }
      />
      {info.data?.provider === 'test_checkout' && (
        <p className="muted">Test mode: checkout is simulated and no money moves.</p>
      )}
      <ErrorAlert error={checkout.error ?? portal.error} title="That did not work" />
      <QueryView query={plans} loading="Loading plans…" errorTitle="Plans could not be loaded">
        {(data) =>
          data.plans.length === 0 ? (
            <EmptyState title="No plans on sale right now" />
          ) : (
            <div className="revenue-grid">
              {data.plans.map((plan) => (
                <Card key={plan.id}>
                  <h2>{plan.name}</h2>
                  <p className="price">
                    {formatMoney(plan.priceCents, plan.currency)}{' '}
                    <span className="muted small">{PER[plan.billingInterval]}</span>
                  </p>
                  {session.data ? (
                    <Button
                      busy={buying === plan.id}
                      disabled={buying !== null}
                      onClick={() => subscribe(plan)}
                    >
                      {plan.billingInterval === 'once' ? 'Buy lifetime access' : `Subscribe to ${plan.name}`}
                    </Button>
                  ) : (
                    <ButtonLink to={`/sign-in?next=${encodeURIComponent('/plans')}`}>
                      Sign in to subscribe
                    </ButtonLink>
                  )}
                </Card>
              ))}
            </div>
          )
        }
      </QueryView>
    </>
  );
}
