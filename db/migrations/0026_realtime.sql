-- Realtime (architecture §7, server/platform/realtime/): row changes are announced on the NOTIFY
-- channel `realtime`, every API instance LISTENs, and before anything reaches a WebSocket client the
-- changed row is re-read AS THAT CLIENT (role `authenticated`, its claims), so row-level security and
-- column grants decide what is sent — never the announcement itself.
--
-- 1. private.announce_change() — a generic AFTER … FOR EACH ROW trigger. It pg_notify()s a small
--    JSON payload: {"table", "op" (INSERT/UPDATE/DELETE), "id"} plus whichever of the key columns
--    course_id, user_id, lesson_id, section_id, quiz_id, challenge_id, conversation_id the row has
--    (clients filter topics on these). Never row contents: payloads must stay far below NOTIFY's
--    8000-byte limit, and the row is re-read under RLS anyway. PostgreSQL delivers NOTIFY only
--    after the transaction commits (and not at all on rollback), and folds identical payloads of
--    one transaction into one. An UPDATE that changes nothing announces nothing.
--
--    To make a future table live (it needs a uuid `id` primary key and RLS, like every table):
--
--      CREATE TRIGGER <table>_announce AFTER INSERT OR UPDATE OR DELETE ON public.<table>
--        FOR EACH ROW EXECUTE FUNCTION private.announce_change();
--
--    That is all: private.realtime_authorize() falls back to a dynamic re-read for tables it has
--    no static branch for. Add a static branch there (CREATE OR REPLACE in a later migration) only
--    when the table is hot — a static query keeps its plan across calls, a dynamic one is planned
--    for every subscriber (measured on 1,000 subscribers: ~28 ms static vs ~75 ms dynamic).
--
-- 2. private.realtime_authorize(event, subscribers) — for ONE announced change and a batch of
--    subscribers, returns the subscribers allowed to see it, in ONE statement (one round trip).
--    How RLS is evaluated for many users in one statement: the function loops over the batch and,
--    for each subscriber, sets request.jwt.claims and role `authenticated` (transaction-local, as
--    the request prologue in server/db/session.ts does) and runs `EXISTS (SELECT 1 FROM <table>
--    WHERE id = …)` — the real policies, not a copy of them, so there is no second rule set that
--    could drift from RLS. The alternative, one SECURITY DEFINER function per table restating each
--    policy set-based, is faster per subscriber but duplicates every policy (and their future
--    changes); the loop meets the targets (bench/realtime.bench.ts), so correctness by
--    construction wins.
--    * Liveness: subscribers whose account is deactivated or whose sign-in session ended come back
--      with verdict 'ended' (the server closes their socket), like private.assert_live_session().
--    * The row: read once, as the first subscriber allowed to see it, restricted to the columns
--      role `authenticated` may SELECT (column grants: no quiz answer keys, solution code, hidden
--      tests, lesson content of locked lessons). RLS is per row and grants are per role, and every
--      subscriber has the same role, so whoever may see the row sees exactly these columns.
--    * DELETE: the row is gone, so it cannot be re-read. A delete is announced only to the row's
--      own user (user_id), to those who manage its course (course_id: owner, admin), and to admins
--      — evaluated under each subscriber's claims with the RLS predicates of 0010. Updates that
--      hide a row (soft delete, unpublish) reach only those who can still see it.
--    Not SECURITY DEFINER (SET ROLE is forbidden there): only the connection owner runs it, from the
--    realtime dispatcher; EXECUTE is revoked from PUBLIC and granted to nobody.
--
-- 3. Attached below to: courses, course_sections, course_lessons, enrollments, lesson_progress,
--    quizzes, quiz_attempts, code_challenges, code_submissions, certificates, ai_conversations,
--    ai_messages, mail_outbox.

CREATE FUNCTION private.announce_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_row jsonb;
  v_payload jsonb;
  v_key text;
BEGIN
  v_row := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
  -- Compared as jsonb, not as records: a future json or xml column has no equality operator.
  IF TG_OP = 'UPDATE' AND v_row = to_jsonb(OLD) THEN
    RETURN NULL;
  END IF;
  v_payload := jsonb_build_object('table', TG_TABLE_NAME, 'op', TG_OP, 'id', v_row -> 'id');
  FOREACH v_key IN ARRAY ARRAY['course_id', 'user_id', 'lesson_id', 'section_id', 'quiz_id', 'challenge_id',
                               'conversation_id'] LOOP
    IF v_row ? v_key AND jsonb_typeof(v_row -> v_key) = 'string' THEN
      v_payload := v_payload || jsonb_build_object(v_key, v_row -> v_key);
    END IF;
  END LOOP;
  PERFORM pg_notify('realtime', v_payload::text);
  RETURN NULL;
END $$;
COMMENT ON FUNCTION private.announce_change() IS
  'AFTER INSERT/UPDATE/DELETE row trigger: pg_notify(''realtime'', {table, op, id, course_id?, user_id?, …}). See 0026.';
REVOKE ALL ON FUNCTION private.announce_change() FROM PUBLIC;

