-- Code challenges judged by the sandbox worker (issue 7), and the job outbox of the pg-boss platform.
--
-- 1. private.job_outbox + private.enqueue_job(): a job enqueued INSIDE the caller's transaction.
--    pg-boss's own tables are created by pg-boss at start (schema `pgboss`, layout private to its
--    version), and request roles (`authenticated`) must not write them. So a transaction that must
--    not commit a row without its job writes an outbox row through enqueue_job() (SECURITY DEFINER,
--    executable by service_role and by the SECURITY DEFINER paths/triggers below only, so a request
--    cannot enqueue arbitrary work). The jobs platform (server/platform/jobs) relays committed rows
--    into pg-boss with the outbox id as the job id (pg-boss inserts ON CONFLICT DO NOTHING: a relay
--    repeated after a crash does not duplicate the job), then deletes them. Rolled back → no row →
--    no job. Handlers are idempotent anyway (jobs are at-least-once).
-- 2. code_challenges gain a publish state written only by the judge's publish check: a challenge is
--    `published` only after its solution passed every test in every supported language, for the
--    exact content version that was checked. Learners see published challenges only.
-- 3. code_submissions: inserting one enqueues its judge job (trigger); the verdict, per-test results
--    and lesson completion are written by private.record_code_verdict() (service_role only).
--
-- Triggers added here:
--   code_submissions AFTER INSERT  (code_submissions_enqueue_judge)   -> outbox row 'judge-submission'
--   code_submissions BEFORE INSERT (code_submissions_check_language) -> language must be supported
--   code_challenges  BEFORE UPDATE (code_challenges_reset_publish)   -> an edit of what is judged
--     (tests, solution, languages, limits) bumps content_version and takes the challenge back to draft

---------------------------------------------------------------------------------------------------
-- 1. Job outbox
---------------------------------------------------------------------------------------------------
CREATE TABLE private.job_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  options jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(options) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_job_outbox_created ON private.job_outbox (created_at);
REVOKE ALL ON private.job_outbox FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, DELETE ON private.job_outbox TO service_role;

-- Enqueues a job in the current transaction; returns the job id pg-boss will use.
CREATE FUNCTION private.enqueue_job(p_name text, p_data jsonb, p_options jsonb DEFAULT '{}'::jsonb) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_id uuid;
BEGIN
  INSERT INTO private.job_outbox (name, data, options)
  VALUES (p_name, coalesce(p_data, '{}'::jsonb), coalesce(p_options, '{}'::jsonb))
  RETURNING id INTO v_id;
  -- Wakes a relay that listens (PostgreSQL); PGlite and idle relays poll.
  PERFORM pg_notify('job_outbox', p_name);
  RETURN v_id;
END $$;
REVOKE EXECUTE ON FUNCTION private.enqueue_job(text, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.enqueue_job(text, jsonb, jsonb) TO service_role;

---------------------------------------------------------------------------------------------------
-- 2. Challenge publish state
---------------------------------------------------------------------------------------------------
ALTER TABLE public.code_challenges
  ADD COLUMN status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'checking', 'published', 'check_failed')),
  ADD COLUMN published_at timestamptz,
  -- Bumped on every edit of what is judged; a publish check applies only to the version it ran on.
  ADD COLUMN content_version integer NOT NULL DEFAULT 1 CHECK (content_version >= 1),
  -- The last publish check: per language a verdict and per-test pass/fail (owner/admin only:
  -- compiler messages may quote the solution).
  ADD COLUMN publish_check jsonb CHECK (publish_check IS NULL OR jsonb_typeof(publish_check) = 'object');
CREATE UNIQUE INDEX idx_challenges_lesson ON public.code_challenges (lesson_id) WHERE lesson_id IS NOT NULL AND deleted_at IS NULL;

GRANT SELECT (status, published_at, content_version) ON public.code_challenges TO authenticated;

DROP POLICY code_challenges_select_enrolled ON public.code_challenges;
CREATE POLICY code_challenges_select_enrolled ON public.code_challenges FOR SELECT TO authenticated
  USING (deleted_at IS NULL AND status = 'published' AND private.can_study_course(course_id));

CREATE OR REPLACE FUNCTION private.challenge_visible_tests(p_challenge_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('input', t -> 'input', 'expected_output', t -> 'expected_output')), '[]'::jsonb)
    FROM public.code_challenges ch, jsonb_array_elements(ch.test_cases) t
   WHERE ch.id = p_challenge_id
     AND NOT coalesce((t ->> 'is_hidden')::boolean, false)
     AND ((ch.deleted_at IS NULL AND ch.status = 'published' AND private.can_study_course(ch.course_id))
          OR private.can_manage_course(ch.course_id))
  );
END $$;

CREATE FUNCTION private.challenge_publish_check(p_challenge_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT ch.publish_check FROM public.code_challenges ch
           WHERE ch.id = p_challenge_id AND private.can_manage_course(ch.course_id));
