-- 6. Payments and promotional codes. Seed: data-models.md §6, plus audit columns, soft delete on
-- codes and CHECKs. Money is integer cents; rows here are written by the system only.
CREATE TABLE public.payment_transactions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Kept (anonymised) when an account is erased, as the law requires for payment records.
  user_id uuid REFERENCES profiles(id) ON DELETE SET NULL,
  type text NOT NULL CHECK (type IN ('purchase', 'subscription', 'refund')),
  status text NOT NULL CHECK (status IN ('pending', 'completed', 'failed', 'refunded')),
  amount_cents integer NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  product_type text NOT NULL CHECK (product_type IN ('course', 'subscription')),
  product_id uuid, -- course_id or subscription plan id
  product_name text NOT NULL,
  provider text NOT NULL CHECK (provider IN ('stripe', 'test_checkout', 'free_grant')),
  provider_transaction_id text,
  provider_customer_id text,
  payment_method_type text,
  promotional_code text,
  discount_amount_cents integer NOT NULL DEFAULT 0 CHECK (discount_amount_cents >= 0),
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);
CREATE INDEX idx_transactions_user ON payment_transactions (user_id);
CREATE INDEX idx_transactions_status ON payment_transactions (status);
CREATE INDEX idx_transactions_provider ON payment_transactions (provider_transaction_id);
CREATE INDEX idx_transactions_product ON payment_transactions (product_type, product_id);

CREATE TABLE public.promotional_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text UNIQUE NOT NULL CHECK (code ~ '^[A-Z0-9_-]{3,40}$'), -- stored upper-case
  description text,
  discount_type text NOT NULL CHECK (discount_type IN ('percentage', 'fixed_amount')),
  discount_value integer NOT NULL, -- percentage (1–100) or cents
  applicable_to text NOT NULL CHECK (applicable_to IN ('all_courses', 'specific_courses', 'subscription')),
  applicable_course_ids uuid[],
  max_uses integer CHECK (max_uses > 0), -- NULL = unlimited
  uses_count integer NOT NULL DEFAULT 0 CHECK (uses_count >= 0),
  max_uses_per_user integer DEFAULT 1 CHECK (max_uses_per_user > 0),
  valid_from timestamptz NOT NULL DEFAULT now(),
  valid_until timestamptz,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES profiles(id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  deleted_at timestamptz,
  CHECK (CASE discount_type WHEN 'percentage' THEN discount_value BETWEEN 1 AND 100 ELSE discount_value > 0 END),
  CHECK ((applicable_to = 'specific_courses') = (cardinality(applicable_course_ids) > 0)),
  CHECK (valid_until IS NULL OR valid_until > valid_from),
  CHECK (max_uses IS NULL OR uses_count <= max_uses)
);
-- The seed's idx_promo_codes_code duplicated the UNIQUE index and is left out.
CREATE INDEX idx_promo_codes_active ON promotional_codes (is_active);
CREATE INDEX idx_promo_codes_courses ON promotional_codes USING gin (applicable_course_ids);
