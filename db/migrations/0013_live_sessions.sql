-- A deactivated account or an ended sign-in session stops working on its very next request, not
-- when its 15-minute access token expires: the RLS prologue of every request (server/db/session.ts)
-- calls this in the same message, so it costs no extra round trip. Raises 28000 (the API answers
-- 401 unauthorized). Tokens without a session_id claim (service tools, tests) are checked for an
-- active account only.
CREATE FUNCTION private.assert_live_session() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_user uuid := auth.uid();
  v_session text := auth.jwt() ->> 'session_id';
BEGIN
  IF v_user IS NULL THEN
    RETURN true;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = v_user AND p.is_active) THEN
    RAISE EXCEPTION 'this account is not active' USING ERRCODE = '28000';
  END IF;
  IF v_session IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM private.auth_sessions s
        WHERE s.id = v_session::uuid AND s.user_id = v_user AND s.revoked_at IS NULL AND s.expires_at > now()) THEN
    RAISE EXCEPTION 'this sign-in session has ended' USING ERRCODE = '28000';
  END IF;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION private.assert_live_session() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.assert_live_session() TO authenticated;
