-- Denormalised counters, kept true by triggers inside the writing transaction (architecture §3),
-- never by application code. Every function runs as the owner (SECURITY DEFINER) because the
-- writer (a learner) may not read or write the rows it affects; each locks the parent row first,
-- then recounts in a fresh statement so concurrent writers serialise and see each other's rows
-- (READ COMMITTED gives each statement a new snapshot). The lock is FOR NO KEY UPDATE: the child
-- insert's foreign-key check already holds FOR KEY SHARE on the parent, which FOR UPDATE would
-- conflict with (two concurrent enrolments deadlocked that way).
--
-- Triggers in this file:
--   course_lessons  AFTER I/U/D  -> section and course lesson_count/total_duration_minutes, enrolments' totals
--   course_sections AFTER U/D    -> the same, when a section is (soft-)deleted or restored
--   enrollments     BEFORE I     -> total_lessons from the course
--   enrollments     AFTER I/U/D  -> course enrollment_count/completion_rate, profile courses_completed
--   lesson_progress BEFORE I/U   -> course_id/enrollment_id derived; completion never moves backwards
--   lesson_progress AFTER I/U/D  -> enrolment progress, time spent, last lesson; profile learning minutes
--   course_reviews  AFTER I/U/D  -> course average_rating/total_reviews
--   quiz_questions  AFTER I/U/D  -> quiz total_points/question_count
--   ai_messages     AFTER I      -> conversation message_count/last_message_at

