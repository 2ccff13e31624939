-- 0028: code questions inside quizzes are graded by the judge (issue 7).
--
-- 1. When an attempt closes with code answers waiting ('submitted', pending_count > 0) — submitted by
--    the learner or closed by the deadline sweep — a trigger enqueues one 'judge-code' job per pending
--    answer through the outbox (private.enqueue_job, same transaction: rolled back → no job). The job
--    carries the question's tests (hidden ones too: pg-boss's tables are service_role only) and asks
--    for a reply on 'quiz-code-grade'. Code never runs in the HTTP process.
-- 2. The reply handler (server/modules/quizzes/code-grading.ts, service_role) calls
--    private.quiz_record_code_grade(): under the attempt's row lock it grades an answer only while it
--    is still 'pending' (jobs are at-least-once → a repeated reply changes nothing). Points =
--    points × passed / total tests (2 decimals); all passed → correct, some → partial, none →
--    incorrect. The last verdict in finalises the attempt: percentage, passed, status 'graded', then
--    lesson completion and enrollments.average_quiz_score (private.quiz_after_grade, as for others).
--    A 'judge_unavailable' outcome keeps the answer pending and stores the message the learner sees.
-- 3. private.quiz_requeue_code_grading() (service_role): a judge worker that starts healthy re-queues
--    every answer still waiting, so attempts graded while no judge could run are graded then.
-- 4. Test cases of code questions may be hidden ({"is_hidden": true}); the learner's attempt document
--    lists visible tests only and, per test, the judge's learner view (hidden: passed + time only),
--    and only where show_correct_answers allows feedback at all. The attempt says why it still waits
--    (grading_message) when the judge is unavailable.
---------------------------------------------------------------------------------------------------

-- The judge's learner view of one graded code answer: {status, passedTests, totalTests, results, message}.
ALTER TABLE private.quiz_attempt_answers
  ADD COLUMN judge jsonb CHECK (judge IS NULL OR jsonb_typeof(judge) = 'object'),
  ADD COLUMN judge_message text;

-- Enqueues a judge job for each pending code answer of the attempt (limits: 2 s CPU, 128 MB per test).
CREATE FUNCTION private.quiz_enqueue_code_jobs(p_attempt_id uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN
    SELECT ans.question_id, ans.answer, x.programming_language, x.test_cases
      FROM private.quiz_attempt_answers ans
      JOIN public.quiz_questions x ON x.id = ans.question_id
     WHERE ans.attempt_id = p_attempt_id AND ans.result = 'pending' AND x.question_type = 'code'
  LOOP
    PERFORM private.enqueue_job('judge-code', jsonb_build_object(
      'language', r.programming_language,
      'code', r.answer ->> 'code',
      'tests', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'input', coalesce(tc ->> 'input', ''),
                   'expected', coalesce(tc ->> 'expected_output', ''),
                   'hidden', coalesce((tc ->> 'is_hidden')::boolean, false)) ORDER BY k), '[]')
                  FROM jsonb_array_elements(coalesce(r.test_cases, '[]')) WITH ORDINALITY AS t(tc, k)),
      'timeLimitMs', 2000,
      'memoryLimitMb', 128,
      'reply', jsonb_build_object('queue', 'quiz-code-grade',
                                  'data', jsonb_build_object('attemptId', p_attempt_id, 'questionId', r.question_id))),
      '{}'::jsonb);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
REVOKE EXECUTE ON FUNCTION private.quiz_enqueue_code_jobs(uuid) FROM PUBLIC;

CREATE FUNCTION private.quiz_attempt_code_trigger() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM private.quiz_enqueue_code_jobs(NEW.id);
  RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION private.quiz_attempt_code_trigger() FROM PUBLIC;

CREATE TRIGGER quiz_attempts_grade_code
  AFTER UPDATE OF status ON public.quiz_attempts
  FOR EACH ROW
  WHEN (OLD.status = 'in_progress' AND NEW.status = 'submitted' AND NEW.pending_count > 0)
  EXECUTE FUNCTION private.quiz_attempt_code_trigger();

-- Records the judge's outcome for one code answer; finalises the attempt with its last verdict.
-- Returns true when it graded something (false: already graded, unknown, or judge unavailable).
CREATE FUNCTION private.quiz_record_code_grade(p_attempt_id uuid, p_question_id uuid, p_outcome jsonb)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  a public.quiz_attempts%ROWTYPE;
  q public.quizzes%ROWTYPE;
  v_result text;
  v_points_max integer;
  v_status text := p_outcome ->> 'status';
  v_passed integer := coalesce((p_outcome ->> 'passedTests')::integer, 0);
  v_total integer := coalesce((p_outcome ->> 'totalTests')::integer, 0);
  v_points numeric;
  v_grade text;
  v_score numeric;
  v_pct numeric;
