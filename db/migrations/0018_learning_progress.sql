-- Learning progress (issue 5): ordered, idempotent progress reports; time kept to the second;
-- daily learning analytics in the learner's own time zone; streaks; course access granted by
-- email. Every rule lives in a trigger or function documented here.
--
-- Triggers added or replaced in this file:
--   lesson_progress BEFORE I/U (lesson_progress_prepare, function replaced)
--       -> as 0009 (derive course/enrolment, completion never backwards), plus: reports are ordered
--          by client_reported_at (an older or repeated report never moves position or time), time
--          is kept in seconds (minutes follow), a video completes at 90 % watched, notes_updated_at
--   lesson_progress AFTER I/U/D (lesson_progress_counters, function replaced, more columns)
--       -> enrolment progress (as 0009); profile learning time to the second; daily analytics
--   activity_logs   AFTER I (activity_logs_learning_analytics) -> a sign-in counts as a login that day
--   auth.users      AFTER I/U (on_auth_user_grants_apply) -> pending course grants for a confirmed email
--
-- Decisions:
-- * A report carries the client's time (client_reported_at). A report not newer than the last one
--   applied (a late, reordered or repeated one) changes neither position nor time spent, so
--   nothing is counted twice; its monotone facts (completed, watched seconds) still apply, so a
--   completion is never lost to reordering. A client clock far ahead is clamped to now + 5 minutes.
--   Once a row has had a report, a write without a client time (0009's direct interface) counts as
--   not newer: it can still complete the lesson, but not move position or time.
-- * Position-only heartbeats are written like any report (no coalescing in the server): every
--   answer reflects the database, and a crash loses nothing that was acknowledged.
-- * Time spent per write is capped by the wall clock as in 0009 (time since the previous write of
--   the row, or since enrolment, plus one minute; never more than a day), now counted in seconds.
--   Minutes (lesson, enrolment, profile, day) are whole minutes of the exact seconds: remainders are
--   kept (profiles.learning_seconds_remainder, learning_analytics.seconds_learned), never lost.
-- * A day of learning_analytics is the learner's calendar day in profiles.timezone at the moment
--   the report is written (a session across midnight counts on the day each report arrives).
-- * Streaks: a day counts when minutes_learned >= 1. profiles.current_streak_days is the run of
--   counted days ending on the most recent counted day; longest_streak_days the longest run ever.
--   Both are written when a day becomes counted. Whether the run is still alive depends on "today",
--   so readers compute it: current streak = current_streak_days while the last counted day is
--   today or yesterday (local), else 0 (learning.queries.ts, dashboard). No job is needed.
-- * Grants by email live in private.course_access_grants (owners/admins read theirs through
--   private.list_course_access_grants). The answer to a grant never says whether an account exists:
--   a grant for an address without a confirmed account waits and applies when that address is
--   confirmed. (An owner still sees their course's enrolments, which access.md allows; an enrolment
--   appearing at once is the one signal left, inherent to that rule.)

---------------------------------------------------------------------------------------------------
-- Columns
---------------------------------------------------------------------------------------------------
ALTER TABLE public.lesson_progress
  ADD COLUMN time_spent_seconds integer NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0),
  ADD COLUMN video_watched_seconds integer NOT NULL DEFAULT 0 CHECK (video_watched_seconds >= 0),
  ADD COLUMN client_reported_at timestamptz,
  ADD COLUMN notes_updated_at timestamptz;
COMMENT ON COLUMN public.lesson_progress.time_spent_seconds IS
  'Exact active time; time_spent_minutes is its whole minutes (kept by lesson_progress_prepare).';
COMMENT ON COLUMN public.lesson_progress.client_reported_at IS
  'Client time of the last report applied; older or repeated reports do not move position or time.';

-- Rows written before this migration counted whole minutes (the owner runs this: no caps apply).
UPDATE public.lesson_progress SET time_spent_seconds = time_spent_minutes * 60 WHERE time_spent_minutes > 0;

ALTER TABLE public.profiles
  ADD COLUMN learning_seconds_remainder smallint NOT NULL DEFAULT 0
    CHECK (learning_seconds_remainder BETWEEN 0 AND 59);
COMMENT ON COLUMN public.profiles.learning_seconds_remainder IS
  'Seconds of learning not yet a whole minute of total_learning_minutes (kept by triggers).';

-- A calendar day has at most 25 hours (the day a DST change moves clocks back).
ALTER TABLE public.learning_analytics
  ADD COLUMN seconds_learned integer NOT NULL DEFAULT 0 CHECK (seconds_learned BETWEEN 0 AND 90000);
