-- Payments, continued (issue 8): partial refunds, refunds and lost disputes of subscription
-- payments (renewals included), and renewals of the built-in test checkout.
--
-- Rules (the fulfilment code applies the provider's re-fetched state through these functions, so any
-- event order and any number of workers converge on the same state):
--   * Every refund the provider reports is one payment_transactions row of type `refund` with its own
--     amount (keyed by the provider's refund id: a redelivery adds nothing). A partial refund keeps
--     the access; once the refunds of a payment add up to its amount (a full refund, in one or several
--     parts, in any order) the access it paid for is revoked, once. A lost dispute always revokes.
--   * A course purchase paid for the enrolment: revoking it ends the enrolment and revokes the
--     certificate earned in it (as 0025's revoke_checkout did).
--   * A subscription payment (the first invoice or a renewal) paid for one period of the plan, the
--     invoice's [period_start, period_end). Revoking it takes back what is left of that period: the
--     profile's subscription_expires_at goes back to the period's start (so access ends now when that
--     period is the current one; a period already over has nothing left to take), and the
--     certificates earned through subscription enrolments during that period are revoked. Later
--     periods paid by other invoices are untouched, and a later paid renewal gives access again.
--     Subscription enrolments themselves are not expired: their access is the profile's (0010
--     private.is_enrolled), so they follow the capped expiry and come back with a paid renewal.
--   * Every later read of the subscription is capped the same way (private.paid_period_end), so an
--     event that re-syncs the profile after the refund cannot give the refunded period back.
---------------------------------------------------------------------------------------------------

-- The subscription payments (provider invoices) the fulfilment has seen paid, and what was taken back.
CREATE TABLE private.subscription_invoices (
  id text PRIMARY KEY, -- the provider's invoice id
  provider text NOT NULL CHECK (provider IN ('stripe', 'test_checkout')),
  subscription_id text NOT NULL,
  user_id uuid REFERENCES public.profiles(id) ON DELETE SET NULL,
  plan_id uuid REFERENCES private.subscription_plans(id),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  revoked_at timestamptz,
  revoke_reason text CHECK (revoke_reason IN ('refunded', 'dispute_lost')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  CHECK (period_end >= period_start),
  CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL))
);
CREATE INDEX idx_subscription_invoices_subscription ON private.subscription_invoices (subscription_id, period_end);

-- The test checkout's own "provider side" of subscriptions: one row per invoice it issued (the first
-- payment, then each simulated renewal, paid or failed). Fulfilment reads it only through the test
-- provider's retrieveInvoice/retrieveSubscription, exactly as it reads Stripe's.
CREATE TABLE private.test_checkout_invoices (
  id text PRIMARY KEY, -- tcin_<checkout id>_<seq>
  checkout_id uuid NOT NULL REFERENCES private.checkout_sessions(id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 1),
  status text NOT NULL CHECK (status IN ('paid', 'failed')),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (checkout_id, seq)
);
ALTER TABLE private.checkout_sessions ADD COLUMN test_cancelled_at timestamptz;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['subscription_invoices', 'test_checkout_invoices'] LOOP
    EXECUTE format('ALTER TABLE private.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON private.%I FROM PUBLIC, anon, authenticated', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON private.%I TO service_role', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON private.%I FOR EACH ROW EXECUTE FUNCTION private.set_audit_columns()',
                   t || '_audit', t);
  END LOOP;
END $$;

---------------------------------------------------------------------------------------------------
-- Records the provider's refunds of a checkout's payment (p_refunds: [{id, amount_cents}], every
-- succeeded refund the provider reports) and revokes the checkout once they reach its amount or a
-- dispute was lost. Needs a fulfilled checkout (the caller fulfils first). Returns true when this
-- call revoked it.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.settle_checkout(p_checkout_id uuid, p_refunds jsonb, p_dispute_lost boolean)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s private.checkout_sessions%ROWTYPE;
  refunded integer;
