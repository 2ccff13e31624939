import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { PromoQuote } from '../../../../contracts/payments.ts';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Alert, ErrorAlert } from '../../components/Feedback.tsx';
import { TextField } from '../../components/Field.tsx';
import './payments.css';
import { formatMoney, usePaymentsInfo, usePromoQuote, useStartCheckout } from './payments.api.ts';

/**
 * The buy box of a paid course: an optional promotional code (checked by the server, which shows
 * the discounted price) and "Buy", which opens a checkout. The price shown is the server's; the
 * request names only the course and the code.
 */
export function BuyBox({
  courseId,
  slug,
  priceCents,
  signedIn,
}: {
  courseId: string;
  slug: string;
  priceCents: number;
  signedIn: boolean;
}) {
  const navigate = useNavigate();
  const info = usePaymentsInfo();
  const quote = usePromoQuote();
  const checkout = useStartCheckout();
  const [code, setCode] = useState('');
  const [applied, setApplied] = useState<PromoQuote | null>(null);
  const item = { type: 'course' as const, courseId };

  if (!signedIn) {
    return (
      <div className="enrol-box">
        <ButtonLink to={`/sign-in?next=${encodeURIComponent(`/courses/${slug}`)}`} className="btn-block">
          Sign in to buy for {formatMoney(priceCents)}
        </ButtonLink>
      </div>
    );
  }

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (!code.trim()) return;
    setApplied(null);
    quote.mutate({ code: code.trim(), item }, { onSuccess: setApplied });
  };

  const buy = () =>
    checkout.mutate(applied ? { item, promoCode: applied.code } : { item }, {
      onSuccess: (created) => {
        if (created.next === 'enrolled') void navigate(`/checkout/${created.checkoutId}/success`);
        else if (created.url?.startsWith('/')) void navigate(created.url);
        else if (created.url) window.location.assign(created.url);
      },
    });

  const price = applied ? applied.finalPriceCents : priceCents;
  return (
    <div className="enrol-box">
      {applied && (
        <p className="price-discounted" aria-live="polite">
          <del aria-label="Regular price">{formatMoney(applied.listPriceCents, applied.currency)}</del>{' '}
          <strong>{formatMoney(applied.finalPriceCents, applied.currency)}</strong> with {applied.code}
        </p>
      )}
      <Button className="btn-block" busy={checkout.isPending} onClick={buy}>
        {price === 0 ? 'Enrol with this code' : `Buy for ${formatMoney(price)}`}
      </Button>
      {info.data?.provider === 'test_checkout' && (
        <p className="muted small">Test mode: checkout is simulated and no money moves.</p>
      )}
      <ErrorAlert error={checkout.error} title="The checkout could not be opened" />
      <form className="promo-form" onSubmit={apply}>
        <TextField
          label="Promotional code"
          value={code}
          autoComplete="off"
          onChange={(e) => {
            setCode(e.target.value);
            setApplied(null);
            quote.reset();
          }}
        />
        <Button type="submit" variant="secondary" busy={quote.isPending} disabled={!code.trim()}>
          Apply code
        </Button>
      </form>
      {quote.isError && <ErrorAlert error={quote.error} title="This code cannot be used" />}
      {applied && (
        <Alert tone="success">You save {formatMoney(applied.discountCents, applied.currency)}.</Alert>
      )}
    </div>
  );
}