-- Outline: lesson counts and durations of every section of a course and of the course itself.
-- Lessons that are soft-deleted, or in a soft-deleted section, do not count.
CREATE FUNCTION private.refresh_course_outline(p_course_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM 1 FROM public.courses WHERE id = p_course_id FOR NO KEY UPDATE;
  UPDATE public.course_sections s
     SET lesson_count = agg.lessons, total_duration_minutes = agg.minutes
    FROM (
      SELECT s2.id,
             count(l.id) FILTER (WHERE l.deleted_at IS NULL)::int AS lessons,
             ceil(coalesce(sum(l.video_duration_seconds) FILTER (WHERE l.deleted_at IS NULL), 0) / 60.0)::int AS minutes
        FROM public.course_sections s2
        LEFT JOIN public.course_lessons l ON l.section_id = s2.id
       WHERE s2.course_id = p_course_id
       GROUP BY s2.id
    ) agg
   WHERE s.id = agg.id AND (s.lesson_count, s.total_duration_minutes) IS DISTINCT FROM (agg.lessons, agg.minutes);

  UPDATE public.courses c
     SET lesson_count = agg.lessons, total_duration_minutes = agg.minutes
    FROM (
      SELECT count(l.id)::int AS lessons,
             ceil(coalesce(sum(l.video_duration_seconds), 0) / 60.0)::int AS minutes
        FROM public.course_lessons l
        JOIN public.course_sections s ON s.id = l.section_id
       WHERE l.course_id = p_course_id AND l.deleted_at IS NULL AND s.deleted_at IS NULL
    ) agg
   WHERE c.id = p_course_id AND (c.lesson_count, c.total_duration_minutes) IS DISTINCT FROM (agg.lessons, agg.minutes);

  PERFORM private.refresh_course_enrollments(p_course_id);
END $$;

-- Recomputes progress for every enrolment of a course (after its lesson set changed).
CREATE FUNCTION private.refresh_course_enrollments(p_course_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  e record;
BEGIN
  FOR e IN SELECT id FROM public.enrollments WHERE course_id = p_course_id ORDER BY id LOOP
    PERFORM private.refresh_enrollment_progress(e.id);
  END LOOP;
END $$;

-- One enrolment's progress from its lesson_progress rows. Completion is sticky: once complete
-- (certificate earned), adding lessons later lowers the percentage but does not un-complete it.
CREATE FUNCTION private.refresh_enrollment_progress(p_enrollment_id uuid) RETURNS void
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
         coalesce(sum(lp.time_spent_minutes), 0)::int
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

CREATE FUNCTION private.on_lesson_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM private.refresh_course_outline(OLD.course_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.course_id <> OLD.course_id) THEN
    PERFORM private.refresh_course_outline(NEW.course_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER course_lessons_counters AFTER INSERT OR DELETE OR UPDATE OF section_id, course_id, video_duration_seconds, deleted_at
  ON course_lessons FOR EACH ROW EXECUTE FUNCTION private.on_lesson_change();

CREATE FUNCTION private.on_section_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM private.refresh_course_outline(OLD.course_id);
  RETURN NULL;
END $$;
CREATE TRIGGER course_sections_counters AFTER DELETE OR UPDATE OF deleted_at ON course_sections
  FOR EACH ROW EXECUTE FUNCTION private.on_section_change();

-- Course enrolment count and completion rate; the learner's completed-course count.
CREATE FUNCTION private.refresh_course_enrollment_stats(p_course_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM 1 FROM public.courses WHERE id = p_course_id FOR NO KEY UPDATE;
  UPDATE public.courses c
     SET enrollment_count = agg.total,
         completion_rate = CASE WHEN agg.total = 0 THEN 0 ELSE round(100.0 * agg.completed / agg.total, 2) END
    FROM (SELECT count(*)::int AS total, count(*) FILTER (WHERE is_completed)::int AS completed
            FROM public.enrollments WHERE course_id = p_course_id) agg
   WHERE c.id = p_course_id;
END $$;

CREATE FUNCTION private.refresh_profile_completions(p_user_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM 1 FROM public.profiles WHERE id = p_user_id FOR NO KEY UPDATE;
  UPDATE public.profiles p
     SET courses_completed = (SELECT count(*) FROM public.enrollments e WHERE e.user_id = p_user_id AND e.is_completed)
   WHERE p.id = p_user_id;
END $$;

CREATE FUNCTION private.set_enrollment_totals() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  SELECT c.lesson_count INTO NEW.total_lessons FROM public.courses c WHERE c.id = NEW.course_id;
  NEW.total_lessons := coalesce(NEW.total_lessons, 0);
  RETURN NEW;
END $$;
CREATE TRIGGER enrollments_set_totals BEFORE INSERT ON enrollments
  FOR EACH ROW EXECUTE FUNCTION private.set_enrollment_totals();

CREATE FUNCTION private.on_enrollment_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.is_completed IS NOT DISTINCT FROM OLD.is_completed THEN
    RETURN NULL;
  END IF;
  PERFORM private.refresh_course_enrollment_stats(coalesce(NEW.course_id, OLD.course_id));
  IF TG_OP <> 'INSERT' OR NEW.is_completed THEN
    PERFORM private.refresh_profile_completions(coalesce(NEW.user_id, OLD.user_id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER enrollments_counters AFTER INSERT OR DELETE OR UPDATE OF is_completed ON enrollments
  FOR EACH ROW EXECUTE FUNCTION private.on_enrollment_change();

-- lesson_progress: derive what the client must not choose, and never move backwards.
-- Learners report their own time. One write may add at most the wall-clock minutes since the
-- previous write (the enrolment, for a first write) plus one, and never more than a day: nobody
-- adds a month of "learning" in one request.
CREATE FUNCTION private.max_reported_minutes(p_since timestamptz) RETURNS integer
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT least(1440, 1 + greatest(0, ceil(extract(epoch FROM now() - p_since) / 60)))::int
$$;

-- SECURITY INVOKER on purpose: the caller reads its own lesson outline and enrolment under RLS,
-- and private.is_request_role() must see the caller's role to cap self-reported time.
CREATE FUNCTION private.prepare_lesson_progress() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.user_id <> OLD.user_id OR NEW.lesson_id <> OLD.lesson_id) THEN
    RAISE EXCEPTION 'a progress row cannot move to another learner or lesson' USING ERRCODE = '42501';
  END IF;
  SELECT l.course_id INTO NEW.course_id FROM public.course_lessons l WHERE l.id = NEW.lesson_id;
  SELECT e.id INTO NEW.enrollment_id FROM public.enrollments e
   WHERE e.user_id = NEW.user_id AND e.course_id = NEW.course_id;
  IF NEW.enrollment_id IS NULL THEN
    RAISE EXCEPTION 'not enrolled in the course of this lesson' USING ERRCODE = '42501';
  END IF;

  IF TG_OP = 'UPDATE' THEN
    -- Completion, a watched video and time spent never move backwards.
    IF OLD.status = 'completed' OR (OLD.status = 'in_progress' AND NEW.status = 'not_started') THEN
      NEW.status := OLD.status;
    END IF;
    NEW.video_completed := OLD.video_completed OR NEW.video_completed;
    NEW.time_spent_minutes := greatest(OLD.time_spent_minutes, NEW.time_spent_minutes);
    IF private.is_request_role() THEN
      NEW.time_spent_minutes := least(NEW.time_spent_minutes,
                                      OLD.time_spent_minutes + private.max_reported_minutes(OLD.updated_at));
    END IF;
    NEW.started_at := OLD.started_at;
    NEW.completed_at := OLD.completed_at;
    NEW.last_accessed_at := greatest(OLD.last_accessed_at, NEW.last_accessed_at);
  ELSE
    NEW.started_at := NULL;
    NEW.completed_at := NULL;
    IF private.is_request_role() THEN
      NEW.time_spent_minutes := least(NEW.time_spent_minutes, private.max_reported_minutes(
        (SELECT e.enrolled_at FROM public.enrollments e WHERE e.id = NEW.enrollment_id)));
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
CREATE TRIGGER lesson_progress_prepare BEFORE INSERT OR UPDATE ON lesson_progress
  FOR EACH ROW EXECUTE FUNCTION private.prepare_lesson_progress();

CREATE FUNCTION private.on_lesson_progress_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_delta int;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM private.refresh_enrollment_progress(OLD.enrollment_id);
    RETURN NULL;
  END IF;
  PERFORM private.refresh_enrollment_progress(NEW.enrollment_id);
  -- Learning time is added, never taken back: deleting a lesson does not unlearn the minutes.
  v_delta := NEW.time_spent_minutes - CASE WHEN TG_OP = 'UPDATE' THEN OLD.time_spent_minutes ELSE 0 END;
  IF v_delta > 0 THEN
    UPDATE public.profiles SET total_learning_minutes = total_learning_minutes + v_delta WHERE id = NEW.user_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER lesson_progress_counters AFTER INSERT OR DELETE OR UPDATE OF status, time_spent_minutes, last_accessed_at
  ON lesson_progress FOR EACH ROW EXECUTE FUNCTION private.on_lesson_progress_change();

-- Ratings from reviews.
CREATE FUNCTION private.refresh_course_rating(p_course_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM 1 FROM public.courses WHERE id = p_course_id FOR NO KEY UPDATE;
  UPDATE public.courses c
     SET total_reviews = agg.n, average_rating = agg.avg
    FROM (SELECT count(*)::int AS n, coalesce(round(avg(rating), 2), 0) AS avg
            FROM public.course_reviews WHERE course_id = p_course_id) agg
   WHERE c.id = p_course_id;
END $$;

CREATE FUNCTION private.on_review_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM private.refresh_course_rating(OLD.course_id); END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.course_id <> OLD.course_id) THEN
    PERFORM private.refresh_course_rating(NEW.course_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER course_reviews_counters AFTER INSERT OR DELETE OR UPDATE OF rating, course_id ON course_reviews
  FOR EACH ROW EXECUTE FUNCTION private.on_review_change();

-- Quiz totals from its questions.
CREATE FUNCTION private.refresh_quiz_totals(p_quiz_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM 1 FROM public.quizzes WHERE id = p_quiz_id FOR NO KEY UPDATE;
  UPDATE public.quizzes q
     SET question_count = agg.n, total_points = agg.points
    FROM (SELECT count(*)::int AS n, coalesce(sum(points), 0)::int AS points
            FROM public.quiz_questions WHERE quiz_id = p_quiz_id AND deleted_at IS NULL) agg
   WHERE q.id = p_quiz_id;
END $$;

CREATE FUNCTION private.on_question_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM private.refresh_quiz_totals(OLD.quiz_id); END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.quiz_id <> OLD.quiz_id) THEN
    PERFORM private.refresh_quiz_totals(NEW.quiz_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER quiz_questions_counters AFTER INSERT OR DELETE OR UPDATE OF points, quiz_id, deleted_at ON quiz_questions
  FOR EACH ROW EXECUTE FUNCTION private.on_question_change();

-- Conversation counters from messages (messages are append-only).
CREATE FUNCTION private.on_ai_message_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.ai_conversations
     SET message_count = message_count + 1, last_message_at = greatest(last_message_at, NEW.created_at)
   WHERE id = NEW.conversation_id;
  RETURN NULL;
END $$;
CREATE TRIGGER ai_messages_counters AFTER INSERT ON ai_messages
  FOR EACH ROW EXECUTE FUNCTION private.on_ai_message_insert();

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA private FROM PUBLIC;
