-- Payments, subscriptions and promotional codes (issue 8).
--
-- Money moves only through a provider (Stripe, or the built-in test checkout that moves none);
-- what it buys is granted here, by SECURITY DEFINER functions that are idempotent by state, so a
-- webhook delivered twice, out of order or to several workers at once changes access once:
--   * private.checkout_sessions   one row per checkout we open (prices computed by the server);
--                                 fulfilled_at / revoked_at are set once each, under a row lock.
--   * private.payment_events      every provider event id we processed (PRIMARY KEY = exactly once).
--   * private.promo_redemptions   reservations and redemptions of promotional codes; caps hold under
--                                 concurrency because private.reserve_promo locks the code's row.
--   * private.subscription_plans  the plans the admin configures (basic/premium × month/year, lifetime).
-- These tables live in `private`: request roles hold no privilege on them. Learners and admins read
-- what they may through the functions below (which check auth.uid()/is_admin), and the API writes
-- through db.asSystem on the named webhook/checkout paths only.
---------------------------------------------------------------------------------------------------

CREATE TABLE private.subscription_plans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tier text NOT NULL CHECK (tier IN ('basic', 'premium', 'lifetime')),
  billing_interval text NOT NULL CHECK (billing_interval IN ('month', 'year', 'once')),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
  price_cents integer NOT NULL CHECK (price_cents > 0),
  currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (tier, billing_interval),
  CHECK ((tier = 'lifetime') = (billing_interval = 'once'))
);
INSERT INTO private.subscription_plans (tier, billing_interval, name, price_cents) VALUES
  ('basic', 'month', 'Basic (monthly)', 900),
  ('basic', 'year', 'Basic (yearly)', 9000),
  ('premium', 'month', 'Premium (monthly)', 1900),
  ('premium', 'year', 'Premium (yearly)', 19000),
  ('lifetime', 'once', 'Lifetime', 29900);

CREATE TABLE private.checkout_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES public.profiles(id) ON DELETE SET NULL,
  product_type text NOT NULL CHECK (product_type IN ('course', 'subscription', 'lifetime')),
  course_id uuid REFERENCES public.courses(id) ON DELETE SET NULL,
  plan_id uuid REFERENCES private.subscription_plans(id),
  product_name text NOT NULL,
  list_price_cents integer NOT NULL CHECK (list_price_cents >= 0),
  discount_cents integer NOT NULL DEFAULT 0 CHECK (discount_cents >= 0),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  promo_code_id uuid REFERENCES public.promotional_codes(id) ON DELETE SET NULL,
  promo_code text,
  provider text NOT NULL CHECK (provider IN ('stripe', 'test_checkout', 'free_grant')),
  provider_session_id text UNIQUE,
  payment_url text,
  payment_id text, -- the provider's payment (Stripe PaymentIntent) once known
  provider_customer_id text,
  provider_subscription_id text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'expired', 'failed')),
  expires_at timestamptz NOT NULL,
  fulfilled_at timestamptz,
  revoked_at timestamptz,
  revoke_reason text CHECK (revoke_reason IN ('refunded', 'dispute_lost')),
  -- The test checkout provider's own state (it has no server of its own): when "paid"/"refunded".
  test_paid_at timestamptz,
  test_refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  CHECK (amount_cents = list_price_cents - discount_cents),
  CHECK ((product_type = 'course') = (plan_id IS NULL)),
  CHECK (revoked_at IS NULL OR fulfilled_at IS NOT NULL),
  CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL))
);
CREATE INDEX idx_checkout_sessions_user ON private.checkout_sessions (user_id, created_at DESC);
CREATE INDEX idx_checkout_sessions_payment ON private.checkout_sessions (payment_id);
CREATE INDEX idx_checkout_sessions_subscription ON private.checkout_sessions (provider_subscription_id);

CREATE TABLE private.payment_events (
  id text PRIMARY KEY, -- the provider's event id: a second delivery conflicts here
  provider text NOT NULL CHECK (provider IN ('stripe', 'test_checkout')),
  type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);