END $$;

-- The owner asks for publication: the challenge goes to `checking` and the judge gets a job.
-- Returns false when the caller may not manage it (the route answers 404).
CREATE FUNCTION private.request_challenge_publish(p_challenge_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  ch public.code_challenges%ROWTYPE;
BEGIN
  SELECT * INTO ch FROM public.code_challenges WHERE id = p_challenge_id AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND OR NOT private.can_manage_course(ch.course_id) THEN RETURN false; END IF;
  IF ch.status = 'published' THEN RETURN true; END IF;
  UPDATE public.code_challenges SET status = 'checking', publish_check = NULL WHERE id = ch.id;
  PERFORM private.enqueue_job('challenge-publish-check',
    jsonb_build_object('challengeId', ch.id, 'contentVersion', ch.content_version), '{}'::jsonb);
  RETURN true;
END $$;

-- The owner takes a challenge back to draft (learners stop seeing it).
CREATE FUNCTION private.unpublish_challenge(p_challenge_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.code_challenges ch SET status = 'draft', published_at = NULL
   WHERE ch.id = p_challenge_id AND private.can_manage_course(ch.course_id);
  RETURN FOUND;
END $$;

-- The judge's answer to a publish check (service_role only): applies only to the version checked.
CREATE FUNCTION private.record_publish_check(p_challenge_id uuid, p_content_version integer, p_passed boolean,
                                             p_check jsonb) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.code_challenges
     SET status = CASE WHEN p_passed THEN 'published' ELSE 'check_failed' END,
         published_at = CASE WHEN p_passed THEN now() ELSE NULL END,
         publish_check = p_check
   WHERE id = p_challenge_id AND content_version = p_content_version AND status = 'checking';
  RETURN FOUND;
END $$;

CREATE FUNCTION private.code_challenges_reset_publish() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.test_cases IS DISTINCT FROM OLD.test_cases
     OR NEW.solution_code IS DISTINCT FROM OLD.solution_code
     OR NEW.supported_languages IS DISTINCT FROM OLD.supported_languages
     OR NEW.time_limit_ms IS DISTINCT FROM OLD.time_limit_ms
     OR NEW.memory_limit_mb IS DISTINCT FROM OLD.memory_limit_mb THEN
    NEW.content_version := OLD.content_version + 1;
    NEW.status := 'draft';
    NEW.published_at := NULL;
    NEW.publish_check := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER code_challenges_reset_publish BEFORE UPDATE ON public.code_challenges
  FOR EACH ROW EXECUTE FUNCTION private.code_challenges_reset_publish();

---------------------------------------------------------------------------------------------------
-- 3. Submissions and verdicts
---------------------------------------------------------------------------------------------------
ALTER TABLE public.code_submissions DROP CONSTRAINT code_submissions_status_check;
ALTER TABLE public.code_submissions ADD CONSTRAINT code_submissions_status_check CHECK (status IN (
  'pending', 'running', 'accepted', 'wrong_answer', 'time_limit', 'memory_limit',
  'runtime_error', 'compile_error', 'internal_error', 'judge_unavailable'));
-- Words for the learner beside the verdict: the compiler's output on their own code, or that the judge
-- is unavailable (pointing at the admin health page). Never holds a hidden test's data.
ALTER TABLE public.code_submissions ADD COLUMN judge_message text CHECK (length(judge_message) <= 8192);
ALTER TABLE public.code_submissions ADD COLUMN judged_at timestamptz;
CREATE INDEX idx_submissions_user_challenge ON public.code_submissions (user_id, challenge_id, submitted_at DESC);

CREATE FUNCTION private.code_submissions_check_language() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.code_challenges ch
                  WHERE ch.id = NEW.challenge_id AND NEW.language = ANY (ch.supported_languages)) THEN
    RAISE EXCEPTION 'language % is not supported by this challenge', NEW.language USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER code_submissions_check_language BEFORE INSERT ON public.code_submissions
  FOR EACH ROW EXECUTE FUNCTION private.code_submissions_check_language();

CREATE FUNCTION private.code_submissions_enqueue_judge() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM private.enqueue_job('judge-submission', jsonb_build_object('submissionId', NEW.id), '{}'::jsonb);
  RETURN NULL;
END $$;
CREATE TRIGGER code_submissions_enqueue_judge AFTER INSERT ON public.code_submissions
  FOR EACH ROW EXECUTE FUNCTION private.code_submissions_enqueue_judge();

-- The judge's verdict for one submission (service_role only). Writes only a submission that is
-- still waiting (a repeated job does not overwrite or double-count). On the first accepted
-- submission of a challenge: the linked lesson completes and the learner's day counts a solve.
CREATE FUNCTION private.record_code_verdict(
  p_submission_id uuid, p_status text, p_test_results jsonb, p_execution_time_ms integer,
  p_memory_used_mb integer, p_passed_tests integer, p_total_tests integer, p_message text
) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  s public.code_submissions%ROWTYPE;
  ch public.code_challenges%ROWTYPE;
  v_first boolean;
BEGIN
  SELECT * INTO s FROM public.code_submissions WHERE id = p_submission_id FOR UPDATE;
  IF NOT FOUND OR s.status NOT IN ('pending', 'running', 'judge_unavailable') THEN RETURN false; END IF;
  SELECT * INTO ch FROM public.code_challenges WHERE id = s.challenge_id;
  UPDATE public.code_submissions
     SET status = p_status,
         test_results = p_test_results,
         execution_time_ms = p_execution_time_ms,
         memory_used_mb = p_memory_used_mb,
         passed_tests = p_passed_tests,
         total_tests = p_total_tests,
         score = CASE WHEN coalesce(p_total_tests, 0) > 0
                      THEN (ch.points * p_passed_tests) / p_total_tests ELSE NULL END,
         judge_message = p_message,
         judged_at = CASE WHEN p_status IN ('pending', 'running', 'judge_unavailable') THEN NULL ELSE now() END
   WHERE id = s.id;
  IF p_status = 'accepted' THEN
    v_first := NOT EXISTS (SELECT 1 FROM public.code_submissions x
                            WHERE x.user_id = s.user_id AND x.challenge_id = s.challenge_id
                              AND x.status = 'accepted' AND x.id <> s.id);
    IF ch.lesson_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM public.enrollments e WHERE e.user_id = s.user_id AND e.course_id = ch.course_id) THEN
      INSERT INTO public.lesson_progress (user_id, lesson_id, status, last_accessed_at)
      VALUES (s.user_id, ch.lesson_id, 'completed', now())
      ON CONFLICT (user_id, lesson_id) DO UPDATE SET status = 'completed', last_accessed_at = now();
    END IF;
    IF v_first THEN
      INSERT INTO public.learning_analytics AS a (user_id, date, code_challenges_solved)
      SELECT p.id, (now() AT TIME ZONE p.timezone)::date, 1 FROM public.profiles p WHERE p.id = s.user_id
      ON CONFLICT (user_id, date) DO UPDATE SET code_challenges_solved = a.code_challenges_solved + 1;
    END IF;
  END IF;
  RETURN true;