BEGIN
  SELECT * INTO a FROM public.quiz_attempts WHERE id = p_attempt_id FOR UPDATE;
  IF NOT FOUND OR a.status <> 'submitted' THEN RETURN false; END IF;
  SELECT ans.result, x.points INTO v_result, v_points_max
    FROM private.quiz_attempt_answers ans JOIN public.quiz_questions x ON x.id = ans.question_id
   WHERE ans.attempt_id = a.id AND ans.question_id = p_question_id AND x.question_type = 'code';
  IF NOT FOUND OR v_result IS DISTINCT FROM 'pending' THEN RETURN false; END IF;
  IF v_status IS NULL OR v_status IN ('judge_unavailable', 'internal_error') THEN
    UPDATE private.quiz_attempt_answers
       SET judge_message = left(coalesce(p_outcome ->> 'message', 'The code judge is unavailable right now.'), 2000)
     WHERE attempt_id = a.id AND question_id = p_question_id;
    RETURN false;
  END IF;
  v_passed := least(greatest(v_passed, 0), v_total);
  v_points := CASE WHEN v_total > 0 THEN round(v_points_max * v_passed::numeric / v_total, 2)
                   WHEN v_status = 'accepted' THEN v_points_max ELSE 0 END;
  v_grade := CASE WHEN v_status = 'accepted' AND v_passed = v_total THEN 'correct'
                  WHEN v_points > 0 THEN 'partial' ELSE 'incorrect' END;
  UPDATE private.quiz_attempt_answers
     SET result = v_grade, points_earned = v_points, judge_message = NULL,
         judge = jsonb_build_object('status', v_status, 'passedTests', v_passed, 'totalTests', v_total,
                                    'results', coalesce(p_outcome -> 'results', '[]'),
                                    'message', left(p_outcome ->> 'message', 8000))
   WHERE attempt_id = a.id AND question_id = p_question_id;
  v_score := coalesce(a.score, 0) + v_points;
  IF a.pending_count > 1 THEN
    UPDATE public.quiz_attempts SET score = v_score, pending_count = a.pending_count - 1 WHERE id = a.id;
    RETURN true;
  END IF;
  SELECT * INTO q FROM public.quizzes WHERE id = a.quiz_id;
  v_pct := CASE WHEN coalesce(a.points_possible, 0) > 0 THEN round(100 * v_score / a.points_possible, 2) ELSE 100 END;
  UPDATE public.quiz_attempts
     SET score = v_score, pending_count = 0, status = 'graded', percentage = v_pct,
         passed = v_pct >= q.passing_score
   WHERE id = a.id;
  PERFORM private.quiz_after_grade(a.id);
  RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION private.quiz_record_code_grade(uuid, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.quiz_record_code_grade(uuid, uuid, jsonb) TO service_role;

-- A healthy judge worker starting: every code answer still waiting gets a judge job again.
CREATE FUNCTION private.quiz_requeue_code_grading() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  r record;
  n integer := 0;
BEGIN
  FOR r IN SELECT a.id FROM public.quiz_attempts a WHERE a.status = 'submitted' AND a.pending_count > 0 LOOP
    n := n + private.quiz_enqueue_code_jobs(r.id);
  END LOOP;
  RETURN n;
END $$;
REVOKE EXECUTE ON FUNCTION private.quiz_requeue_code_grading() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.quiz_requeue_code_grading() TO service_role;

-- Why an attempt still waits for the judge (NULL when it does not wait, or waits normally).
CREATE FUNCTION private.quiz_grading_message(p_attempt_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_message text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.quiz_attempts a
                  WHERE a.id = p_attempt_id AND a.status = 'submitted' AND a.pending_count > 0) THEN
    RETURN NULL;
  END IF;
  SELECT ans.judge_message INTO v_message FROM private.quiz_attempt_answers ans
   WHERE ans.attempt_id = p_attempt_id AND ans.result = 'pending' AND ans.judge_message IS NOT NULL LIMIT 1;
  IF v_message IS NOT NULL THEN RETURN v_message; END IF;
  IF NOT EXISTS (SELECT 1 FROM private.judge_workers w
                  WHERE w.state IN ('starting', 'ready') AND w.updated_at > now() - interval '2 minutes') THEN
    RETURN 'The code judge is unavailable on this server right now. Your answers are kept and will be graded once it is back.';
  END IF;
  RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION private.quiz_grading_message(uuid) FROM PUBLIC;

-- The learner's attempt document (0020) with visible tests only, the judge's learner view per test,
-- and grading_message.
CREATE OR REPLACE FUNCTION private.quiz_attempt_document(p_attempt_id uuid) RETURNS jsonb
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
              -- Hidden tests never reach a learner: only the visible ones, and for hidden ones the
              -- judge's learner view (passed/failed and time) in test_results.
              'test_cases', CASE WHEN x.question_type = 'code' THEN (
                SELECT coalesce(jsonb_agg(jsonb_build_object('input', tc ->> 'input',
                                                             'expected_output', tc ->> 'expected_output') ORDER BY k), '[]')
                  FROM jsonb_array_elements(coalesce(x.test_cases, '[]')) WITH ORDINALITY AS t(tc, k)
                 WHERE coalesce((tc ->> 'is_hidden')::boolean, false) = false) END,
              'verdict', CASE WHEN x.question_type = 'code' THEN ans.judge ->> 'status' END,
              'test_results', CASE WHEN x.question_type = 'code' THEN ans.judge -> 'results' END,
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
      'passed', a.passed, 'pending_count', a.pending_count, 'grading_message', private.quiz_grading_message(a.id)),
    'quiz', jsonb_build_object(
      'id', q.id, 'title', q.title, 'description', q.description, 'instructions', q.instructions,
      'quiz_type', q.quiz_type, 'passing_score', q.passing_score, 'time_limit_minutes', q.time_limit_minutes,
      'show_correct_answers', q.show_correct_answers),
    'questions', v_questions);
END $$;

REVOKE EXECUTE ON FUNCTION private.quiz_attempt_document(uuid) FROM PUBLIC;