-- The newest provider read applied to each subscription: a worker holding an older read (fetched
-- before another worker's) must not overwrite the newer state with it.
CREATE TABLE private.subscription_syncs (
  subscription_id text PRIMARY KEY,
  user_id uuid REFERENCES public.profiles(id) ON DELETE CASCADE,
  fetched_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);

CREATE TABLE private.promo_redemptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  promo_code_id uuid NOT NULL REFERENCES public.promotional_codes(id) ON DELETE CASCADE,
  user_id uuid REFERENCES public.profiles(id) ON DELETE SET NULL,
  checkout_id uuid NOT NULL UNIQUE REFERENCES private.checkout_sessions(id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('reserved', 'redeemed', 'released')),
  -- A reservation counts against the caps until then (the checkout session's expiry).
  reserved_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);
CREATE INDEX idx_promo_redemptions_code ON private.promo_redemptions (promo_code_id, user_id);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['subscription_plans', 'checkout_sessions', 'payment_events', 'promo_redemptions', 'subscription_syncs'] LOOP
    EXECUTE format('ALTER TABLE private.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON private.%I FROM PUBLIC, anon, authenticated', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON private.%I TO service_role', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON private.%I FOR EACH ROW EXECUTE FUNCTION private.set_audit_columns()',
                   t || '_audit', t);
  END LOOP;
END $$;

-- One transaction row per provider object and outcome: a replayed fulfilment cannot add a second.
CREATE UNIQUE INDEX uq_transactions_provider_object ON public.payment_transactions (provider, provider_transaction_id, type, status)
  WHERE provider_transaction_id IS NOT NULL;

---------------------------------------------------------------------------------------------------
-- Promotional codes: what a code gives on an item. Outcomes (stable, the API's error codes map them):
-- ok, invalid (unknown, inactive, deleted or not yet valid), expired, used_up (total or per-user cap,
-- counting live reservations), not_applicable (another course, or courses vs subscriptions).
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.promo_outcome(p_code text, p_user uuid, p_product_type text, p_course_id uuid, p_list_price integer)
RETURNS TABLE (promo_id uuid, code text, outcome text, discount_cents integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  c public.promotional_codes%ROWTYPE;
  used integer;
  used_by_user integer;
  discount integer;
BEGIN
  SELECT * INTO c FROM public.promotional_codes pc WHERE pc.code = upper(btrim(p_code));
  IF NOT FOUND OR c.deleted_at IS NOT NULL OR NOT c.is_active OR c.valid_from > now() THEN
    RETURN QUERY SELECT NULL::uuid, upper(btrim(p_code)), 'invalid'::text, 0;
    RETURN;
  END IF;
  IF c.valid_until IS NOT NULL AND c.valid_until <= now() THEN
    RETURN QUERY SELECT c.id, c.code, 'expired'::text, 0;
    RETURN;
  END IF;
  IF NOT (
       (c.applicable_to = 'all_courses' AND p_product_type = 'course')
    OR (c.applicable_to = 'specific_courses' AND p_product_type = 'course' AND p_course_id = ANY (c.applicable_course_ids))
    OR (c.applicable_to = 'subscription' AND p_product_type IN ('subscription', 'lifetime'))) THEN
    RETURN QUERY SELECT c.id, c.code, 'not_applicable'::text, 0;
    RETURN;
  END IF;
  SELECT count(*), count(*) FILTER (WHERE r.user_id = p_user) INTO used, used_by_user
    FROM private.promo_redemptions r
   WHERE r.promo_code_id = c.id
     AND (r.status = 'redeemed' OR (r.status = 'reserved' AND r.reserved_until > now()));
  IF (c.max_uses IS NOT NULL AND used >= c.max_uses)
     OR (c.max_uses_per_user IS NOT NULL AND used_by_user >= c.max_uses_per_user) THEN
    RETURN QUERY SELECT c.id, c.code, 'used_up'::text, 0;
    RETURN;
  END IF;
  discount := CASE c.discount_type
    WHEN 'percentage' THEN (p_list_price * c.discount_value + 50) / 100 -- rounded half up, in cents
    ELSE c.discount_value END;
  RETURN QUERY SELECT c.id, c.code, 'ok'::text, least(discount, p_list_price);
END $$;

-- Reserves the code for a checkout: the code's row is locked first, so concurrent reservations of
-- one code run one after another and each sees the others' rows: caps hold under any concurrency.
CREATE FUNCTION private.reserve_promo(p_checkout_id uuid, p_code text)
RETURNS TABLE (promo_id uuid, code text, outcome text, discount_cents integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s private.checkout_sessions%ROWTYPE;
  r record;
BEGIN
  SELECT * INTO s FROM private.checkout_sessions cs WHERE cs.id = p_checkout_id AND cs.status = 'open';
  IF NOT FOUND THEN
    RETURN; -- no open checkout: nothing reserved, no row
  END IF;
  PERFORM 1 FROM public.promotional_codes pc WHERE pc.code = upper(btrim(p_code)) FOR UPDATE;
  SELECT * INTO r FROM private.promo_outcome(p_code, s.user_id, s.product_type, s.course_id, s.list_price_cents);
  IF r.outcome = 'ok' THEN
    INSERT INTO private.promo_redemptions (promo_code_id, user_id, checkout_id, status, reserved_until)
    VALUES (r.promo_id, s.user_id, s.id, 'reserved', s.expires_at);
    UPDATE private.checkout_sessions cs
       SET promo_code_id = r.promo_id, promo_code = r.code, discount_cents = r.discount_cents,
           amount_cents = cs.list_price_cents - r.discount_cents
     WHERE cs.id = s.id;
  END IF;
  RETURN QUERY SELECT r.promo_id, r.code, r.outcome, r.discount_cents;
END $$;

---------------------------------------------------------------------------------------------------
-- Fulfilment: grants what a checkout paid for, once. Returns false when it was already fulfilled.
-- Course: the enrolment (purchased, or promotional when nothing was paid), its payment columns
-- and a live access (expires_at cleared: a re-purchase after a refund restores access).
-- Plans: the profile's tier/status/expiry and customer id. Always a payment_transactions row.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.fulfil_checkout(p_checkout_id uuid, p_payment_id text, p_customer_id text,
                                        p_subscription_id text, p_period_end timestamptz)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s private.checkout_sessions%ROWTYPE;
  free boolean;
BEGIN
  SELECT * INTO s FROM private.checkout_sessions cs WHERE cs.id = p_checkout_id FOR UPDATE;
  IF NOT FOUND OR s.fulfilled_at IS NOT NULL THEN
    RETURN false;
  END IF;
  free := s.amount_cents = 0;
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
           subscription_expires_at = CASE WHEN s.product_type = 'lifetime' THEN NULL ELSE p_period_end END,
           stripe_customer_id = CASE WHEN s.provider = 'stripe' THEN coalesce(p_customer_id, p.stripe_customer_id)
                                     ELSE p.stripe_customer_id END
     WHERE p.id = s.user_id;
  END IF;

  INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
      product_name, provider, provider_transaction_id, provider_customer_id, promotional_code,
      discount_amount_cents, metadata)
  VALUES (s.user_id, CASE WHEN s.product_type = 'subscription' THEN 'subscription' ELSE 'purchase' END, 'completed',
          s.amount_cents, s.currency, CASE WHEN s.product_type = 'course' THEN 'course' ELSE 'subscription' END,
          coalesce(s.course_id, s.plan_id), s.product_name, s.provider,
          coalesce(p_payment_id, s.payment_id, s.id::text), p_customer_id, s.promo_code, s.discount_cents,
          jsonb_build_object('checkout_id', s.id, 'list_price_cents', s.list_price_cents))
  ON CONFLICT DO NOTHING;
  RETURN true;
END $$;

-- Takes back what a refunded (or lost-dispute) checkout gave, once: the enrolment it paid for ends
-- now (unless a later purchase replaced it), the certificate earned in it is revoked, a plan reverts
-- to free, and a refund row is written. Returns false when there was nothing (left) to revoke.
CREATE FUNCTION private.revoke_checkout(p_checkout_id uuid, p_reason text, p_refund_id text, p_refund_cents integer)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s private.checkout_sessions%ROWTYPE;
BEGIN
  SELECT * INTO s FROM private.checkout_sessions cs WHERE cs.id = p_checkout_id FOR UPDATE;
  IF NOT FOUND OR s.fulfilled_at IS NULL OR s.revoked_at IS NOT NULL THEN
    RETURN false;
  END IF;
  UPDATE private.checkout_sessions cs SET revoked_at = now(), revoke_reason = p_reason WHERE cs.id = s.id;
  IF s.product_type = 'course' THEN
    UPDATE public.enrollments e SET expires_at = now()
     WHERE e.user_id = s.user_id AND e.course_id = s.course_id AND e.transaction_id = s.id::text;
    UPDATE public.certificates c
       SET revoked_at = now(), revoked_reason = CASE p_reason WHEN 'refunded' THEN 'The payment for this course was refunded.'
                                                  ELSE 'The payment for this course was reversed.' END
     WHERE c.user_id = s.user_id AND c.course_id = s.course_id AND c.revoked_at IS NULL;
  ELSE
    UPDATE public.profiles p
       SET subscription_status = 'free', subscription_tier = NULL, subscription_expires_at = NULL
     WHERE p.id = s.user_id;
  END IF;
  UPDATE public.payment_transactions t SET status = 'refunded'
   WHERE t.metadata ->> 'checkout_id' = s.id::text AND t.type <> 'refund' AND t.status = 'completed';
  INSERT INTO public.payment_transactions (user_id, type, status, amount_cents, currency, product_type, product_id,
      product_name, provider, provider_transaction_id, provider_customer_id, promotional_code, metadata)
  VALUES (s.user_id, 'refund', 'completed', least(coalesce(p_refund_cents, s.amount_cents), s.amount_cents), s.currency,
          CASE WHEN s.product_type = 'course' THEN 'course' ELSE 'subscription' END, coalesce(s.course_id, s.plan_id),
          s.product_name, s.provider, coalesce(p_refund_id, 'refund:' || s.id::text), s.provider_customer_id,
          s.promo_code, jsonb_build_object('checkout_id', s.id, 'reason', p_reason))
  ON CONFLICT DO NOTHING;
  RETURN true;
END $$;

-- An abandoned checkout: its reservation stops counting against the caps. Never undoes a payment.
CREATE FUNCTION private.expire_checkout(p_checkout_id uuid, p_status text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE private.checkout_sessions cs SET status = p_status
   WHERE cs.id = p_checkout_id AND cs.fulfilled_at IS NULL AND cs.status = 'open';
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  UPDATE private.promo_redemptions r SET status = 'released' WHERE r.checkout_id = p_checkout_id AND r.status = 'reserved';
  RETURN true;
END $$;

---------------------------------------------------------------------------------------------------
-- Reads for request roles: the caller's own checkout (success page), the active plans (anyone).
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.own_checkout(p_checkout_id uuid)
RETURNS TABLE (id uuid, product_type text, course_id uuid, plan_id uuid, product_name text, list_price_cents integer,
               discount_cents integer, amount_cents integer, currency text, promo_code text, provider text,
               status text, fulfilled_at timestamptz, revoked_at timestamptz, expires_at timestamptz,
               test_paid_at timestamptz, created_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT cs.id, cs.product_type, cs.course_id, cs.plan_id, cs.product_name, cs.list_price_cents, cs.discount_cents,
         cs.amount_cents, cs.currency, cs.promo_code, cs.provider, cs.status, cs.fulfilled_at, cs.revoked_at,
         cs.expires_at, cs.test_paid_at, cs.created_at
    FROM private.checkout_sessions cs
   WHERE cs.id = p_checkout_id AND cs.user_id = auth.uid()
$$;

CREATE FUNCTION private.active_plans()
RETURNS TABLE (id uuid, tier text, billing_interval text, name text, price_cents integer, currency text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT sp.id, sp.tier, sp.billing_interval, sp.name, sp.price_cents, sp.currency
    FROM private.subscription_plans sp WHERE sp.is_active
   ORDER BY CASE sp.tier WHEN 'basic' THEN 1 WHEN 'premium' THEN 2 ELSE 3 END, sp.billing_interval = 'year'
$$;

-- Admins configure the plans: every plan (inactive ones too), and name/price/active of one.
CREATE FUNCTION private.admin_plans()
RETURNS TABLE (id uuid, tier text, billing_interval text, name text, price_cents integer, currency text, is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT sp.id, sp.tier, sp.billing_interval, sp.name, sp.price_cents, sp.currency, sp.is_active
    FROM private.subscription_plans sp
   WHERE private.is_admin()
   ORDER BY CASE sp.tier WHEN 'basic' THEN 1 WHEN 'premium' THEN 2 ELSE 3 END, sp.billing_interval = 'year'
$$;

-- A new price applies to checkouts opened from now on (existing subscriptions keep theirs).
CREATE FUNCTION private.update_plan(p_plan_id uuid, p_name text, p_price_cents integer, p_is_active boolean)
RETURNS SETOF uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT private.is_admin() THEN
    RAISE EXCEPTION 'only administrators may change plans' USING ERRCODE = '42501';
  END IF;
  RETURN QUERY UPDATE private.subscription_plans sp
     SET name = coalesce(btrim(p_name), sp.name), price_cents = coalesce(p_price_cents, sp.price_cents),
         is_active = coalesce(p_is_active, sp.is_active)
   WHERE sp.id = p_plan_id RETURNING sp.id;
END $$;

REVOKE ALL ON FUNCTION private.admin_plans(), private.update_plan(uuid, text, integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.admin_plans(), private.update_plan(uuid, text, integer, boolean) TO authenticated;

-- Instructors see their own courses' sales in aggregate only (access.md: no transaction rows).
CREATE FUNCTION private.own_course_sales()
RETURNS TABLE (course_id uuid, title text, sales integer, refunds integer, net_cents integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT c.id, c.title,
         count(*) FILTER (WHERE t.type = 'purchase' AND t.status IN ('completed', 'refunded'))::int,
         count(*) FILTER (WHERE t.type = 'refund')::int,
         coalesce(sum(CASE WHEN t.type = 'refund' THEN -t.amount_cents ELSE t.amount_cents END)
                    FILTER (WHERE t.status IN ('completed', 'refunded')), 0)::int
    FROM public.courses c
    LEFT JOIN public.payment_transactions t ON t.product_type = 'course' AND t.product_id = c.id
   WHERE c.instructor_id = auth.uid() AND c.deleted_at IS NULL
   GROUP BY c.id, c.title
   ORDER BY c.title
$$;

REVOKE ALL ON FUNCTION private.own_course_sales() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.own_course_sales() TO authenticated;

REVOKE ALL ON FUNCTION private.promo_outcome(text, uuid, text, uuid, integer), private.reserve_promo(uuid, text),
  private.fulfil_checkout(uuid, text, text, text, timestamptz), private.revoke_checkout(uuid, text, text, integer),
  private.expire_checkout(uuid, text), private.own_checkout(uuid), private.active_plans()
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.promo_outcome(text, uuid, text, uuid, integer), private.reserve_promo(uuid, text),
  private.fulfil_checkout(uuid, text, text, text, timestamptz), private.revoke_checkout(uuid, text, text, integer),
  private.expire_checkout(uuid, text)
  TO service_role;
GRANT EXECUTE ON FUNCTION private.own_checkout(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION private.active_plans() TO anon, authenticated, service_role;