UPDATE public.learning_analytics SET seconds_learned = minutes_learned * 60 WHERE minutes_learned > 0;

GRANT INSERT (time_spent_seconds, video_watched_seconds, client_reported_at) ON public.lesson_progress TO authenticated;
GRANT UPDATE (time_spent_seconds, video_watched_seconds, client_reported_at) ON public.lesson_progress TO authenticated;

---------------------------------------------------------------------------------------------------
-- Time caps and the progress row
---------------------------------------------------------------------------------------------------
-- One write may add at most the wall-clock seconds since p_since plus one minute, never over a day
-- (0009's rule for minutes, in seconds).
CREATE FUNCTION private.max_reported_seconds(p_since timestamptz) RETURNS integer
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT least(86400, 60 + greatest(0, ceil(extract(epoch FROM now() - p_since))))::int
$$;

-- SECURITY INVOKER on purpose (as in 0009): the caller reads its own lesson outline and enrolment
-- under RLS, and private.is_request_role() must see the caller's role to cap self-reported time.
CREATE OR REPLACE FUNCTION private.prepare_lesson_progress() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_lesson record;
  v_stale boolean := false;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.user_id <> OLD.user_id OR NEW.lesson_id <> OLD.lesson_id) THEN
    RAISE EXCEPTION 'a progress row cannot move to another learner or lesson' USING ERRCODE = '42501';
  END IF;
  SELECT l.course_id, l.content_type, l.video_duration_seconds INTO v_lesson
    FROM public.course_lessons l WHERE l.id = NEW.lesson_id;
  NEW.course_id := v_lesson.course_id;
  SELECT e.id INTO NEW.enrollment_id FROM public.enrollments e
   WHERE e.user_id = NEW.user_id AND e.course_id = NEW.course_id;
  IF NEW.enrollment_id IS NULL THEN
    RAISE EXCEPTION 'not enrolled in the course of this lesson' USING ERRCODE = '42501';
  END IF;

  -- A client clock far ahead would otherwise freeze the row for everyone else's reports.
  IF NEW.client_reported_at IS NOT NULL THEN
    NEW.client_reported_at := least(NEW.client_reported_at, now() + interval '5 minutes');
  END IF;

  -- Writers that still set whole minutes (0009's interface) are taken as minutes * 60 seconds.
  IF TG_OP = 'INSERT' THEN
    IF NEW.time_spent_seconds = 0 AND NEW.time_spent_minutes > 0 THEN
      NEW.time_spent_seconds := NEW.time_spent_minutes * 60;
    END IF;
  ELSIF NEW.time_spent_seconds = OLD.time_spent_seconds AND NEW.time_spent_minutes <> OLD.time_spent_minutes THEN
    NEW.time_spent_seconds := OLD.time_spent_seconds + (NEW.time_spent_minutes - OLD.time_spent_minutes) * 60;
  END IF;

  IF TG_OP = 'UPDATE' THEN
    -- Ordering: a report not newer than the last applied one moves neither position nor time.
    v_stale := OLD.client_reported_at IS NOT NULL
               AND (NEW.client_reported_at IS NULL OR NEW.client_reported_at <= OLD.client_reported_at);
    IF v_stale THEN
      NEW.client_reported_at := OLD.client_reported_at;
      NEW.video_position_seconds := OLD.video_position_seconds;
      NEW.time_spent_seconds := OLD.time_spent_seconds;
    END IF;
    -- Completion, a watched video, watched seconds and time spent never move backwards.
    IF OLD.status = 'completed' OR (OLD.status = 'in_progress' AND NEW.status = 'not_started') THEN
      NEW.status := OLD.status;
    END IF;
    NEW.video_completed := OLD.video_completed OR NEW.video_completed;
    NEW.video_watched_seconds := greatest(OLD.video_watched_seconds, NEW.video_watched_seconds);
    NEW.time_spent_seconds := greatest(OLD.time_spent_seconds, NEW.time_spent_seconds);
    IF private.is_request_role() THEN
      NEW.time_spent_seconds := least(NEW.time_spent_seconds,
                                      OLD.time_spent_seconds + private.max_reported_seconds(OLD.updated_at));
    END IF;
    NEW.started_at := OLD.started_at;
    NEW.completed_at := OLD.completed_at;
    NEW.last_accessed_at := greatest(OLD.last_accessed_at, NEW.last_accessed_at);
    NEW.notes_updated_at := CASE WHEN NEW.user_notes IS DISTINCT FROM OLD.user_notes THEN now()
                                 ELSE OLD.notes_updated_at END;
  ELSE
    NEW.started_at := NULL;
    NEW.completed_at := NULL;
    IF private.is_request_role() THEN
      NEW.time_spent_seconds := least(NEW.time_spent_seconds, private.max_reported_seconds(
        (SELECT e.enrolled_at FROM public.enrollments e WHERE e.id = NEW.enrollment_id)));
    END IF;
    NEW.notes_updated_at := CASE WHEN NEW.user_notes IS NOT NULL THEN now() END;
  END IF;
  NEW.time_spent_minutes := NEW.time_spent_seconds / 60;

  -- A video lesson is completed once 90 % of it has been watched (watched seconds never exceed it).
  IF v_lesson.content_type = 'video' AND coalesce(v_lesson.video_duration_seconds, 0) > 0 THEN
    NEW.video_watched_seconds := least(NEW.video_watched_seconds, v_lesson.video_duration_seconds);
    NEW.video_position_seconds := least(NEW.video_position_seconds, v_lesson.video_duration_seconds);
    IF NEW.video_watched_seconds * 10 >= v_lesson.video_duration_seconds * 9 THEN
      NEW.video_completed := true;
      NEW.status := 'completed';
    END IF;
  END IF;

  IF NEW.status <> 'not_started' THEN
    NEW.started_at := coalesce(NEW.started_at, now());
  END IF;
  IF NEW.status = 'completed' THEN
    NEW.completed_at := coalesce(NEW.completed_at, now());
  END IF;
  RETURN NEW;
END $$;

-- As 0009, with time summed from exact seconds.
CREATE OR REPLACE FUNCTION private.refresh_enrollment_progress(p_enrollment_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  e public.enrollments%ROWTYPE;
  v_total int;
  v_done int;
  v_minutes int;
  v_last record;
  v_pct int;
BEGIN
  SELECT * INTO e FROM public.enrollments WHERE id = p_enrollment_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN RETURN; END IF;

  SELECT c.lesson_count INTO v_total FROM public.courses c WHERE c.id = e.course_id;
  SELECT count(*) FILTER (WHERE lp.status = 'completed' AND l.deleted_at IS NULL AND s.deleted_at IS NULL)::int,
         (coalesce(sum(lp.time_spent_seconds), 0) / 60)::int
    INTO v_done, v_minutes
    FROM public.lesson_progress lp
    JOIN public.course_lessons l ON l.id = lp.lesson_id
    JOIN public.course_sections s ON s.id = l.section_id
   WHERE lp.enrollment_id = e.id;
  SELECT lp.lesson_id, lp.last_accessed_at INTO v_last
    FROM public.lesson_progress lp
   WHERE lp.enrollment_id = e.id AND lp.last_accessed_at IS NOT NULL
   ORDER BY lp.last_accessed_at DESC LIMIT 1;

  v_done := least(v_done, coalesce(v_total, 0));
  v_pct := CASE WHEN coalesce(v_total, 0) = 0 THEN 0 ELSE floor(100.0 * v_done / v_total)::int END;

  UPDATE public.enrollments
     SET total_lessons = coalesce(v_total, 0),
         completed_lessons = v_done,
         progress_percentage = v_pct,
         total_time_spent_minutes = v_minutes,
         last_lesson_id = coalesce(v_last.lesson_id, e.last_lesson_id),
         last_accessed_at = greatest(e.last_accessed_at, v_last.last_accessed_at),
         is_completed = e.is_completed OR (v_pct = 100),
         completed_at = CASE WHEN e.is_completed THEN e.completed_at WHEN v_pct = 100 THEN now() END
   WHERE id = e.id
     AND (total_lessons, completed_lessons, progress_percentage, total_time_spent_minutes, last_lesson_id,
          last_accessed_at, is_completed)
         IS DISTINCT FROM
         (coalesce(v_total, 0), v_done, v_pct, v_minutes, coalesce(v_last.lesson_id, e.last_lesson_id),
          greatest(e.last_accessed_at, v_last.last_accessed_at), e.is_completed OR (v_pct = 100));
END $$;

---------------------------------------------------------------------------------------------------
-- Daily analytics and streaks
---------------------------------------------------------------------------------------------------
-- Streak runs of a learner after day p_day became counted: the run ending on the latest counted
-- day is the current streak, and the run through p_day may be the longest (a time-zone change can
-- fill a gap between two runs).
CREATE FUNCTION private.refresh_streaks(p_user_id uuid, p_day date) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_latest int;
  v_around int;
BEGIN
  WITH days AS (
    SELECT a.date, a.date - (row_number() OVER (ORDER BY a.date))::int AS run
      FROM public.learning_analytics a
     WHERE a.user_id = p_user_id AND a.minutes_learned >= 1
  )
  SELECT count(*) FILTER (WHERE run = (SELECT d.run FROM days d ORDER BY d.date DESC LIMIT 1))::int,
         count(*) FILTER (WHERE run = (SELECT d.run FROM days d WHERE d.date = p_day))::int
    INTO v_latest, v_around
    FROM days;
  UPDATE public.profiles
     SET current_streak_days = v_latest,
         longest_streak_days = greatest(longest_streak_days, v_latest, v_around)
   WHERE id = p_user_id;
END $$;

-- Adds to the learner's day at p_at in their own time zone. Called by triggers and by the
-- SECURITY DEFINER paths below (never by request roles directly); tests pass p_at to move the clock.
CREATE FUNCTION private.record_learning(
  p_user_id uuid, p_at timestamptz, p_seconds integer, p_lessons integer, p_videos integer,
  p_downloads integer, p_logins integer
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_day date;
  v_seconds int;
BEGIN
  SELECT (p_at AT TIME ZONE p.timezone)::date INTO v_day FROM public.profiles p WHERE p.id = p_user_id;
  IF v_day IS NULL THEN RETURN; END IF;
  INSERT INTO public.learning_analytics AS a
         (user_id, date, seconds_learned, minutes_learned, lessons_completed, videos_watched,
          resources_downloaded, login_count)
  VALUES (p_user_id, v_day, least(90000, p_seconds), least(1440, least(90000, p_seconds) / 60), p_lessons,
          p_videos, p_downloads, p_logins)
  ON CONFLICT (user_id, date) DO UPDATE
     SET seconds_learned = least(90000, a.seconds_learned + excluded.seconds_learned),
         minutes_learned = least(1440, least(90000, a.seconds_learned + excluded.seconds_learned) / 60),
         lessons_completed = a.lessons_completed + excluded.lessons_completed,
         videos_watched = a.videos_watched + excluded.videos_watched,
         resources_downloaded = a.resources_downloaded + excluded.resources_downloaded,
         login_count = a.login_count + excluded.login_count
  RETURNING a.seconds_learned INTO v_seconds;
  -- The day just became a learning day (>= 1 minute): streaks change, once per day.
  IF p_seconds > 0 AND v_seconds >= 60 AND v_seconds - p_seconds < 60 THEN
    PERFORM private.refresh_streaks(p_user_id, v_day);
  END IF;
END $$;

CREATE OR REPLACE FUNCTION private.on_lesson_progress_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_seconds int;
  v_lessons int;
  v_videos int;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM private.refresh_enrollment_progress(OLD.enrollment_id);
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.status = OLD.status AND NEW.time_spent_seconds = OLD.time_spent_seconds THEN
    -- A heartbeat: only the last lesson and access time can change; skip the recount.
    UPDATE public.enrollments
       SET last_lesson_id = NEW.lesson_id, last_accessed_at = NEW.last_accessed_at
     WHERE id = NEW.enrollment_id AND NEW.last_accessed_at IS NOT NULL
       AND (last_accessed_at IS NULL OR last_accessed_at < NEW.last_accessed_at);
  ELSE
    PERFORM private.refresh_enrollment_progress(NEW.enrollment_id);
  END IF;

  -- Learning time is added, never taken back: deleting a lesson does not unlearn the time.
  v_seconds := greatest(0, NEW.time_spent_seconds - CASE WHEN TG_OP = 'UPDATE' THEN OLD.time_spent_seconds ELSE 0 END);
  v_lessons := CASE WHEN NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status <> 'completed') THEN 1 ELSE 0 END;
  v_videos := CASE WHEN NEW.video_completed AND (TG_OP = 'INSERT' OR NOT OLD.video_completed) THEN 1 ELSE 0 END;
  IF v_seconds > 0 THEN
    UPDATE public.profiles
       SET total_learning_minutes = total_learning_minutes + (learning_seconds_remainder + v_seconds) / 60,
           learning_seconds_remainder = (learning_seconds_remainder + v_seconds) % 60,
           last_active_at = greatest(last_active_at, now())
     WHERE id = NEW.user_id;
  END IF;
  IF v_seconds > 0 OR v_lessons > 0 OR v_videos > 0 THEN
    PERFORM private.record_learning(NEW.user_id, now(), v_seconds, v_lessons, v_videos, 0, 0);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER lesson_progress_counters ON public.lesson_progress;
CREATE TRIGGER lesson_progress_counters
  AFTER INSERT OR DELETE OR UPDATE OF status, time_spent_seconds, time_spent_minutes, last_accessed_at, video_completed
  ON public.lesson_progress FOR EACH ROW EXECUTE FUNCTION private.on_lesson_progress_change();

-- A sign-in (accounts module: activity 'auth.sign_in') is a login on the learner's day.
CREATE FUNCTION private.on_activity_login() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM private.record_learning(NEW.user_id, NEW.created_at, 0, 0, 0, 0, 1);
  RETURN NULL;
END $$;
CREATE TRIGGER activity_logs_learning_analytics AFTER INSERT ON public.activity_logs
  FOR EACH ROW WHEN (NEW.action = 'auth.sign_in' AND NEW.user_id IS NOT NULL)
  EXECUTE FUNCTION private.on_activity_login();

-- A resource of a lesson the caller may open was downloaded (the signed-link route calls this).
-- False, and nothing counted, for a lesson whose resources the caller may not have.
CREATE FUNCTION private.record_resource_download(p_lesson_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF auth.uid() IS NULL OR NOT EXISTS (SELECT 1 FROM private.lesson_content(ARRAY[p_lesson_id])) THEN
    RETURN false;
  END IF;
  PERFORM private.record_learning(auth.uid(), now(), 0, 0, 0, 1, 0);
  RETURN true;
END $$;

---------------------------------------------------------------------------------------------------
-- Access granted by email (free_grant)
---------------------------------------------------------------------------------------------------
CREATE TABLE private.course_access_grants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES public.courses(id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
  expires_at timestamptz,
  granted_by uuid REFERENCES public.profiles(id) ON DELETE SET NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  -- Set once the grant reached an account: the enrolment, whether the grant created it, and the
  -- expiry it had before (a revoke puts that back instead of ending access the learner had anyway).
  enrollment_id uuid REFERENCES public.enrollments(id) ON DELETE SET NULL,
  created_enrollment boolean NOT NULL DEFAULT false,
  previous_expires_at timestamptz,
  applied_at timestamptz,
  CONSTRAINT course_access_grants_course_email_key UNIQUE (course_id, email)
);
CREATE INDEX idx_course_access_grants_pending ON private.course_access_grants (email) WHERE applied_at IS NULL;

-- Gives the grant's account access: a new free_grant enrolment, or a longer one (never shorter).
CREATE FUNCTION private.apply_course_grant(p_grant_id uuid, p_user_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  g private.course_access_grants%ROWTYPE;
  e public.enrollments%ROWTYPE;
  v_previous timestamptz;
BEGIN
  SELECT * INTO g FROM private.course_access_grants WHERE id = p_grant_id FOR UPDATE;
  SELECT * INTO e FROM public.enrollments WHERE user_id = p_user_id AND course_id = g.course_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    INSERT INTO public.enrollments (user_id, course_id, access_type, expires_at)
    VALUES (p_user_id, g.course_id, 'free_grant', g.expires_at)
    RETURNING * INTO e;
    UPDATE private.course_access_grants
       SET enrollment_id = e.id, created_enrollment = true, previous_expires_at = NULL, applied_at = now()
     WHERE id = g.id;
  ELSE
    -- The expiry the enrolment had before this grant first reached it.
    v_previous := CASE WHEN g.applied_at IS NULL THEN e.expires_at ELSE g.previous_expires_at END;
    UPDATE public.enrollments
       SET expires_at = CASE WHEN g.created_enrollment THEN g.expires_at
                             WHEN v_previous IS NULL OR g.expires_at IS NULL THEN NULL
                             ELSE greatest(v_previous, g.expires_at) END
     WHERE id = e.id;
    UPDATE private.course_access_grants
       SET enrollment_id = e.id, previous_expires_at = v_previous, applied_at = now()
     WHERE id = g.id;
  END IF;
END $$;

-- Grants the course to whoever owns (or will confirm) p_email, until p_expires_at (null: no end).
-- Owners of the course and admins only (42501 otherwise). The answer is the same whether or not
-- an account exists for the address.
CREATE FUNCTION private.grant_course_access(p_course_id uuid, p_email text, p_expires_at timestamptz)
RETURNS TABLE (email text, expires_at timestamptz, granted_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_email text := lower(btrim(p_email));
  v_grant uuid;
  v_user uuid;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.courses c WHERE c.id = p_course_id AND c.deleted_at IS NULL)
     OR NOT private.can_manage_course(p_course_id) THEN
    RAISE EXCEPTION 'only the owner of the course or an admin may grant access' USING ERRCODE = '42501';
  END IF;
  IF p_expires_at IS NOT NULL AND p_expires_at <= now() THEN
    RAISE EXCEPTION 'the access end date must be in the future' USING ERRCODE = '22023';
  END IF;
  INSERT INTO private.course_access_grants AS g (course_id, email, expires_at, granted_by)
  VALUES (p_course_id, v_email, p_expires_at, auth.uid())
  ON CONFLICT ON CONSTRAINT course_access_grants_course_email_key DO UPDATE
     SET expires_at = excluded.expires_at, granted_by = excluded.granted_by, granted_at = now(),
         revoked_at = NULL
  RETURNING g.id INTO v_grant;
  SELECT p.id INTO v_user FROM public.profiles p JOIN auth.users u ON u.id = p.id
   WHERE p.email = v_email AND u.email_confirmed_at IS NOT NULL;
  IF v_user IS NOT NULL THEN
    PERFORM private.apply_course_grant(v_grant, v_user);
  END IF;
  RETURN QUERY SELECT g.email, g.expires_at, g.granted_at FROM private.course_access_grants g WHERE g.id = v_grant;
END $$;

-- Ends a grant: an enrolment the grant created expires now; one it extended gets its old end back.
-- Owners and admins only (42501). False when there was no live grant for the address.
CREATE FUNCTION private.revoke_course_access(p_course_id uuid, p_email text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  g private.course_access_grants%ROWTYPE;
BEGIN
  IF NOT private.can_manage_course(p_course_id) THEN
    RAISE EXCEPTION 'only the owner of the course or an admin may revoke access' USING ERRCODE = '42501';
  END IF;
  UPDATE private.course_access_grants c SET revoked_at = now()
   WHERE c.course_id = p_course_id AND c.email = lower(btrim(p_email)) AND c.revoked_at IS NULL
  RETURNING * INTO g;
  IF NOT FOUND THEN RETURN false; END IF;
  IF g.enrollment_id IS NOT NULL THEN
    UPDATE public.enrollments e
       SET expires_at = CASE WHEN g.created_enrollment THEN least(coalesce(e.expires_at, now()), now())
                             ELSE g.previous_expires_at END
     WHERE e.id = g.enrollment_id;
  END IF;
  RETURN true;
END $$;

-- The grants of a course, for its owner and admins (nothing for anyone else).
CREATE FUNCTION private.list_course_access_grants(p_course_id uuid)
RETURNS TABLE (email text, expires_at timestamptz, granted_at timestamptz, revoked_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    SELECT g.email, g.expires_at, g.granted_at, g.revoked_at
      FROM private.course_access_grants g
     WHERE g.course_id = p_course_id AND private.can_manage_course(p_course_id)
     ORDER BY g.granted_at DESC, g.email;
END $$;

-- A confirmed address receives the grants waiting for it (live ones only).
CREATE FUNCTION private.on_auth_user_apply_grants() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  g record;
BEGIN
  FOR g IN SELECT c.id FROM private.course_access_grants c
            WHERE c.email = lower(NEW.email) AND c.applied_at IS NULL AND c.revoked_at IS NULL
              AND (c.expires_at IS NULL OR c.expires_at > now())
            ORDER BY c.id LOOP
    PERFORM private.apply_course_grant(g.id, NEW.id);
  END LOOP;
  RETURN NULL;
END $$;
-- Named to fire after on_auth_user_created (0002), which creates the profile the enrolment needs.
CREATE TRIGGER on_auth_user_grants_apply AFTER INSERT OR UPDATE OF email_confirmed_at, email ON auth.users
  FOR EACH ROW WHEN (NEW.email_confirmed_at IS NOT NULL AND NEW.email IS NOT NULL)
  EXECUTE FUNCTION private.on_auth_user_apply_grants();

---------------------------------------------------------------------------------------------------
-- Function privileges
---------------------------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA private FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  private.max_reported_seconds(timestamptz), private.record_resource_download(uuid),
  private.grant_course_access(uuid, text, timestamptz), private.revoke_course_access(uuid, text),
  private.list_course_access_grants(uuid)
  TO authenticated, service_role;