BEGIN
  SELECT * INTO s FROM private.checkout_sessions cs WHERE cs.id = p_checkout_id FOR UPDATE;
  IF NOT FOUND OR s.fulfilled_at IS NULL THEN
    RETURN false;
  END IF;
  INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
      product_name, provider, provider_transaction_id, provider_customer_id, promotional_code, metadata)
  SELECT s.user_id, 'refund', 'completed', least((r ->> 'amount_cents')::int, s.amount_cents), s.currency,
         CASE WHEN s.product_type = 'course' THEN 'course' ELSE 'subscription' END, coalesce(s.course_id, s.plan_id),
         s.product_name, s.provider, r ->> 'id', s.provider_customer_id, s.promo_code,
         jsonb_build_object('checkout_id', s.id, 'reason', 'refunded')
    FROM jsonb_array_elements(coalesce(p_refunds, '[]'::jsonb)) r
  ON CONFLICT DO NOTHING;
  IF s.revoked_at IS NOT NULL THEN
    RETURN false;
  END IF;
  SELECT coalesce(sum(least((r ->> 'amount_cents')::int, s.amount_cents)), 0) INTO refunded
    FROM jsonb_array_elements(coalesce(p_refunds, '[]'::jsonb)) r;
  IF s.amount_cents > 0 AND refunded >= s.amount_cents THEN
    -- The refunds' rows are written above: naming one of them, revoke_checkout adds no other.
    PERFORM private.revoke_checkout(s.id, 'refunded', p_refunds -> 0 ->> 'id', s.amount_cents);
    RETURN true;
  END IF;
  IF p_dispute_lost THEN
    -- What the dispute took back is what the refunds had not: one row for it.
    PERFORM private.revoke_checkout(s.id, 'dispute_lost', 'dispute:' || s.id::text, s.amount_cents - refunded);
    RETURN true;
  END IF;
  RETURN false;
END $$;

---------------------------------------------------------------------------------------------------
-- 0025's fulfil_checkout, with two changes for subscription payments, whose events may be handled
-- before the checkout's: the expiry is capped by a revoked first invoice (private.paid_period_end),
-- and the payment's row, when the invoice's handling wrote it first, gets the checkout's details
-- instead of a second row.
---------------------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION private.fulfil_checkout(p_checkout_id uuid, p_payment_id text, p_customer_id text,
                                                   p_subscription_id text, p_period_end timestamptz)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s private.checkout_sessions%ROWTYPE;
  free boolean;
  payment text;