CREATE FUNCTION private.realtime_authorize(p_event jsonb, p_subscribers jsonb)
RETURNS TABLE (subscriber text, verdict text, row_data jsonb)
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_owner text := current_user;
  v_table text := p_event ->> 'table';
  v_op text := p_event ->> 'op';
  v_id uuid := (p_event ->> 'id')::uuid;
  v_course uuid := (p_event ->> 'course_id')::uuid;
  v_user uuid := (p_event ->> 'user_id')::uuid;
  v_rel regclass := to_regclass('public.' || quote_ident(p_event ->> 'table'));
  v_exists_sql text;
  v_columns text;
  v_row jsonb;
  v_ok boolean;
  v_row_sent boolean := false;
  s record;
BEGIN
  IF v_rel IS NULL OR v_id IS NULL OR v_op NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN
    RETURN;
  END IF;
  v_exists_sql := format('SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)', v_rel);
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped
     AND has_column_privilege('authenticated', v_rel, a.attnum, 'SELECT');

  FOR s IN
    SELECT x.k, x.u, x.s,
           (p.id IS NOT NULL AND (x.s IS NULL OR EXISTS (
              SELECT 1 FROM private.auth_sessions a
               WHERE a.id = x.s AND a.user_id = x.u AND a.revoked_at IS NULL AND a.expires_at > now()))) AS live
      FROM jsonb_to_recordset(p_subscribers) AS x(k text, u uuid, s uuid)
      LEFT JOIN public.profiles p ON p.id = x.u AND p.is_active
  LOOP
    IF NOT s.live THEN
      subscriber := s.k; verdict := 'ended'; row_data := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;
    PERFORM set_config('request.jwt.claims',
      jsonb_build_object('sub', s.u, 'role', 'authenticated', 'aud', 'authenticated')
        || CASE WHEN s.s IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('session_id', s.s) END
      #>> '{}', true);
    PERFORM set_config('role', 'authenticated', true);
    IF v_op = 'DELETE' THEN
      v_ok := (v_user IS NOT NULL AND v_user = s.u)
           OR (v_course IS NOT NULL AND private.can_manage_course(v_course))
           OR private.is_admin();
    -- Static branches for the busiest tables: their plans are cached across subscribers and calls.
    ELSIF v_table = 'lesson_progress' THEN
      v_ok := EXISTS (SELECT 1 FROM public.lesson_progress t WHERE t.id = v_id);
    ELSIF v_table = 'enrollments' THEN
      v_ok := EXISTS (SELECT 1 FROM public.enrollments t WHERE t.id = v_id);
    ELSIF v_table = 'course_lessons' THEN
      v_ok := EXISTS (SELECT 1 FROM public.course_lessons t WHERE t.id = v_id);
    ELSIF v_table = 'course_sections' THEN
      v_ok := EXISTS (SELECT 1 FROM public.course_sections t WHERE t.id = v_id);
    ELSIF v_table = 'courses' THEN
      v_ok := EXISTS (SELECT 1 FROM public.courses t WHERE t.id = v_id);
    ELSIF v_table = 'quiz_attempts' THEN
      v_ok := EXISTS (SELECT 1 FROM public.quiz_attempts t WHERE t.id = v_id);
    ELSIF v_table = 'code_submissions' THEN
      v_ok := EXISTS (SELECT 1 FROM public.code_submissions t WHERE t.id = v_id);
    ELSE
      EXECUTE v_exists_sql INTO v_ok USING v_id;
    END IF;
    IF v_ok AND v_row IS NULL AND v_op <> 'DELETE' AND v_columns IS NOT NULL THEN
      -- Still as this subscriber: RLS and column grants apply to the read itself.
      EXECUTE format('SELECT to_jsonb(r) FROM (SELECT %s FROM %s WHERE id = $1) r', v_columns, v_rel)
        INTO v_row USING v_id;
    END IF;
    PERFORM set_config('role', v_owner, true);
    IF v_ok THEN
      -- The row is the same for everyone who may see it: sent back once, with the first verdict.
      subscriber := s.k; verdict := 'visible'; row_data := CASE WHEN v_row_sent THEN NULL ELSE v_row END;
      v_row_sent := true;
      RETURN NEXT;
    END IF;
  END LOOP;
  PERFORM set_config('request.jwt.claims', '', true);
END $$;
COMMENT ON FUNCTION private.realtime_authorize(jsonb, jsonb) IS
  'For one announced change and [{k, u, s}] subscribers: who may see it (under RLS, as each subscriber), whose session ended, and the row as they may read it. See 0026.';
REVOKE ALL ON FUNCTION private.realtime_authorize(jsonb, jsonb) FROM PUBLIC;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['courses', 'course_sections', 'course_lessons', 'enrollments', 'lesson_progress',
                           'quizzes', 'quiz_attempts', 'code_challenges', 'code_submissions', 'certificates',
                           'ai_conversations', 'ai_messages', 'mail_outbox'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON public.%I '
                   'FOR EACH ROW EXECUTE FUNCTION private.announce_change()', t || '_announce', t);
  END LOOP;
END $$;
