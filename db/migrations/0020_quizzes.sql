-- Quizzes (issue 6): a server-authoritative attempt engine. The answer key and the clock live in
-- the database; learners reach questions only through the functions below, which never return a
-- key before quizzes.show_correct_answers allows it.
--
-- Objects added here:
--   quiz_questions: allow_multiple, accepted_answers, case_sensitive, numeric_tolerance (+ CHECKs)
--   quiz_attempts:  seed, question_order, option_order, deadline_at, is_preview, submit_reason,
--                   points_possible, pending_count (+ one in-progress attempt per learner and quiz)
--   private.quiz_attempt_answers  one row per (attempt, question): the saved answer, its client
--                                 sequence number and, once graded, the result. No request role
--                                 may read it (it holds per-question correctness).
--   private.quiz_extra_grants     extra attempts / extra minutes an owner granted to a learner
--   private.quiz_settings         the network grace after a deadline (QUIZ_GRACE_SECONDS; the
--                                 app writes it at boot as a system path)
--   Functions (SECURITY DEFINER, search_path ''), callable by `authenticated`:
--     learner:    quiz_overview, quiz_start, quiz_attempt, quiz_save_answer, quiz_submit
--     owner/admin: quiz_attempts_report, quiz_item_analysis, quiz_grant_extra
--   and internal ones: quiz_grade_answer (pure grading), quiz_finish (grade an attempt once),
--   quiz_after_grade (lesson completion, enrollments.average_quiz_score), quiz_sweep (system).
--   No trigger is added: totals stay with 0009's quiz_questions_counters.
--
-- Decisions:
-- * Functions answer domain refusals as {"error": code} instead of raising, so writes made before
--   the refusal (an overdue attempt submitted "as it stands") are kept; the service maps codes to
--   HTTP errors (contracts/quizzes.ts).
-- * Grading rules (documented for authors in contracts/quizzes.ts):
--   - single choice / true-false: full points for exactly the correct option, else 0;
--   - multiple choice with several answers: proportional, wrong choices penalised:
--     points * max(0, (right chosen - wrong chosen) / number of right options); all right and
--     nothing wrong = 'correct', above 0 = 'partial';
--   - short answer: NFKC, trimmed, inner whitespace collapsed, case-insensitive unless
--     case_sensitive; with numeric_tolerance, a numeric answer matches a numeric accepted answer
--     within the tolerance;
--   - code: stored and marked 'pending' (0 points) until the judge (issue 7) grades it; an attempt
--     with pending answers stays 'submitted' (not 'graded') and is not passed.
--   - an empty answer (no choice, blank text, blank code) is 'unanswered', 0 points.
-- * Results shown to the learner: 'never' → score, percentage, passed only; 'after_submission' →
--   per-question results, correct answers, explanations and tests once submitted; 'immediately' →
--   the same for each question as soon as its answer is saved, and a saved answer is then final.
-- * A graded attempt of a graded or final quiz that passed completes the quiz's lesson; a practice
--   quiz completes its lesson when submitted. enrollments.average_quiz_score is the mean over the
--   course's graded and final quizzes of the learner's best graded percentage.
-- * quiz_attempts.answers (seed column, learners can read it) is not written by the engine, and no
--   request role may read it any more: it was the one place per-question correctness could leak.

---------------------------------------------------------------------------------------------------
-- Columns
---------------------------------------------------------------------------------------------------
ALTER TABLE public.quiz_questions
  ADD COLUMN allow_multiple boolean NOT NULL DEFAULT false,
  ADD COLUMN accepted_answers jsonb CHECK (accepted_answers IS NULL OR jsonb_typeof(accepted_answers) = 'array'),
  ADD COLUMN case_sensitive boolean NOT NULL DEFAULT false,
  ADD COLUMN numeric_tolerance numeric(12,6) CHECK (numeric_tolerance >= 0),
  -- Completeness of a key (options, one correct option, accepted answers) is checked by the API
  -- (contracts/quizzes.ts); rows written directly may be incomplete and then grade as incorrect.
  ADD CONSTRAINT quiz_questions_single_for_true_false
    CHECK (question_type <> 'true_false' OR NOT allow_multiple);

GRANT INSERT (allow_multiple, accepted_answers, case_sensitive, numeric_tolerance) ON quiz_questions TO authenticated;
GRANT UPDATE (allow_multiple, accepted_answers, case_sensitive, numeric_tolerance) ON quiz_questions TO authenticated;

ALTER TABLE public.quiz_attempts
  ADD COLUMN seed text NOT NULL DEFAULT md5(gen_random_uuid()::text),
  ADD COLUMN question_order uuid[] NOT NULL DEFAULT '{}',
  ADD COLUMN option_order jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(option_order) = 'array'),
  ADD COLUMN deadline_at timestamptz,
  ADD COLUMN is_preview boolean NOT NULL DEFAULT false,
  ADD COLUMN submit_reason text CHECK (submit_reason IN ('learner', 'deadline')),
  ADD COLUMN points_possible integer CHECK (points_possible >= 0),
  ADD COLUMN pending_count integer NOT NULL DEFAULT 0 CHECK (pending_count >= 0),
  ADD CONSTRAINT quiz_attempts_deadline_after_start CHECK (deadline_at IS NULL OR deadline_at > started_at),
  ADD CONSTRAINT quiz_attempts_submitted_when_closed CHECK ((status = 'in_progress') = (submitted_at IS NULL));

-- At most one attempt in progress per learner and quiz (the start path resumes it).
CREATE UNIQUE INDEX idx_attempts_one_in_progress ON quiz_attempts (user_id, quiz_id) WHERE status = 'in_progress';
-- One live quiz per lesson (a quiz lesson shows its quiz).
CREATE UNIQUE INDEX idx_quizzes_one_per_lesson ON quizzes (lesson_id) WHERE lesson_id IS NOT NULL AND deleted_at IS NULL;
-- The deadline sweep.
CREATE INDEX idx_attempts_deadline ON quiz_attempts (deadline_at) WHERE status = 'in_progress';

