-- 1. User management. Seed: data-models.md §1, plus audit columns and CHECK constraints.
CREATE TABLE public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users(id) ON DELETE CASCADE,
  email text UNIQUE NOT NULL,
  full_name text,
  display_name text,
  avatar_url text,
  date_of_birth date, -- for age verification (14+), checked at sign-up in the user's time zone
  timezone text NOT NULL DEFAULT 'America/New_York',
  bio text,
  preferred_language text NOT NULL DEFAULT 'en',

  -- Subscription & access
  subscription_status text NOT NULL DEFAULT 'free'
    CHECK (subscription_status IN ('free', 'active', 'cancelled', 'past_due')),
  subscription_tier text CHECK (subscription_tier IN ('basic', 'premium', 'lifetime')),
  subscription_expires_at timestamptz,
  stripe_customer_id text UNIQUE,

  -- Learning preferences
  daily_learning_goal integer NOT NULL DEFAULT 30 CHECK (daily_learning_goal BETWEEN 1 AND 1440), -- minutes
  email_notifications jsonb NOT NULL DEFAULT '{
    "course_updates": true,
    "weekly_progress": true,
    "promotional": false,
    "drip_content": true
  }' CHECK (jsonb_typeof(email_notifications) = 'object'),

  -- Analytics (kept by triggers and jobs)
  last_active_at timestamptz,
  total_learning_minutes integer NOT NULL DEFAULT 0 CHECK (total_learning_minutes >= 0),
  courses_completed integer NOT NULL DEFAULT 0 CHECK (courses_completed >= 0),
  current_streak_days integer NOT NULL DEFAULT 0 CHECK (current_streak_days >= 0),
  longest_streak_days integer NOT NULL DEFAULT 0 CHECK (longest_streak_days >= 0),

  -- System
  role text NOT NULL DEFAULT 'student' CHECK (role IN ('student', 'instructor', 'admin')),
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  CHECK (preferred_language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  CHECK (longest_streak_days >= current_streak_days)
);
-- The seed's idx_profiles_email duplicated the UNIQUE constraint's own index; lookups by address
-- are case-insensitive, so this one is on lower(email).
CREATE INDEX idx_profiles_email_lower ON profiles (lower(email));
CREATE INDEX idx_profiles_subscription_status ON profiles (subscription_status);
CREATE INDEX idx_profiles_role ON profiles (role);

-- A time zone must be an IANA name PostgreSQL knows, or every "learner's day" computation breaks.
CREATE FUNCTION private.check_timezone() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = NEW.timezone) THEN
    RAISE EXCEPTION 'unknown time zone "%"', NEW.timezone USING ERRCODE = '22023', HINT = 'Use an IANA name such as Europe/Paris.';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER profiles_check_timezone BEFORE INSERT OR UPDATE OF timezone ON profiles
  FOR EACH ROW EXECUTE FUNCTION private.check_timezone();

-- Columns only an admin (or the system) may change; everything else is guarded by column grants.
CREATE FUNCTION private.guard_profile_admin_columns() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF private.is_request_role() AND NOT private.is_admin() AND (
       NEW.role, NEW.is_active, NEW.subscription_status, NEW.subscription_tier, NEW.subscription_expires_at,
       NEW.stripe_customer_id, NEW.total_learning_minutes, NEW.courses_completed, NEW.current_streak_days,
       NEW.longest_streak_days, NEW.last_active_at
     ) IS DISTINCT FROM (
       OLD.role, OLD.is_active, OLD.subscription_status, OLD.subscription_tier, OLD.subscription_expires_at,
       OLD.stripe_customer_id, OLD.total_learning_minutes, OLD.courses_completed, OLD.current_streak_days,
       OLD.longest_streak_days, OLD.last_active_at
     ) THEN
    RAISE EXCEPTION 'only an administrator may change role, status, subscription or counters'
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER profiles_guard_admin_columns BEFORE UPDATE ON profiles
  FOR EACH ROW EXECUTE FUNCTION private.guard_profile_admin_columns();

-- Every new auth user gets a profile row (Supabase's handle_new_user pattern). Names come from the
-- sign-up metadata; role always starts as student.
CREATE FUNCTION private.handle_new_auth_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  meta jsonb := coalesce(NEW.raw_user_meta_data, '{}'::jsonb);
BEGIN
  INSERT INTO public.profiles (id, email, full_name, display_name, date_of_birth, timezone)
  VALUES (
    NEW.id,
    lower(NEW.email),
    meta ->> 'full_name',
    coalesce(meta ->> 'display_name', meta ->> 'full_name'),
    (meta ->> 'date_of_birth')::date,
    coalesce(meta ->> 'timezone', 'America/New_York')
  );
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION private.handle_new_auth_user() FROM PUBLIC;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION private.handle_new_auth_user();

-- The profile mirrors the confirmed address of its auth user.
CREATE FUNCTION private.handle_auth_email_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.profiles SET email = lower(NEW.email) WHERE id = NEW.id;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION private.handle_auth_email_change() FROM PUBLIC;
CREATE TRIGGER on_auth_user_email_changed AFTER UPDATE OF email ON auth.users
  FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION private.handle_auth_email_change();