BEGIN
  SELECT * INTO s FROM private.checkout_sessions cs WHERE cs.id = p_checkout_id FOR UPDATE;
  IF NOT FOUND OR s.fulfilled_at IS NOT NULL THEN
    RETURN false;
  END IF;
  free := s.amount_cents = 0;
  payment := coalesce(p_payment_id, s.payment_id, s.id::text);
  UPDATE private.checkout_sessions cs
     SET status = 'completed', fulfilled_at = now(), payment_id = coalesce(p_payment_id, cs.payment_id),
         provider_customer_id = coalesce(p_customer_id, cs.provider_customer_id),
         provider_subscription_id = coalesce(p_subscription_id, cs.provider_subscription_id)
   WHERE cs.id = s.id;
  -- The reservation becomes a redemption; the counter never passes the cap (a reservation that
  -- outlived its window may still be paid for: the learner keeps the price they were shown).
  UPDATE private.promo_redemptions r SET status = 'redeemed' WHERE r.checkout_id = s.id AND r.status <> 'redeemed';
  IF FOUND THEN
    UPDATE public.promotional_codes pc SET uses_count = uses_count + 1
     WHERE pc.id = s.promo_code_id AND (pc.max_uses IS NULL OR pc.uses_count < pc.max_uses);
  END IF;

  IF s.product_type = 'course' THEN
    INSERT INTO public.enrollments AS e (user_id, course_id, access_type, payment_amount_cents, payment_method,
                                         transaction_id, promotional_code_used, expires_at)
    VALUES (s.user_id, s.course_id, CASE WHEN free THEN 'promotional' ELSE 'purchased' END, s.amount_cents,
            CASE WHEN free THEN 'promotional_code' ELSE s.provider END, s.id::text, s.promo_code, NULL)
    ON CONFLICT (user_id, course_id) DO UPDATE
      SET access_type = EXCLUDED.access_type, payment_amount_cents = EXCLUDED.payment_amount_cents,
          payment_method = EXCLUDED.payment_method, transaction_id = EXCLUDED.transaction_id,
          promotional_code_used = EXCLUDED.promotional_code_used, expires_at = NULL;
  ELSE
    UPDATE public.profiles p
       SET subscription_tier = (SELECT sp.tier FROM private.subscription_plans sp WHERE sp.id = s.plan_id),
           subscription_status = 'active',
           subscription_expires_at = CASE WHEN s.product_type = 'lifetime' THEN NULL
                                          ELSE private.paid_period_end(coalesce(p_subscription_id, s.provider_subscription_id),
                                                                       p_period_end) END,
           stripe_customer_id = CASE WHEN s.provider = 'stripe' THEN coalesce(p_customer_id, p.stripe_customer_id)
                                     ELSE p.stripe_customer_id END
     WHERE p.id = s.user_id;
  END IF;

  UPDATE public.payment_transactions t
     SET metadata = coalesce(t.metadata, '{}'::jsonb) || jsonb_build_object('checkout_id', s.id, 'list_price_cents', s.list_price_cents),
         promotional_code = s.promo_code, discount_amount_cents = s.discount_cents, product_name = s.product_name
   WHERE t.provider = s.provider AND t.provider_transaction_id = payment AND t.type <> 'refund'
     AND t.status IN ('completed', 'refunded');
  IF NOT FOUND THEN
    INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
        product_name, provider, provider_transaction_id, provider_customer_id, promotional_code,
        discount_amount_cents, metadata)
    VALUES (s.user_id, CASE WHEN s.product_type = 'subscription' THEN 'subscription' ELSE 'purchase' END, 'completed',
            s.amount_cents, s.currency, CASE WHEN s.product_type = 'course' THEN 'course' ELSE 'subscription' END,
            coalesce(s.course_id, s.plan_id), s.product_name, s.provider, payment, p_customer_id, s.promo_code,
            s.discount_cents, jsonb_build_object('checkout_id', s.id, 'list_price_cents', s.list_price_cents))
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN true;
END $$;