-- Learners read their attempts (scores) but not the seed column `answers`.
REVOKE SELECT ON quiz_attempts FROM authenticated;
GRANT SELECT (id, user_id, quiz_id, enrollment_id, attempt_number, started_at, submitted_at, time_spent_minutes,
              score, percentage, passed, status, created_at, updated_at, created_by, updated_by, seed,
              question_order, option_order, deadline_at, is_preview, submit_reason, points_possible, pending_count)
  ON quiz_attempts TO authenticated;

CREATE TABLE private.quiz_attempt_answers (
  attempt_id uuid NOT NULL REFERENCES public.quiz_attempts(id) ON DELETE CASCADE,
  question_id uuid NOT NULL REFERENCES public.quiz_questions(id) ON DELETE CASCADE,
  answer jsonb CHECK (answer IS NULL OR jsonb_typeof(answer) = 'object'),
  client_seq bigint NOT NULL DEFAULT 0 CHECK (client_seq >= 0),
  saved_at timestamptz,
  result text CHECK (result IN ('correct', 'partial', 'incorrect', 'unanswered', 'pending')),
  points_earned numeric(7,2) CHECK (points_earned >= 0),
  PRIMARY KEY (attempt_id, question_id)
);
CREATE INDEX idx_quiz_attempt_answers_question ON private.quiz_attempt_answers (question_id);

CREATE TABLE private.quiz_extra_grants (
  quiz_id uuid NOT NULL REFERENCES public.quizzes(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES public.profiles(id) ON DELETE CASCADE,
  extra_attempts integer NOT NULL DEFAULT 0 CHECK (extra_attempts BETWEEN 0 AND 100),
  extra_minutes integer NOT NULL DEFAULT 0 CHECK (extra_minutes BETWEEN 0 AND 10000),
  granted_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (quiz_id, user_id)
);

CREATE TABLE private.quiz_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  grace_seconds integer NOT NULL DEFAULT 10 CHECK (grace_seconds BETWEEN 0 AND 300)
);
INSERT INTO private.quiz_settings DEFAULT VALUES;

---------------------------------------------------------------------------------------------------
-- Grading (pure)
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.quiz_normalize(p_text text, p_case_sensitive boolean) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
  v text := regexp_replace(btrim(normalize(coalesce(p_text, ''), NFKC)), '\s+', ' ', 'g');
BEGIN
  RETURN CASE WHEN p_case_sensitive THEN v ELSE lower(v) END;
END $$;

CREATE FUNCTION private.quiz_as_number(p_text text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
  v text := replace(p_text, ' ', '');
BEGIN
  IF v ~ '^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]{1,3})?$' THEN
    RETURN replace(v, ',', '.')::numeric;
  END IF;
  RETURN NULL;
END $$;

-- One answer against one question's key: (result, points_earned). See the rules at the top.
CREATE FUNCTION private.quiz_grade_answer(
  p_type text, p_allow_multiple boolean, p_options jsonb, p_accepted jsonb, p_case_sensitive boolean,
  p_tolerance numeric, p_points integer, p_answer jsonb,
  OUT result text, OUT points_earned numeric)
LANGUAGE plpgsql IMMUTABLE SET search_path = '' AS $$
DECLARE
  v_chosen text[];
  v_right text[];
  v_right_n integer;
  v_hit integer;
  v_miss integer;
  v_credit numeric;
  v_text text;
  v_norm text;
  v_num numeric;
  v_acc text;
BEGIN
  points_earned := 0;
  IF p_type IN ('multiple_choice', 'true_false') THEN
    SELECT coalesce(array_agg(DISTINCT c), '{}') INTO v_chosen
      FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(p_answer -> 'choices') = 'array'
                                          THEN p_answer -> 'choices' ELSE '[]' END) c;
    IF cardinality(v_chosen) = 0 THEN result := 'unanswered'; RETURN; END IF;
    SELECT coalesce(array_agg(o ->> 'id'), '{}') INTO v_right
      FROM jsonb_array_elements(coalesce(p_options, '[]')) o WHERE (o ->> 'is_correct')::boolean;
    v_right_n := cardinality(v_right);
    v_hit := (SELECT count(*) FROM unnest(v_chosen) c WHERE c = ANY (v_right));
    v_miss := cardinality(v_chosen) - v_hit;
    IF v_right_n = 0 THEN result := 'incorrect'; RETURN; END IF;
    IF NOT p_allow_multiple OR p_type = 'true_false' THEN
      IF v_hit = 1 AND v_miss = 0 THEN result := 'correct'; points_earned := p_points;
      ELSE result := 'incorrect'; END IF;
      RETURN;
    END IF;
    v_credit := greatest(0, (v_hit - v_miss)::numeric / v_right_n);
    points_earned := round(p_points * v_credit, 2);
    result := CASE WHEN v_hit = v_right_n AND v_miss = 0 THEN 'correct'
                   WHEN v_credit > 0 THEN 'partial' ELSE 'incorrect' END;
    RETURN;
  ELSIF p_type = 'short_answer' THEN
    v_text := CASE WHEN jsonb_typeof(p_answer -> 'text') = 'string' THEN p_answer ->> 'text' END;
    v_norm := private.quiz_normalize(v_text, p_case_sensitive);
    IF v_norm = '' THEN result := 'unanswered'; RETURN; END IF;
    v_num := CASE WHEN p_tolerance IS NOT NULL THEN private.quiz_as_number(v_norm) END;
    FOR v_acc IN SELECT jsonb_array_elements_text(coalesce(p_accepted, '[]')) LOOP
      IF private.quiz_normalize(v_acc, p_case_sensitive) = v_norm
         OR (v_num IS NOT NULL AND private.quiz_as_number(private.quiz_normalize(v_acc, true)) IS NOT NULL
             AND abs(private.quiz_as_number(private.quiz_normalize(v_acc, true)) - v_num) <= p_tolerance) THEN
        result := 'correct'; points_earned := p_points; RETURN;
      END IF;
    END LOOP;
    result := 'incorrect';
    RETURN;
  ELSIF p_type = 'code' THEN
    IF coalesce(jsonb_typeof(p_answer -> 'code'), '') <> 'string' OR btrim(p_answer ->> 'code') = '' THEN
      result := 'unanswered'; RETURN;
    END IF;
    result := 'pending'; -- graded by the judge (issue 7), never counted as correct here
    RETURN;
  END IF;
  result := 'incorrect';
