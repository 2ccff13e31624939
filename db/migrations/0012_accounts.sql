-- Accounts: sign-in sessions (refresh-token families), refresh tokens, one-time email tokens
-- (confirm / reset / email change) and rate-limit events.
--
-- SECRETS: every table here holds credentials (token hashes) or traces of who tried what, so all of
-- them live in `private`, which request roles can neither read nor write. They are used by the
-- named system paths of server/modules/accounts (sign-up, sign-in, refresh, password reset, email
-- confirmation — paths that run before a user is known, through db.asSystem, in functions whose
-- names end in `AsSystem`). What a signed-in user may do with their own sessions (list them,
-- end one, end all) goes through the narrow SECURITY DEFINER functions at the bottom, which act
-- only on auth.uid()'s rows and never return a token hash.
--
-- Tokens are 32 random bytes sent to the client once; only their SHA-256 is stored, so a copy of
-- the database does not let anyone sign in or use a link.

---------------------------------------------------------------------------------------------------
-- Sessions: one row per sign-in (a refresh-token family). The access token's `session_id` claim
-- names it. Revoking it ends the family: no refresh token of it works any more.
---------------------------------------------------------------------------------------------------
CREATE TABLE private.auth_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  -- Moves forward with each refresh (the newest refresh token's expiry).
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text CHECK (revoked_reason IN (
    'sign_out', 'sign_out_everywhere', 'revoked_by_user', 'refresh_token_reuse', 'password_reset',
    'password_changed', 'deactivated', 'email_changed')),
  ip inet,
  user_agent text CHECK (length(user_agent) <= 512),
  CONSTRAINT auth_sessions_revoked_has_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX idx_auth_sessions_user_live ON private.auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Each refresh hands out a new token whose parent is the one presented (marked used). Presenting a
-- used token again means it was copied: the whole session (family) is revoked.
CREATE TABLE private.refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES private.auth_sessions(id) ON DELETE CASCADE,
  parent_id uuid REFERENCES private.refresh_tokens(id) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'), -- sha-256 (hex) of the 32-byte token
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX idx_refresh_tokens_session ON private.refresh_tokens (session_id);
CREATE INDEX idx_refresh_tokens_parent ON private.refresh_tokens (parent_id);

---------------------------------------------------------------------------------------------------
-- One-time tokens sent by email: confirm an address, reset a password, confirm an email change
-- (new_email is the address being confirmed). Single use (used_at) and expiring.
---------------------------------------------------------------------------------------------------
CREATE TABLE private.email_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('confirm', 'reset', 'email_change')),
  token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  new_email text CHECK (length(new_email) <= 320),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  CONSTRAINT email_tokens_new_email_for_change CHECK ((purpose = 'email_change') = (new_email IS NOT NULL))
);
CREATE INDEX idx_email_tokens_user_open ON private.email_tokens (user_id, purpose) WHERE used_at IS NULL;

---------------------------------------------------------------------------------------------------
-- Rate limiting: one row per counted event, shared by every API instance (sliding windows are a
-- count over occurred_at). `subject` is the SHA-256 (hex) of what is limited (an address, an IP, an
-- address+IP pair, a user id), so neither addresses nor IPs are stored here in clear. Rows older
-- than a day are pruned by the accounts module.
---------------------------------------------------------------------------------------------------
CREATE TABLE private.rate_limit_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  bucket text NOT NULL CHECK (bucket ~ '^[a-z][a-z0-9_.]{0,62}$'),
  subject text NOT NULL CHECK (subject ~ '^[0-9a-f]{64}$'),
  occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_rate_limit_events_lookup ON private.rate_limit_events (bucket, subject, occurred_at);
CREATE INDEX idx_rate_limit_events_age ON private.rate_limit_events (occurred_at);

-- Request roles get nothing; only the system (service_role) and the functions below use these.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['auth_sessions', 'refresh_tokens', 'email_tokens', 'rate_limit_events'] LOOP
    EXECUTE format('ALTER TABLE private.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON private.%I FROM PUBLIC, anon, authenticated', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON private.%I TO service_role', t);
  END LOOP;
END $$;

---------------------------------------------------------------------------------------------------
-- Deactivation ends every session: an invariant, so it holds for every path that sets
-- profiles.is_active = false (the admin route, SQL by an operator), in the same transaction.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.end_sessions_of_deactivated_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE private.auth_sessions SET revoked_at = now(), revoked_reason = 'deactivated'
   WHERE user_id = NEW.id AND revoked_at IS NULL;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION private.end_sessions_of_deactivated_user() FROM PUBLIC;
COMMENT ON FUNCTION private.end_sessions_of_deactivated_user() IS
  'AFTER UPDATE OF is_active ON profiles: a deactivated user''s sessions are revoked (reason deactivated).';
CREATE TRIGGER profiles_end_sessions_on_deactivation AFTER UPDATE OF is_active ON public.profiles
  FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active)
  EXECUTE FUNCTION private.end_sessions_of_deactivated_user();

---------------------------------------------------------------------------------------------------
-- The caller's own sessions, for the "sessions" page. Run as the user (authenticated); each acts
-- only on rows whose user_id = auth.uid() and never exposes a token hash.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.list_my_sessions()
RETURNS TABLE (id uuid, user_agent text, ip text, created_at timestamptz, last_used_at timestamptz,
               expires_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
    SELECT s.id, s.user_agent, host(s.ip), s.created_at, s.last_used_at, s.expires_at
      FROM private.auth_sessions s
     WHERE s.user_id = auth.uid() AND s.revoked_at IS NULL AND s.expires_at > now()
     ORDER BY s.last_used_at DESC, s.id;
END $$;
COMMENT ON FUNCTION private.list_my_sessions() IS
  'The caller''s live sessions (device, IP, times): only auth.uid()''s rows, no token hashes.';

CREATE FUNCTION private.revoke_my_session(p_session_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE private.auth_sessions SET revoked_at = now(), revoked_reason = 'revoked_by_user'
   WHERE id = p_session_id AND user_id = auth.uid() AND revoked_at IS NULL;
  RETURN FOUND;
END $$;
COMMENT ON FUNCTION private.revoke_my_session(uuid) IS
  'Ends one of the caller''s sessions; false when it is not theirs, unknown or already ended.';

CREATE FUNCTION private.revoke_all_my_sessions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  n integer;
BEGIN
  UPDATE private.auth_sessions SET revoked_at = now(), revoked_reason = 'sign_out_everywhere'
   WHERE user_id = auth.uid() AND revoked_at IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
COMMENT ON FUNCTION private.revoke_all_my_sessions() IS
  'Sign out everywhere: ends every session of the caller, returns how many.';

REVOKE ALL ON FUNCTION private.list_my_sessions(), private.revoke_my_session(uuid),
  private.revoke_all_my_sessions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.list_my_sessions(), private.revoke_my_session(uuid),
  private.revoke_all_my_sessions() TO authenticated;
