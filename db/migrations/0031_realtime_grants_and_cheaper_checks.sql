-- Realtime, continued (issue 9; 0026 made the mechanism).
--
-- 1. private.realtime_authorize(), same contract as in 0026, cheaper per subscriber. Measured with
--    bench/realtime.bench.ts at 1,000 subscribers (bench/README.md, "Realtime fan-out"): nearly all of
--    the checked path's database time is the policies themselves (course_lessons_select_reader calls
--    private.can_read_course(), a plpgsql SECURITY DEFINER function, ~40 µs a subscriber); what is
--    spent around them goes down here:
--    * liveness (profile active, session live) is read for the whole batch in one set-based
--      statement before the loop, instead of a join evaluated row by row under role switches;
--    * the role is switched to `authenticated` once for the batch, not twice per subscriber;
--    * the claims are built as text, and request.jwt.claim.sub is set beside them: auth.uid() reads
--      it first (0001, as Supabase's does), so no policy call parses the claims JSON again.
--    Still the real policies evaluated as each subscriber, for the reason 0026 gives; both settings
--    are transaction-local and cleared before returning.
--
-- 2. Extra attempts an owner grants (private.quiz_extra_grants, 0020) are announced, so a learner's
--    open quiz shows them without a reload. That table is private (no RLS, no grants: realtime cannot
--    re-read it as a subscriber), so the trigger below announces the learner's ENROLLMENT in the
--    quiz's course instead, with the quiz's id as a key: {"table":"enrollments","op":"UPDATE",
--    "id":<enrollment>,"course_id","user_id","quiz_id"}. The enrollment is re-read under RLS like
--    any change, so only the learner, the course's owner and admins receive it — never another
--    learner (tested in server/platform/realtime/realtime.db.test.ts). No enrollment (a grant to
--    someone who left the course), no announcement. Extra MINUTES need nothing new: quiz_grant_extra()
--    moves quiz_attempts.deadline_at of the open attempt, and quiz_attempts is announced (0026).
--
-- 3. private.live_learner_cards(course, ids) — names for the instructor's live view of a course
--    (presence carries only user ids). Runs as the caller (the realtime hub calls it as the watching
--    owner/admin, db.readAs): nothing unless the caller manages the course, and then only the names
--    of the given users who are enrolled in it, its owner, or admins — display name, else full name.
--    No email, no other column: the same names the owner already sees in quiz results.

CREATE OR REPLACE FUNCTION private.realtime_authorize(p_event jsonb, p_subscribers jsonb)
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
  v_keys text[];
  v_users uuid[];
  v_sessions uuid[];
  v_live boolean[];
  i integer;
BEGIN
  IF v_rel IS NULL OR v_id IS NULL OR v_op NOT IN ('INSERT', 'UPDATE', 'DELETE') THEN
    RETURN;
  END IF;
  v_exists_sql := format('SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)', v_rel);
  SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
    FROM pg_catalog.pg_attribute a
   WHERE a.attrelid = v_rel AND a.attnum > 0 AND NOT a.attisdropped
     AND has_column_privilege('authenticated', v_rel, a.attnum, 'SELECT');

  -- Liveness for the whole batch in one set-based read, as the owner, before any role switch (the
  -- aggregates of one SELECT see its rows in one order, so the four arrays line up).
  SELECT array_agg(x.k), array_agg(x.u), array_agg(x.s),
         array_agg((p.id IS NOT NULL AND (x.s IS NULL OR EXISTS (
              SELECT 1 FROM private.auth_sessions a
               WHERE a.id = x.s AND a.user_id = x.u AND a.revoked_at IS NULL AND a.expires_at > now()))))
    INTO v_keys, v_users, v_sessions, v_live
    FROM jsonb_to_recordset(p_subscribers) AS x(k text, u uuid, s uuid)
    LEFT JOIN public.profiles p ON p.id = x.u AND p.is_active;
  IF v_keys IS NULL THEN
    RETURN;
  END IF;

  PERFORM set_config('role', 'authenticated', true);
  FOR i IN 1 .. array_length(v_keys, 1) LOOP
    IF NOT v_live[i] THEN
      subscriber := v_keys[i]; verdict := 'ended'; row_data := NULL;
      RETURN NEXT;
      CONTINUE;
    END IF;
    PERFORM set_config('request.jwt.claims',
      '{"sub":"' || v_users[i] || '","role":"authenticated","aud":"authenticated"'
        || CASE WHEN v_sessions[i] IS NULL THEN '' ELSE ',"session_id":"' || v_sessions[i] || '"' END || '}', true);
    -- auth.uid() reads this first: it spares every policy call a parse of the claims above.
    PERFORM set_config('request.jwt.claim.sub', v_users[i]::text, true);
    IF v_op = 'DELETE' THEN
      v_ok := (v_user IS NOT NULL AND v_user = v_users[i])
           OR (v_course IS NOT NULL AND private.can_manage_course(v_course))
           OR private.is_admin();
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
      EXECUTE format('SELECT to_jsonb(r) FROM (SELECT %s FROM %s WHERE id = $1) r', v_columns, v_rel)
        INTO v_row USING v_id;
    END IF;
    IF v_ok THEN
      subscriber := v_keys[i]; verdict := 'visible'; row_data := CASE WHEN v_row_sent THEN NULL ELSE v_row END;
      v_row_sent := true;
      RETURN NEXT;
    END IF;
  END LOOP;
  PERFORM set_config('role', v_owner, true);
  PERFORM set_config('request.jwt.claims', '', true);
  PERFORM set_config('request.jwt.claim.sub', '', true);
END $$;

COMMENT ON FUNCTION private.realtime_authorize(jsonb, jsonb) IS
  'For one announced change and [{k, u, s}] subscribers: who may see it (under RLS, as each subscriber), whose session ended, and the row as they may read it. See 0026 and 0031.';
REVOKE ALL ON FUNCTION private.realtime_authorize(jsonb, jsonb) FROM PUBLIC;

CREATE FUNCTION private.announce_quiz_grant() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_course uuid;
  v_enrollment uuid;
BEGIN
  SELECT q.course_id INTO v_course FROM public.quizzes q WHERE q.id = NEW.quiz_id;
  SELECT e.id INTO v_enrollment FROM public.enrollments e WHERE e.user_id = NEW.user_id AND e.course_id = v_course;
  IF v_enrollment IS NOT NULL THEN
    PERFORM pg_notify('realtime', jsonb_build_object(
      'table', 'enrollments', 'op', 'UPDATE', 'id', v_enrollment,
      'course_id', v_course, 'user_id', NEW.user_id, 'quiz_id', NEW.quiz_id)::text);
  END IF;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION private.announce_quiz_grant() IS
  'AFTER INSERT/UPDATE on private.quiz_extra_grants: announces the learner''s enrollment (with quiz_id) on the realtime channel. See 0031.';
REVOKE ALL ON FUNCTION private.announce_quiz_grant() FROM PUBLIC;

CREATE TRIGGER quiz_extra_grants_announce AFTER INSERT OR UPDATE ON private.quiz_extra_grants
  FOR EACH ROW EXECUTE FUNCTION private.announce_quiz_grant();

CREATE FUNCTION private.live_learner_cards(p_course_id uuid, p_ids uuid[])
RETURNS TABLE (id uuid, name text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT private.can_manage_course(p_course_id) THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT p.id, coalesce(nullif(btrim(p.display_name), ''), nullif(btrim(p.full_name), ''), 'Learner')
      FROM public.profiles p
     WHERE p.id = ANY (p_ids)
       AND (EXISTS (SELECT 1 FROM public.enrollments e WHERE e.user_id = p.id AND e.course_id = p_course_id)
         OR EXISTS (SELECT 1 FROM public.courses c WHERE c.id = p_course_id AND c.instructor_id = p.id)
         OR p.role = 'admin');
END $$;
COMMENT ON FUNCTION private.live_learner_cards(uuid, uuid[]) IS
  'Names of the given users present in a course, for those who manage it (the live view). See 0031.';
REVOKE ALL ON FUNCTION private.live_learner_cards(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.live_learner_cards(uuid, uuid[]) TO authenticated;
