-- Cheaper heartbeats (issue 5, bench/README.md "Progress reports"): a progress write that does not
-- change any lesson's completion keeps the enrolment's counters by adding the difference instead of
-- recounting every lesson row of the enrolment, and the day's analytics row is updated in place.
--
-- Functions replaced in this file (the triggers of 0018 stay as they are):
--   private.on_lesson_progress_change   (lesson_progress AFTER I/U/D, lesson_progress_counters)
--       -> a write that completes or un-completes a lesson, moves a row to another enrolment, or
--          deletes one: the full recount, as before. Any other write (a heartbeat, a first report
--          of a lesson, notes): the enrolment's exact seconds get the row's difference, its minutes
--          follow, and its last lesson / last access move when this row is the newest — one UPDATE
--          by primary key, skipped when it would change nothing.
--   private.refresh_enrollment_progress (the recount) -> also keeps enrollments.time_spent_seconds.
--   private.record_learning             -> unchanged contract; updates the learner's day in place
--                                          and inserts it only when missing (ON CONFLICT for races).
--
-- Decisions:
-- * enrollments.time_spent_seconds is the exact sum of the enrolment's lesson_progress seconds;
--   total_time_spent_minutes is its whole minutes, as the recount computed them. The recount stays
--   the definition: after any sequence of writes, running it changes nothing (the learning tests
--   check this after many heartbeats, and with heartbeats racing completions).
-- * Concurrency: the lesson row is locked by its writer, so the differences of one row are applied
--   in order; the enrolment UPDATE adds to the latest committed value (READ COMMITTED re-reads the
--   row after a wait). A recount locks the enrolment first and then reads the rows: a concurrent
--   heartbeat's row change is either committed before (counted by the recount) or still waiting for
--   the enrolment lock (added after it), never both.
-- * The last lesson is the row with the newest last_accessed_at (as the recount picks it; ties, two
--   lessons accessed in the same instant, now go to the greater lesson id in both); since the
--   enrolment's last_accessed_at is already the newest over its rows, a row newer than it is the new
--   last lesson.

ALTER TABLE public.enrollments
  ADD COLUMN time_spent_seconds integer NOT NULL DEFAULT 0 CHECK (time_spent_seconds >= 0);
COMMENT ON COLUMN public.enrollments.time_spent_seconds IS
  'Exact sum of the enrolment''s lesson_progress.time_spent_seconds; total_time_spent_minutes is its whole minutes (kept by triggers, 0034).';

UPDATE public.enrollments e
   SET time_spent_seconds = t.seconds
  FROM (SELECT lp.enrollment_id, sum(lp.time_spent_seconds)::int AS seconds
          FROM public.lesson_progress lp GROUP BY lp.enrollment_id) t
 WHERE e.id = t.enrollment_id AND t.seconds > 0;