END $$;

---------------------------------------------------------------------------------------------------
-- Internal helpers
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.quiz_grace() RETURNS interval
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
BEGIN
  RETURN make_interval(secs => coalesce((SELECT s.grace_seconds FROM private.quiz_settings s), 10));
END $$;

-- Lesson completion and the enrolment's average after an attempt closed (not for previews).
CREATE FUNCTION private.quiz_after_grade(p_attempt_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  a public.quiz_attempts%ROWTYPE;
  q public.quizzes%ROWTYPE;
BEGIN
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id;
  SELECT * INTO q FROM public.quizzes WHERE id = a.quiz_id;
  IF a.is_preview OR a.status = 'in_progress' THEN RETURN; END IF;
  IF NOT EXISTS (SELECT 1 FROM public.enrollments e WHERE e.user_id = a.user_id AND e.course_id = q.course_id) THEN
    RETURN;
  END IF;
  IF q.lesson_id IS NOT NULL AND (
       (q.quiz_type = 'practice')
       OR (a.status = 'graded' AND a.passed AND q.quiz_type IN ('graded', 'final_exam'))) THEN
    INSERT INTO public.lesson_progress (user_id, lesson_id, status, last_accessed_at)
    VALUES (a.user_id, q.lesson_id, 'completed', now())
    ON CONFLICT (user_id, lesson_id) DO UPDATE SET status = 'completed', last_accessed_at = now();
  END IF;
  UPDATE public.enrollments e
     SET average_quiz_score = (
       SELECT round(avg(best.p), 2) FROM (
         SELECT max(x.percentage) AS p
           FROM public.quiz_attempts x JOIN public.quizzes qz ON qz.id = x.quiz_id
          WHERE x.user_id = a.user_id AND qz.course_id = q.course_id AND x.status = 'graded'
            AND NOT x.is_preview AND qz.deleted_at IS NULL AND qz.quiz_type IN ('graded', 'final_exam')
          GROUP BY x.quiz_id) best)
   WHERE e.user_id = a.user_id AND e.course_id = q.course_id;
END $$;

-- Grades an attempt in progress exactly once (row lock + status check): every question of its
-- order gets a result row; score, percentage, passed and status follow. p_at is when it closed.
CREATE FUNCTION private.quiz_finish(p_attempt_id uuid, p_reason text, p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  a public.quiz_attempts%ROWTYPE;
  q public.quizzes%ROWTYPE;
  qq public.quiz_questions%ROWTYPE;
  g record;
  v_answer jsonb;
  v_score numeric := 0;
  v_possible integer := 0;
  v_pending integer := 0;
  v_pct numeric;
BEGIN
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id FOR UPDATE;
  IF NOT FOUND OR a.status <> 'in_progress' THEN RETURN false; END IF;
  SELECT * INTO q FROM public.quizzes WHERE id = a.quiz_id;
  FOR qq IN
    SELECT x.* FROM unnest(a.question_order) WITH ORDINALITY AS o(id, n)
      JOIN public.quiz_questions x ON x.id = o.id AND x.deleted_at IS NULL ORDER BY o.n
  LOOP
    SELECT ans.answer INTO v_answer FROM private.quiz_attempt_answers ans
     WHERE ans.attempt_id = a.id AND ans.question_id = qq.id;
    SELECT * INTO g FROM private.quiz_grade_answer(qq.question_type, qq.allow_multiple, qq.options, qq.accepted_answers,
                                   qq.case_sensitive, qq.numeric_tolerance, qq.points, coalesce(v_answer, '{}'));
    INSERT INTO private.quiz_attempt_answers AS t (attempt_id, question_id, answer, result, points_earned)
    VALUES (a.id, qq.id, v_answer, g.result, g.points_earned)
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET result = excluded.result, points_earned = excluded.points_earned;
    v_score := v_score + g.points_earned;
    v_possible := v_possible + qq.points;
    IF g.result = 'pending' THEN v_pending := v_pending + 1; END IF;
  END LOOP;
  v_pct := CASE WHEN v_possible > 0 THEN round(100 * v_score / v_possible, 2) ELSE 100 END;
  UPDATE public.quiz_attempts
     SET status = CASE WHEN v_pending > 0 THEN 'submitted' ELSE 'graded' END,
         submitted_at = greatest(p_at, started_at),
         submit_reason = p_reason,
         time_spent_minutes = ceil(extract(epoch FROM greatest(p_at, started_at) - started_at) / 60)::int,
         score = v_score,
         points_possible = v_possible,
         percentage = CASE WHEN v_pending > 0 THEN NULL ELSE v_pct END,
         passed = v_pending = 0 AND v_pct >= q.passing_score,
         pending_count = v_pending
   WHERE id = a.id;
  PERFORM private.quiz_after_grade(a.id);
  RETURN true;
END $$;

-- Closes the attempt "as it stands" when its deadline and the grace have passed.
CREATE FUNCTION private.quiz_close_if_overdue(p_attempt_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_deadline timestamptz;
BEGIN
  SELECT a.deadline_at INTO v_deadline FROM public.quiz_attempts a
   WHERE a.id = p_attempt_id AND a.status = 'in_progress';
  IF v_deadline IS NOT NULL AND v_deadline + private.quiz_grace() < now() THEN
    RETURN private.quiz_finish(p_attempt_id, 'deadline', v_deadline);
  END IF;
  RETURN false;
END $$;

-- The background sweep (system path; safe with several instances: each attempt is locked and
-- graded once, SKIP LOCKED leaves one being graded elsewhere). Returns how many it closed.
CREATE FUNCTION private.quiz_sweep() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN
    SELECT a.id, a.deadline_at FROM public.quiz_attempts a
     WHERE a.status = 'in_progress' AND a.deadline_at + private.quiz_grace() < now()
     ORDER BY a.deadline_at LIMIT 500 FOR UPDATE SKIP LOCKED
  LOOP
    IF private.quiz_finish(r.id, 'deadline', r.deadline_at) THEN n := n + 1; END IF;
  END LOOP;
  RETURN n;
END $$;

-- May the caller take (enrolled) or preview (owner/admin) this quiz? NULL when neither.
CREATE FUNCTION private.quiz_access(p_quiz_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_course uuid;
BEGIN
  SELECT q.course_id INTO v_course FROM public.quizzes q WHERE q.id = p_quiz_id AND q.deleted_at IS NULL;
  IF v_course IS NULL OR auth.uid() IS NULL THEN RETURN NULL; END IF;
  IF private.can_study_course(v_course) THEN RETURN 'learner'; END IF;
  IF private.can_manage_course(v_course) THEN RETURN 'preview'; END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION private.quiz_attempt_limit(p_quiz_id uuid, p_user_id uuid) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_max integer;
BEGIN
  SELECT q.max_attempts INTO v_max FROM public.quizzes q WHERE q.id = p_quiz_id;
  IF v_max IS NULL THEN RETURN NULL; END IF;
  RETURN v_max + coalesce((SELECT g.extra_attempts FROM private.quiz_extra_grants g
                            WHERE g.quiz_id = p_quiz_id AND g.user_id = p_user_id), 0);
END $$;

-- What a learner may see of one attempt (questions in the attempt's order; keys only as allowed).
CREATE FUNCTION private.quiz_attempt_document(p_attempt_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  a public.quiz_attempts%ROWTYPE;
  q public.quizzes%ROWTYPE;
  v_closed boolean;
  v_questions jsonb;
  v_remaining integer;
BEGIN
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id;
  SELECT * INTO q FROM public.quizzes WHERE id = a.quiz_id;
  v_closed := a.status <> 'in_progress';
  SELECT coalesce(jsonb_agg(doc ORDER BY n), '[]') INTO v_questions FROM (
    SELECT o.n, jsonb_build_object(
        'id', x.id,
        'position', o.n,
        'question_type', x.question_type,
        'question_text', x.question_text,
        'hint', x.hint,
        'points', x.points,
        'allow_multiple', x.allow_multiple AND x.question_type = 'multiple_choice',
        'options', CASE WHEN x.question_type IN ('multiple_choice', 'true_false') THEN (
            SELECT coalesce(jsonb_agg(jsonb_build_object('id', opt ->> 'id', 'text', opt ->> 'text') ORDER BY k), '[]')
              FROM jsonb_array_elements_text(coalesce(
                     (SELECT oo -> 'option_ids' FROM jsonb_array_elements(a.option_order) oo
                       WHERE oo ->> 'question_id' = x.id::text),
                     (SELECT jsonb_agg(z ->> 'id') FROM jsonb_array_elements(x.options) z))) WITH ORDINALITY AS ord(oid, k)
              JOIN jsonb_array_elements(x.options) opt ON opt ->> 'id' = ord.oid) END,
        'code_template', x.code_template,
        'programming_language', x.programming_language,
        'answer', ans.answer,
        'client_seq', coalesce(ans.client_seq, 0),
        'saved_at', ans.saved_at,
        'feedback', CASE
          WHEN q.show_correct_answers = 'never' THEN NULL
          WHEN (v_closed AND q.show_correct_answers IN ('after_submission', 'immediately'))
            OR (q.show_correct_answers = 'immediately' AND ans.saved_at IS NOT NULL) THEN
            jsonb_build_object(
              'result', coalesce(ans.result, g.result),
              'points_earned', coalesce(ans.points_earned, g.points_earned),
              'correct_option_ids', CASE WHEN x.question_type IN ('multiple_choice', 'true_false') THEN
                (SELECT coalesce(jsonb_agg(z ->> 'id'), '[]') FROM jsonb_array_elements(x.options) z
                  WHERE (z ->> 'is_correct')::boolean) END,
              'accepted_answers', CASE WHEN x.question_type = 'short_answer' THEN x.accepted_answers END,
              'test_cases', CASE WHEN x.question_type = 'code' THEN x.test_cases END,
              'explanation', x.explanation)
          END) AS doc
      FROM unnest(a.question_order) WITH ORDINALITY AS o(id, n)
      JOIN public.quiz_questions x ON x.id = o.id AND x.deleted_at IS NULL
      LEFT JOIN private.quiz_attempt_answers ans ON ans.attempt_id = a.id AND ans.question_id = x.id
      LEFT JOIN LATERAL private.quiz_grade_answer(x.question_type, x.allow_multiple, x.options, x.accepted_answers,
                  x.case_sensitive, x.numeric_tolerance, x.points, coalesce(ans.answer, '{}')) g ON true
  ) d;
  v_remaining := CASE WHEN a.deadline_at IS NOT NULL AND NOT v_closed
                      THEN greatest(0, ceil(extract(epoch FROM a.deadline_at - now())))::int END;
  RETURN jsonb_build_object(
    'attempt', jsonb_build_object(
      'id', a.id, 'quiz_id', a.quiz_id, 'attempt_number', a.attempt_number, 'status', a.status,
      'is_preview', a.is_preview, 'started_at', a.started_at, 'submitted_at', a.submitted_at,
      'submit_reason', a.submit_reason, 'deadline_at', a.deadline_at, 'remaining_seconds', v_remaining,
      'grace_seconds', extract(epoch FROM private.quiz_grace())::int, 'server_now', now(),
      'score', a.score, 'points_possible', a.points_possible, 'percentage', a.percentage,
      'passed', a.passed, 'pending_count', a.pending_count),
    'quiz', jsonb_build_object(
      'id', q.id, 'title', q.title, 'description', q.description, 'instructions', q.instructions,
      'quiz_type', q.quiz_type, 'passing_score', q.passing_score, 'time_limit_minutes', q.time_limit_minutes,
      'show_correct_answers', q.show_correct_answers),
    'questions', v_questions);
END $$;

CREATE FUNCTION private.quiz_error(p_code text) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$ SELECT jsonb_build_object('error', p_code) $$;

---------------------------------------------------------------------------------------------------
-- Learner paths
---------------------------------------------------------------------------------------------------
-- The quiz as a learner sees it before starting: configuration, attempts used and left, the
-- attempt in progress, past attempts' scores.
CREATE FUNCTION private.quiz_overview(p_quiz_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  q public.quizzes%ROWTYPE;
  v_access text := private.quiz_access(p_quiz_id);
  v_uid uuid := auth.uid();
  v_limit integer;
  v_used integer;
  v_open uuid;
  v_extra integer;
BEGIN
  IF v_access IS NULL THEN RETURN private.quiz_error('not_found'); END IF;
  SELECT a.id INTO v_open FROM public.quiz_attempts a
   WHERE a.quiz_id = p_quiz_id AND a.user_id = v_uid AND a.status = 'in_progress';
  IF v_open IS NOT NULL AND private.quiz_close_if_overdue(v_open) THEN v_open := NULL; END IF;
  SELECT * INTO q FROM public.quizzes WHERE id = p_quiz_id;
  v_limit := private.quiz_attempt_limit(p_quiz_id, v_uid);
  SELECT count(*) INTO v_used FROM public.quiz_attempts a WHERE a.quiz_id = p_quiz_id AND a.user_id = v_uid;
  SELECT coalesce(g.extra_minutes, 0) INTO v_extra FROM private.quiz_extra_grants g
   WHERE g.quiz_id = p_quiz_id AND g.user_id = v_uid;
  RETURN jsonb_build_object(
    'quiz', jsonb_build_object(
      'id', q.id, 'course_id', q.course_id, 'lesson_id', q.lesson_id, 'title', q.title,
      'description', q.description, 'instructions', q.instructions, 'quiz_type', q.quiz_type,
      'passing_score', q.passing_score, 'time_limit_minutes', q.time_limit_minutes,
      'max_attempts', q.max_attempts, 'show_correct_answers', q.show_correct_answers,
      'question_count', q.question_count, 'total_points', q.total_points),
    'access', v_access,
    'attempts_used', v_used,
    'attempts_allowed', v_limit,
    'attempts_left', CASE WHEN v_limit IS NULL THEN NULL ELSE greatest(0, v_limit - v_used) END,
    'extra_minutes', coalesce(v_extra, 0),
    'in_progress_attempt_id', v_open,
    'attempts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
        'id', a.id, 'attempt_number', a.attempt_number, 'status', a.status, 'started_at', a.started_at,
        'submitted_at', a.submitted_at, 'deadline_at', a.deadline_at, 'score', a.score,
        'points_possible', a.points_possible, 'percentage', a.percentage, 'passed', a.passed,
        'pending_count', a.pending_count) ORDER BY a.attempt_number), '[]')
        FROM public.quiz_attempts a WHERE a.quiz_id = p_quiz_id AND a.user_id = v_uid));
END $$;

-- Starts an attempt, or resumes the one in progress. Serialised per (learner, quiz) by an
-- advisory lock held to the end of the transaction, so concurrent starts never exceed the limit.
CREATE FUNCTION private.quiz_start(p_quiz_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  q public.quizzes%ROWTYPE;
  v_access text := private.quiz_access(p_quiz_id);
  v_uid uuid := auth.uid();
  v_open uuid;
  v_used integer;
  v_limit integer;
  v_seed text := md5(gen_random_uuid()::text);
  v_order uuid[];
  v_options jsonb;
  v_extra integer;
  v_enrollment uuid;
  v_id uuid;
BEGIN
  IF v_access IS NULL THEN RETURN private.quiz_error('not_found'); END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('quiz_start:' || p_quiz_id::text || ':' || v_uid::text, 0));
  SELECT a.id INTO v_open FROM public.quiz_attempts a
   WHERE a.quiz_id = p_quiz_id AND a.user_id = v_uid AND a.status = 'in_progress';
  IF v_open IS NOT NULL AND NOT private.quiz_close_if_overdue(v_open) THEN
    RETURN jsonb_build_object('resumed', true, 'attempt_id', v_open);
  END IF;
  SELECT * INTO q FROM public.quizzes WHERE id = p_quiz_id;
  IF q.question_count = 0 THEN RETURN private.quiz_error('quiz_empty'); END IF;
  v_limit := private.quiz_attempt_limit(p_quiz_id, v_uid);
  SELECT count(*) INTO v_used FROM public.quiz_attempts a WHERE a.quiz_id = p_quiz_id AND a.user_id = v_uid;
  IF v_limit IS NOT NULL AND v_used >= v_limit THEN RETURN private.quiz_error('max_attempts_reached'); END IF;

  SELECT array_agg(x.id ORDER BY CASE WHEN q.randomize_questions THEN md5(v_seed || x.id::text) END, x.sort_order, x.id)
    INTO v_order FROM public.quiz_questions x WHERE x.quiz_id = p_quiz_id AND x.deleted_at IS NULL;
  SELECT coalesce(jsonb_agg(jsonb_build_object('question_id', x.id, 'option_ids', (
      SELECT jsonb_agg(o.v ->> 'id' ORDER BY CASE WHEN q.randomize_answers AND x.question_type = 'multiple_choice'
                                                 THEN md5(v_seed || x.id::text || (o.v ->> 'id')) END, o.n)
        FROM jsonb_array_elements(x.options) WITH ORDINALITY AS o(v, n)))), '[]')
    INTO v_options FROM public.quiz_questions x
   WHERE x.quiz_id = p_quiz_id AND x.deleted_at IS NULL AND x.question_type IN ('multiple_choice', 'true_false');
  SELECT coalesce(g.extra_minutes, 0) INTO v_extra FROM private.quiz_extra_grants g
   WHERE g.quiz_id = p_quiz_id AND g.user_id = v_uid;
  SELECT e.id INTO v_enrollment FROM public.enrollments e WHERE e.user_id = v_uid AND e.course_id = q.course_id;

  INSERT INTO public.quiz_attempts (user_id, quiz_id, enrollment_id, attempt_number, started_at, seed,
                                    question_order, option_order, deadline_at, is_preview)
  VALUES (v_uid, p_quiz_id, v_enrollment,
          coalesce((SELECT max(a.attempt_number) FROM public.quiz_attempts a
                     WHERE a.quiz_id = p_quiz_id AND a.user_id = v_uid), 0) + 1,
          now(), v_seed, v_order, v_options,
          CASE WHEN q.time_limit_minutes IS NOT NULL
               THEN now() + make_interval(mins => q.time_limit_minutes + coalesce(v_extra, 0)) END,
          v_access = 'preview')
  RETURNING id INTO v_id;
  RETURN jsonb_build_object('resumed', false, 'attempt_id', v_id);
END $$;

-- One of the caller's attempts (closing it first when overdue).
CREATE FUNCTION private.quiz_attempt(p_attempt_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.quiz_attempts a WHERE a.id = p_attempt_id AND a.user_id = auth.uid()) THEN
    RETURN private.quiz_error('not_found');
  END IF;
  PERFORM private.quiz_close_if_overdue(p_attempt_id);
  RETURN private.quiz_attempt_document(p_attempt_id);
END $$;

-- Autosave: idempotent, the highest client sequence number wins (an older or repeated one changes
-- nothing and answers applied=false with the stored state).
CREATE FUNCTION private.quiz_save_answer(p_attempt_id uuid, p_question_id uuid, p_answer jsonb, p_client_seq bigint)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  a public.quiz_attempts%ROWTYPE;
  q public.quizzes%ROWTYPE;
  x public.quiz_questions%ROWTYPE;
  cur private.quiz_attempt_answers%ROWTYPE;
  v_applied boolean := false;
  v_ids text[];
BEGIN
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id AND user_id = auth.uid() FOR UPDATE;
  IF NOT FOUND THEN RETURN private.quiz_error('not_found'); END IF;
  IF a.status <> 'in_progress' THEN RETURN private.quiz_error('attempt_closed'); END IF;
  IF a.deadline_at IS NOT NULL AND a.deadline_at + private.quiz_grace() < now() THEN
    PERFORM private.quiz_finish(a.id, 'deadline', a.deadline_at);
    RETURN private.quiz_error('deadline_passed');
  END IF;
  SELECT * INTO x FROM public.quiz_questions
   WHERE id = p_question_id AND id = ANY (a.question_order) AND deleted_at IS NULL;
  IF NOT FOUND THEN RETURN private.quiz_error('question_not_in_attempt'); END IF;
  IF p_client_seq IS NULL OR p_client_seq < 1 OR p_answer IS NULL OR jsonb_typeof(p_answer) <> 'object' THEN
    RETURN private.quiz_error('invalid_answer');
  END IF;
  -- The answer must fit the question: choices among its options, text for short answers, code for code.
  IF x.question_type IN ('multiple_choice', 'true_false') THEN
    IF coalesce(jsonb_typeof(p_answer -> 'choices'), '') <> 'array' OR (SELECT count(*) FROM jsonb_object_keys(p_answer)) <> 1 THEN
      RETURN private.quiz_error('invalid_answer');
    END IF;
    SELECT array_agg(o ->> 'id') INTO v_ids FROM jsonb_array_elements(x.options) o;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(p_answer -> 'choices') c
                WHERE jsonb_typeof(c) <> 'string' OR NOT (c #>> '{}') = ANY (v_ids))
       OR ((NOT x.allow_multiple OR x.question_type = 'true_false') AND jsonb_array_length(p_answer -> 'choices') > 1) THEN
      RETURN private.quiz_error('invalid_answer');
    END IF;
  ELSIF x.question_type = 'short_answer' THEN
    IF coalesce(jsonb_typeof(p_answer -> 'text'), '') <> 'string' OR length(p_answer ->> 'text') > 1000
       OR (SELECT count(*) FROM jsonb_object_keys(p_answer)) <> 1 THEN
      RETURN private.quiz_error('invalid_answer');
    END IF;
  ELSE
    IF coalesce(jsonb_typeof(p_answer -> 'code'), '') <> 'string' OR length(p_answer ->> 'code') > 65536
       OR EXISTS (SELECT 1 FROM jsonb_object_keys(p_answer) k WHERE k NOT IN ('code', 'language')) THEN
      RETURN private.quiz_error('invalid_answer');
    END IF;
  END IF;

  SELECT * INTO q FROM public.quizzes WHERE id = a.quiz_id;
  SELECT * INTO cur FROM private.quiz_attempt_answers WHERE attempt_id = a.id AND question_id = x.id;
  IF FOUND AND cur.saved_at IS NOT NULL AND q.show_correct_answers = 'immediately' AND p_client_seq > cur.client_seq
     AND cur.answer IS DISTINCT FROM p_answer THEN
    -- Feedback was shown for the saved answer: it is final.
    RETURN private.quiz_error('answer_locked');
  END IF;
  IF NOT FOUND OR p_client_seq > cur.client_seq THEN
    INSERT INTO private.quiz_attempt_answers AS t (attempt_id, question_id, answer, client_seq, saved_at)
    VALUES (a.id, x.id, p_answer, p_client_seq, now())
    ON CONFLICT (attempt_id, question_id) DO UPDATE
      SET answer = excluded.answer, client_seq = excluded.client_seq, saved_at = excluded.saved_at
      WHERE t.client_seq < excluded.client_seq;
    v_applied := true;
  END IF;
  SELECT * INTO cur FROM private.quiz_attempt_answers WHERE attempt_id = a.id AND question_id = x.id;
  RETURN jsonb_build_object(
    'applied', v_applied, 'question_id', x.id, 'answer', cur.answer, 'client_seq', cur.client_seq,
    'saved_at', cur.saved_at, 'deadline_at', a.deadline_at,
    'feedback', (SELECT d -> 'feedback' FROM jsonb_array_elements(private.quiz_attempt_document(a.id) -> 'questions') d
                  WHERE d ->> 'id' = x.id::text),
    'remaining_seconds', CASE WHEN a.deadline_at IS NOT NULL
                              THEN greatest(0, ceil(extract(epoch FROM a.deadline_at - now())))::int END);
END $$;

-- Submits the caller's attempt. After the deadline plus grace it is refused (the attempt is closed
-- as it stood at the deadline instead).
CREATE FUNCTION private.quiz_submit(p_attempt_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  a public.quiz_attempts%ROWTYPE;
BEGIN
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id AND user_id = auth.uid() FOR UPDATE;
  IF NOT FOUND THEN RETURN private.quiz_error('not_found'); END IF;
  IF a.status <> 'in_progress' THEN RETURN private.quiz_error('attempt_closed'); END IF;
  IF a.deadline_at IS NOT NULL AND a.deadline_at + private.quiz_grace() < now() THEN
    PERFORM private.quiz_finish(a.id, 'deadline', a.deadline_at);
    RETURN private.quiz_error('deadline_passed');
  END IF;
  PERFORM private.quiz_finish(a.id, 'learner', least(now(), coalesce(a.deadline_at, now())));
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id;
  RETURN jsonb_build_object('attempt_id', a.id, 'status', a.status, 'score', a.score,
                            'percentage', a.percentage, 'passed', a.passed);
END $$;

---------------------------------------------------------------------------------------------------
-- Owner/admin paths
---------------------------------------------------------------------------------------------------
-- Every attempt of a quiz with the learner's answers and per-question results.
CREATE FUNCTION private.quiz_attempts_report(p_quiz_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT private.can_manage_course(private.quiz_course_id(p_quiz_id)) THEN
    RETURN private.quiz_error('not_found');
  END IF;
  PERFORM private.quiz_close_if_overdue(a.id) FROM public.quiz_attempts a
    WHERE a.quiz_id = p_quiz_id AND a.status = 'in_progress';
  RETURN jsonb_build_object('attempts', (SELECT coalesce(jsonb_agg(jsonb_build_object(
      'id', a.id, 'user_id', a.user_id,
      'learner_name', coalesce(nullif(p.display_name, ''), p.full_name, p.email),
      'learner_email', p.email,
      'attempt_number', a.attempt_number, 'status', a.status, 'is_preview', a.is_preview,
      'started_at', a.started_at, 'submitted_at', a.submitted_at, 'deadline_at', a.deadline_at,
      'submit_reason', a.submit_reason, 'score', a.score, 'points_possible', a.points_possible,
      'percentage', a.percentage, 'passed', a.passed, 'pending_count', a.pending_count,
      'answers', (SELECT coalesce(jsonb_agg(jsonb_build_object(
            'question_id', o.id, 'position', o.n, 'answer', ans.answer, 'client_seq', coalesce(ans.client_seq, 0),
            'saved_at', ans.saved_at, 'result', ans.result, 'points_earned', ans.points_earned) ORDER BY o.n), '[]')
          FROM unnest(a.question_order) WITH ORDINALITY AS o(id, n)
          LEFT JOIN private.quiz_attempt_answers ans ON ans.attempt_id = a.id AND ans.question_id = o.id))
    ORDER BY coalesce(nullif(p.display_name, ''), p.full_name, p.email), a.attempt_number), '[]')
    FROM public.quiz_attempts a JOIN public.profiles p ON p.id = a.user_id
   WHERE a.quiz_id = p_quiz_id));
END $$;

-- Item analysis over closed, non-preview attempts: per question how often answered and right,
-- per option how often chosen.
CREATE FUNCTION private.quiz_item_analysis(p_quiz_id uuid) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT private.can_manage_course(private.quiz_course_id(p_quiz_id)) THEN
    RETURN private.quiz_error('not_found');
  END IF;
  RETURN jsonb_build_object(
    'attempts', (SELECT count(*) FROM public.quiz_attempts a
                  WHERE a.quiz_id = p_quiz_id AND a.status <> 'in_progress' AND NOT a.is_preview),
    'questions', (SELECT coalesce(jsonb_agg(item ORDER BY sort_order, id), '[]') FROM (
      SELECT x.sort_order, x.id, jsonb_build_object(
        'question_id', x.id, 'question_text', x.question_text, 'question_type', x.question_type,
        'points', x.points, 'attempts', st.attempts, 'answered', st.answered, 'correct', st.correct,
        'partial', st.partial, 'pending', st.pending,
        'correct_rate', CASE WHEN st.attempts > 0 THEN round(st.correct::numeric / st.attempts, 4) END,
        'average_points', CASE WHEN st.attempts > 0 THEN round(st.points / st.attempts, 2) END,
        'options', CASE WHEN x.question_type IN ('multiple_choice', 'true_false') THEN (
          SELECT coalesce(jsonb_agg(jsonb_build_object(
              'id', o.v ->> 'id', 'text', o.v ->> 'text', 'is_correct', coalesce((o.v ->> 'is_correct')::boolean, false),
              'chosen', (SELECT count(*) FROM private.quiz_attempt_answers ans
                           JOIN public.quiz_attempts a ON a.id = ans.attempt_id
                          WHERE ans.question_id = x.id AND a.status <> 'in_progress' AND NOT a.is_preview
                            AND jsonb_typeof(ans.answer -> 'choices') = 'array'
                            AND (ans.answer -> 'choices') ? (o.v ->> 'id'))) ORDER BY o.n), '[]')
            FROM jsonb_array_elements(x.options) WITH ORDINALITY AS o(v, n)) END) AS item
        FROM public.quiz_questions x
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS attempts,
                 count(*) FILTER (WHERE ans.result IS NOT NULL AND ans.result <> 'unanswered')::int AS answered,
                 count(*) FILTER (WHERE ans.result = 'correct')::int AS correct,
                 count(*) FILTER (WHERE ans.result = 'partial')::int AS partial,
                 count(*) FILTER (WHERE ans.result = 'pending')::int AS pending,
                 coalesce(sum(ans.points_earned), 0) AS points
            FROM public.quiz_attempts a
            LEFT JOIN private.quiz_attempt_answers ans ON ans.attempt_id = a.id AND ans.question_id = x.id
           WHERE a.quiz_id = p_quiz_id AND a.status <> 'in_progress' AND NOT a.is_preview
             AND x.id = ANY (a.question_order)) st
       WHERE x.quiz_id = p_quiz_id AND x.deleted_at IS NULL) items));
END $$;

-- Grants a learner extra attempts and/or extra minutes on a quiz (added to earlier grants). Extra
-- minutes also extend the learner's attempt in progress, if it is timed.
CREATE FUNCTION private.quiz_grant_extra(p_quiz_id uuid, p_user_id uuid, p_extra_attempts integer, p_extra_minutes integer)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_course uuid := private.quiz_course_id(p_quiz_id);
  g private.quiz_extra_grants%ROWTYPE;
BEGIN
  IF v_course IS NULL OR NOT private.can_manage_course(v_course) THEN RETURN private.quiz_error('not_found'); END IF;
  IF NOT EXISTS (SELECT 1 FROM public.enrollments e WHERE e.user_id = p_user_id AND e.course_id = v_course)
     AND NOT EXISTS (SELECT 1 FROM public.quiz_attempts a WHERE a.user_id = p_user_id AND a.quiz_id = p_quiz_id) THEN
    RETURN private.quiz_error('not_found');
  END IF;
  IF coalesce(p_extra_attempts, 0) NOT BETWEEN 0 AND 10 OR coalesce(p_extra_minutes, 0) NOT BETWEEN 0 AND 600
     OR coalesce(p_extra_attempts, 0) + coalesce(p_extra_minutes, 0) = 0 THEN
    RETURN private.quiz_error('invalid_grant');
  END IF;
  INSERT INTO private.quiz_extra_grants AS t (quiz_id, user_id, extra_attempts, extra_minutes, granted_by)
  VALUES (p_quiz_id, p_user_id, coalesce(p_extra_attempts, 0), coalesce(p_extra_minutes, 0), auth.uid())
  ON CONFLICT (quiz_id, user_id) DO UPDATE
    SET extra_attempts = least(100, t.extra_attempts + excluded.extra_attempts),
        extra_minutes = least(10000, t.extra_minutes + excluded.extra_minutes),
        granted_by = excluded.granted_by, updated_at = now()
  RETURNING * INTO g;
  IF coalesce(p_extra_minutes, 0) > 0 THEN
    UPDATE public.quiz_attempts
       SET deadline_at = deadline_at + make_interval(mins => p_extra_minutes)
     WHERE quiz_id = p_quiz_id AND user_id = p_user_id AND status = 'in_progress' AND deadline_at IS NOT NULL;
  END IF;
  RETURN jsonb_build_object('quiz_id', g.quiz_id, 'user_id', g.user_id, 'extra_attempts', g.extra_attempts,
                            'extra_minutes', g.extra_minutes,
                            'attempts_allowed', private.quiz_attempt_limit(p_quiz_id, p_user_id));
END $$;

---------------------------------------------------------------------------------------------------
-- Privileges: nothing here is executable by PUBLIC; request roles call the paths above.
---------------------------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA private FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  private.quiz_overview(uuid), private.quiz_start(uuid), private.quiz_attempt(uuid),
  private.quiz_save_answer(uuid, uuid, jsonb, bigint), private.quiz_submit(uuid),
  private.quiz_attempts_report(uuid), private.quiz_item_analysis(uuid),
  private.quiz_grant_extra(uuid, uuid, integer, integer)
  TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION private.quiz_sweep() TO service_role;
GRANT SELECT, UPDATE ON private.quiz_settings TO service_role;