END $$;

-- The worker marks a submission it started (service_role only).
CREATE FUNCTION private.mark_code_submission_running(p_submission_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.code_submissions SET status = 'running', judge_message = NULL
   WHERE id = p_submission_id AND status IN ('pending', 'judge_unavailable');
  RETURN FOUND;
END $$;

---------------------------------------------------------------------------------------------------
-- 4. Judge worker health: each worker reports its sandbox status and start-up canary results here
--    (service_role), refreshes updated_at every 30 s and deletes its row when it stops; admins read
--    the workers seen in the last 2 minutes through private.judge_health() (the admin health page).
---------------------------------------------------------------------------------------------------
CREATE TABLE private.judge_workers (
  worker_id text PRIMARY KEY CHECK (length(worker_id) <= 200),
  hostname text NOT NULL,
  state text NOT NULL CHECK (state IN ('starting', 'ready', 'refusing')),
  slots integer NOT NULL CHECK (slots >= 0),
  sandbox jsonb NOT NULL,
  canaries jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON private.judge_workers FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON private.judge_workers TO service_role;

CREATE FUNCTION private.judge_health() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT private.is_admin() THEN RETURN NULL; END IF;
  RETURN jsonb_build_object(
    'workers', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                  'workerId', w.worker_id, 'hostname', w.hostname, 'state', w.state, 'slots', w.slots,
                  'sandbox', w.sandbox, 'canaries', w.canaries, 'updatedAt', w.updated_at) ORDER BY w.updated_at DESC), '[]'::jsonb)
                  FROM private.judge_workers w WHERE w.updated_at > now() - interval '2 minutes'),
    'pendingSubmissions', (SELECT count(*) FROM public.code_submissions s
                            WHERE s.status IN ('pending', 'running', 'judge_unavailable')));
END $$;

---------------------------------------------------------------------------------------------------
-- Privileges
---------------------------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA private FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION private.code_submissions_enqueue_judge(), private.code_submissions_check_language(),
  private.code_challenges_reset_publish(), private.record_code_verdict(uuid, text, jsonb, integer, integer, integer, integer, text),
  private.mark_code_submission_running(uuid), private.record_publish_check(uuid, integer, boolean, jsonb),
  private.challenge_publish_check(uuid), private.request_challenge_publish(uuid), private.unpublish_challenge(uuid),
  private.judge_health()
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.challenge_publish_check(uuid), private.request_challenge_publish(uuid),
  private.unpublish_challenge(uuid), private.judge_health()
  TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION private.record_code_verdict(uuid, text, jsonb, integer, integer, integer, integer, text),
  private.mark_code_submission_running(uuid), private.record_publish_check(uuid, integer, boolean, jsonb)
  TO service_role;