---------------------------------------------------------------------------------------------------
-- The end of a subscription's paid access: the provider's period end, cut back to the start of a
-- revoked invoice's period when that period is the one the provider's end belongs to.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.paid_period_end(p_subscription_id text, p_period_end timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT CASE WHEN p_period_end IS NULL THEN NULL ELSE
    least(p_period_end, (SELECT min(si.period_start) FROM private.subscription_invoices si
                          WHERE si.subscription_id = p_subscription_id AND si.revoked_at IS NOT NULL
                            AND si.period_end >= p_period_end))
  END
$$;

---------------------------------------------------------------------------------------------------
-- A paid subscription invoice as the provider reports it now: recorded once, its refunds written
-- (one row each), and revoked once when they reach its amount or a dispute was lost (see the top of
-- this file for what that takes back). Returns true when this call revoked it.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.settle_invoice(p_invoice_id text, p_provider text, p_subscription_id text, p_user_id uuid,
                                       p_plan_id uuid, p_amount_cents integer, p_currency text,
                                       p_period_start timestamptz, p_period_end timestamptz, p_refunds jsonb,
                                       p_dispute_lost boolean, p_customer_id text, p_product_name text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  i private.subscription_invoices%ROWTYPE;
  refunded integer;
  reason text;
BEGIN
  INSERT INTO private.subscription_invoices (id, provider, subscription_id, user_id, plan_id, amount_cents, currency,
                                             period_start, period_end)
  VALUES (p_invoice_id, p_provider, p_subscription_id, p_user_id, p_plan_id, p_amount_cents, p_currency,
          p_period_start, p_period_end)
  ON CONFLICT (id) DO NOTHING;
  SELECT * INTO i FROM private.subscription_invoices si WHERE si.id = p_invoice_id FOR UPDATE;

  -- The payment's own row, once (the first invoice's may already be the checkout's, or be refunded).
  INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
      product_name, provider, provider_transaction_id, provider_customer_id, metadata)
  SELECT i.user_id, 'subscription', 'completed', i.amount_cents, i.currency, 'subscription', i.plan_id, p_product_name,
         i.provider, i.id, p_customer_id,
         jsonb_build_object('invoice_id', i.id, 'period_start', i.period_start, 'period_end', i.period_end)
   WHERE NOT EXISTS (SELECT 1 FROM public.payment_transactions t
                      WHERE t.provider = i.provider AND t.provider_transaction_id = i.id AND t.type = 'subscription'
                        AND t.status IN ('completed', 'refunded'))
  ON CONFLICT DO NOTHING;

  INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
      product_name, provider, provider_transaction_id, provider_customer_id, metadata)
  SELECT i.user_id, 'refund', 'completed', least((r ->> 'amount_cents')::int, i.amount_cents), i.currency,
         'subscription', i.plan_id, p_product_name, i.provider, r ->> 'id', p_customer_id,
         jsonb_build_object('invoice_id', i.id, 'reason', 'refunded')
    FROM jsonb_array_elements(coalesce(p_refunds, '[]'::jsonb)) r
  ON CONFLICT DO NOTHING;
  IF i.revoked_at IS NOT NULL THEN
    RETURN false;
  END IF;
  SELECT coalesce(sum(least((r ->> 'amount_cents')::int, i.amount_cents)), 0) INTO refunded
    FROM jsonb_array_elements(coalesce(p_refunds, '[]'::jsonb)) r;
  reason := CASE WHEN i.amount_cents > 0 AND refunded >= i.amount_cents THEN 'refunded'
                 WHEN p_dispute_lost THEN 'dispute_lost' END;
  IF reason IS NULL THEN
    RETURN false;
  END IF;

  UPDATE private.subscription_invoices si SET revoked_at = now(), revoke_reason = reason WHERE si.id = i.id;
  UPDATE public.payment_transactions t SET status = 'refunded'
   WHERE t.provider = i.provider AND t.provider_transaction_id = i.id AND t.type = 'subscription'
     AND t.status = 'completed';
  IF reason = 'dispute_lost' THEN
    INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
        product_name, provider, provider_transaction_id, provider_customer_id, metadata)
    VALUES (i.user_id, 'refund', 'completed', greatest(i.amount_cents - refunded, 0), i.currency, 'subscription',
            i.plan_id, p_product_name, i.provider, 'dispute:' || i.id, p_customer_id,
            jsonb_build_object('invoice_id', i.id, 'reason', 'dispute_lost'))
    ON CONFLICT DO NOTHING;
  END IF;
  -- What is left of the period goes: the expiry goes back to the period's start when the profile's
  -- current expiry lies in this period (a lifetime member keeps lifetime).
  UPDATE public.profiles p SET subscription_expires_at = i.period_start
   WHERE p.id = i.user_id AND p.subscription_tier IS DISTINCT FROM 'lifetime'
     AND p.subscription_expires_at > i.period_start AND p.subscription_expires_at <= i.period_end;
  -- Certificates earned through the subscription while this period was the paid one.
  UPDATE public.certificates c
     SET revoked_at = now(),
         revoked_reason = CASE reason WHEN 'refunded' THEN 'The subscription payment for this period was refunded.'
                                      ELSE 'The subscription payment for this period was reversed.' END
    FROM public.enrollments e
   WHERE c.enrollment_id = e.id AND e.access_type = 'subscription' AND c.user_id = i.user_id
     AND c.revoked_at IS NULL AND c.issued_at >= i.period_start AND c.issued_at < i.period_end;
  RETURN true;
END $$;

REVOKE ALL ON FUNCTION private.settle_checkout(uuid, jsonb, boolean), private.paid_period_end(text, timestamptz),
  private.settle_invoice(text, text, text, uuid, uuid, integer, text, timestamptz, timestamptz, jsonb, boolean, text, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.settle_checkout(uuid, jsonb, boolean), private.paid_period_end(text, timestamptz),
  private.settle_invoice(text, text, text, uuid, uuid, integer, text, timestamptz, timestamptz, jsonb, boolean, text, text)
  TO service_role;

-- Rows of a checkout are found by its id in the metadata (revoke_checkout, receipts, reports): without
-- this index every revocation scanned the whole table.
CREATE INDEX idx_transactions_checkout ON public.payment_transactions ((metadata ->> 'checkout_id'));