-- As 0018, keeping the exact seconds too.
CREATE OR REPLACE FUNCTION private.refresh_enrollment_progress(p_enrollment_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  e public.enrollments%ROWTYPE;
  v_total int;
  v_done int;
  v_seconds int;
  v_last record;
  v_pct int;
BEGIN
  SELECT * INTO e FROM public.enrollments WHERE id = p_enrollment_id FOR NO KEY UPDATE;
  IF NOT FOUND THEN RETURN; END IF;

  SELECT c.lesson_count INTO v_total FROM public.courses c WHERE c.id = e.course_id;
  SELECT count(*) FILTER (WHERE lp.status = 'completed' AND l.deleted_at IS NULL AND s.deleted_at IS NULL)::int,
         coalesce(sum(lp.time_spent_seconds), 0)::int
    INTO v_done, v_seconds
    FROM public.lesson_progress lp
    JOIN public.course_lessons l ON l.id = lp.lesson_id
    JOIN public.course_sections s ON s.id = l.section_id
   WHERE lp.enrollment_id = e.id;
  SELECT lp.lesson_id, lp.last_accessed_at INTO v_last
    FROM public.lesson_progress lp
   WHERE lp.enrollment_id = e.id AND lp.last_accessed_at IS NOT NULL
   ORDER BY lp.last_accessed_at DESC, lp.lesson_id DESC LIMIT 1;

  v_done := least(v_done, coalesce(v_total, 0));
  v_pct := CASE WHEN coalesce(v_total, 0) = 0 THEN 0 ELSE floor(100.0 * v_done / v_total)::int END;

  UPDATE public.enrollments
     SET total_lessons = coalesce(v_total, 0),
         completed_lessons = v_done,
         progress_percentage = v_pct,
         time_spent_seconds = v_seconds,
         total_time_spent_minutes = v_seconds / 60,
         last_lesson_id = coalesce(v_last.lesson_id, e.last_lesson_id),
         last_accessed_at = greatest(e.last_accessed_at, v_last.last_accessed_at),
         is_completed = e.is_completed OR (v_pct = 100),
         completed_at = CASE WHEN e.is_completed THEN e.completed_at WHEN v_pct = 100 THEN now() END
   WHERE id = e.id
     AND (total_lessons, completed_lessons, progress_percentage, time_spent_seconds, total_time_spent_minutes,
          last_lesson_id, last_accessed_at, is_completed)
         IS DISTINCT FROM
         (coalesce(v_total, 0), v_done, v_pct, v_seconds, v_seconds / 60, coalesce(v_last.lesson_id, e.last_lesson_id),
          greatest(e.last_accessed_at, v_last.last_accessed_at), e.is_completed OR (v_pct = 100));
END $$;

-- As 0018 (same contract): the learner's day is updated in place when it exists (no speculative
-- insert, one audit trigger call instead of two), inserted otherwise.
CREATE OR REPLACE FUNCTION private.record_learning(
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
  UPDATE public.learning_analytics a
     SET seconds_learned = least(90000, a.seconds_learned + p_seconds),
         minutes_learned = least(1440, least(90000, a.seconds_learned + p_seconds) / 60),
         lessons_completed = a.lessons_completed + p_lessons,
         videos_watched = a.videos_watched + p_videos,
         resources_downloaded = a.resources_downloaded + p_downloads,
         login_count = a.login_count + p_logins
   WHERE a.user_id = p_user_id AND a.date = v_day
  RETURNING a.seconds_learned INTO v_seconds;
  IF NOT FOUND THEN
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
  END IF;
  -- The day just became a learning day (>= 1 minute): streaks change, once per day.
  IF p_seconds > 0 AND v_seconds >= 60 AND v_seconds - p_seconds < 60 THEN
    PERFORM private.refresh_streaks(p_user_id, v_day);
  END IF;
END $$;

-- Whether a lesson row accessed at p_at comes after the enrolment's last lesson in the recount's
-- order (last_accessed_at, then lesson id: two rows accessed in the same instant are told apart the
-- same way by the recount and by the increments). No SET search_path (it names no object, only
-- built-in comparisons): a plain IMMUTABLE SQL function is inlined into the UPDATE that calls it.
CREATE FUNCTION private.is_later_access(p_at timestamptz, p_lesson_id uuid, p_last_at timestamptz,
                                        p_last_lesson_id uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT p_at IS NOT NULL
     AND (p_last_at IS NULL OR p_at > p_last_at
          OR (p_at = p_last_at AND (p_last_lesson_id IS NULL OR p_lesson_id > p_last_lesson_id)))
$$;
REVOKE ALL ON FUNCTION private.is_later_access(timestamptz, uuid, timestamptz, uuid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION private.on_lesson_progress_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_seconds int;
  v_delta int;
  v_lessons int;
  v_videos int;
  v_recount boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM private.refresh_enrollment_progress(OLD.enrollment_id);
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    v_recount := NEW.status = 'completed';
  ELSE
    v_recount := (NEW.status = 'completed') <> (OLD.status = 'completed')
                 OR NEW.enrollment_id IS DISTINCT FROM OLD.enrollment_id;
  END IF;
  IF v_recount THEN
    -- Completion changed (or the row moved): recount the enrolment.
    PERFORM private.refresh_enrollment_progress(NEW.enrollment_id);
  ELSE
    -- No completion changed: add the row's time difference; this row is the last lesson when it is
    -- the most recently accessed one. Nothing is written when neither moved.
    v_delta := NEW.time_spent_seconds - CASE WHEN TG_OP = 'UPDATE' THEN OLD.time_spent_seconds ELSE 0 END;
    UPDATE public.enrollments e
       SET time_spent_seconds = e.time_spent_seconds + v_delta,
           total_time_spent_minutes = (e.time_spent_seconds + v_delta) / 60,
           last_lesson_id = CASE WHEN private.is_later_access(NEW.last_accessed_at, NEW.lesson_id,
                                                              e.last_accessed_at, e.last_lesson_id)
                                 THEN NEW.lesson_id ELSE e.last_lesson_id END,
           last_accessed_at = greatest(e.last_accessed_at, NEW.last_accessed_at)
     WHERE e.id = NEW.enrollment_id
       AND (v_delta <> 0
            OR private.is_later_access(NEW.last_accessed_at, NEW.lesson_id, e.last_accessed_at, e.last_lesson_id));
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

---------------------------------------------------------------------------------------------------
-- The heartbeat write, with its plan kept
---------------------------------------------------------------------------------------------------
-- The lessons of p_lesson_ids the caller may write progress on now: the lesson and its section not
-- deleted, and the caller may study the course (private.can_study_course: published or archived,
-- not deleted, enrolled with access). That implies what RLS on course_lessons and course_sections
-- would show the caller (can_study_course implies can_read_course), so reading them as the owner
-- answers the same as the RLS read it replaces — by two primary-key lookups instead of evaluating
-- the outline's policies over every lesson of the course (the generic plan of the RLS join did).
CREATE FUNCTION private.writable_lessons(p_lesson_ids uuid[]) RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT cl.id
    FROM public.course_lessons cl
    JOIN public.course_sections cs ON cs.id = cl.section_id
   WHERE cl.id = ANY (p_lesson_ids) AND cl.deleted_at IS NULL AND cs.deleted_at IS NULL
     AND private.can_study_course(cl.course_id)
$$;
REVOKE ALL ON FUNCTION private.writable_lessons(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.writable_lessons(uuid[]) TO authenticated;

-- One learner's queued heartbeats (learning.heartbeats.ts, learning.queries.ts heartbeatWrite):
-- p_lesson_ids … p_accessed_at describe one merged write per lesson (position and client time of
-- the newest report, the furthest point watched, server time of the newest report); p_chain_* the
-- reports that were newer than every report queued before them (strictly increasing client times
-- per lesson). The rows end as if each report had been applied in order: the active seconds of the
-- chain's reports newer than the row's last report are added, and the trigger of 0018 ignores the
-- position when the row already holds a newer report.
--
-- SECURITY INVOKER on purpose: it runs as the learner, under RLS and every lesson_progress trigger,
-- exactly as the statement the server sent before (a learner can do nothing through it that a
-- direct write could not). It exists so the statement's plan is cached per connection (PL/pgSQL)
-- instead of being parsed, rewritten under RLS and planned for every learner of every flush
-- (~0.3–0.5 ms each). Lessons the learner may no longer write (deleted, course unpublished, access
-- ended) are skipped quietly, so one learner's lost access does not fail a whole flush. Existing
-- rows are updated in place; only missing ones go through INSERT … ON CONFLICT (an upsert of an
-- existing row fires every BEFORE trigger twice and checks the insert policy too).
-- Returns the number of rows written.
CREATE FUNCTION private.write_heartbeats(
  p_lesson_ids uuid[], p_positions integer[], p_watched integer[], p_client_times timestamptz[],
  p_accessed_at timestamptz[], p_chain_lesson_ids uuid[], p_chain_client_times timestamptz[],
  p_chain_active_seconds integer[]
) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_written integer;
BEGIN
  WITH chain (lesson_id, client_time, active_seconds) AS (
    SELECT * FROM unnest(p_chain_lesson_ids, p_chain_client_times, p_chain_active_seconds)
  ), target (lesson_id, position_seconds, watched_seconds, client_time, accessed_at) AS (
    SELECT l.* FROM unnest(p_lesson_ids, p_positions, p_watched, p_client_times, p_accessed_at)
                    AS l (lesson_id, position_seconds, watched_seconds, client_time, accessed_at)
     WHERE l.lesson_id IN (SELECT private.writable_lessons(p_lesson_ids))
     ORDER BY l.lesson_id -- rows are locked in lesson order, in every flush (no lock-order deadlocks)
  ), updated AS (
    UPDATE public.lesson_progress AS lp SET
       status = 'in_progress',
       video_position_seconds = t.position_seconds,
       video_watched_seconds = t.watched_seconds,
       time_spent_seconds = lp.time_spent_seconds + (
         SELECT coalesce(sum(c.active_seconds), 0)::int FROM chain c
          WHERE c.lesson_id = t.lesson_id
            AND c.client_time > coalesce(lp.client_reported_at, '-infinity'::timestamptz)),
       last_accessed_at = t.accessed_at,
       client_reported_at = t.client_time
      FROM target t
     WHERE lp.user_id = (SELECT auth.uid()) AND lp.lesson_id = t.lesson_id
    RETURNING lp.lesson_id
  ), inserted AS (
    INSERT INTO public.lesson_progress AS lp
           (lesson_id, status, video_position_seconds, video_watched_seconds, time_spent_seconds,
            last_accessed_at, client_reported_at)
    SELECT t.lesson_id, 'in_progress', t.position_seconds, t.watched_seconds,
           (SELECT coalesce(sum(c.active_seconds), 0)::int FROM chain c WHERE c.lesson_id = t.lesson_id),
           t.accessed_at, t.client_time
      FROM target t
     WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.lesson_id = t.lesson_id)
     ORDER BY t.lesson_id
    -- Inserted meanwhile by another transaction (after this statement's snapshot): an update.
    ON CONFLICT (user_id, lesson_id) DO UPDATE SET
       status = excluded.status,
       video_position_seconds = excluded.video_position_seconds,
       video_watched_seconds = excluded.video_watched_seconds,
       time_spent_seconds = lp.time_spent_seconds + (
         SELECT coalesce(sum(c.active_seconds), 0)::int FROM chain c
          WHERE c.lesson_id = excluded.lesson_id
            AND c.client_time > coalesce(lp.client_reported_at, '-infinity'::timestamptz)),
       last_accessed_at = excluded.last_accessed_at,
       client_reported_at = excluded.client_reported_at
    RETURNING lp.lesson_id
  )
  SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted) INTO v_written;
  RETURN v_written;
END $$;
REVOKE ALL ON FUNCTION private.write_heartbeats(uuid[], integer[], integer[], timestamptz[], timestamptz[],
                                                uuid[], timestamptz[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.write_heartbeats(uuid[], integer[], integer[], timestamptz[], timestamptz[],
                                                   uuid[], timestamptz[], integer[]) TO authenticated;
