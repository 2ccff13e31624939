-- 4–5. Assessment and code challenges. Seed: data-models.md §4–5, plus audit columns, soft
-- delete on authored content and CHECKs. course_id is required on quizzes and challenges (the
-- seed allowed NULL): who may read one is decided by its course, and a lesson's course is
-- filled in by a trigger when only lesson_id is given.
CREATE TABLE public.quizzes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  lesson_id uuid REFERENCES course_lessons(id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  description text,
  instructions text,
  quiz_type text NOT NULL CHECK (quiz_type IN ('practice', 'graded', 'final_exam')),
  passing_score integer NOT NULL DEFAULT 70 CHECK (passing_score BETWEEN 0 AND 100), -- percentage
  time_limit_minutes integer CHECK (time_limit_minutes > 0), -- NULL = no time limit
  max_attempts integer DEFAULT 3 CHECK (max_attempts > 0), -- NULL = unlimited
  randomize_questions boolean NOT NULL DEFAULT false,
  randomize_answers boolean NOT NULL DEFAULT true,
  show_correct_answers text NOT NULL DEFAULT 'after_submission'
    CHECK (show_correct_answers IN ('immediately', 'after_submission', 'never')),
  total_points integer NOT NULL DEFAULT 0 CHECK (total_points >= 0),
  question_count integer NOT NULL DEFAULT 0 CHECK (question_count >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);
CREATE INDEX idx_quizzes_course ON quizzes (course_id);
CREATE INDEX idx_quizzes_lesson ON quizzes (lesson_id);

CREATE TABLE public.quiz_questions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  quiz_id uuid NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
  question_text text NOT NULL CHECK (length(btrim(question_text)) > 0),
  question_type text NOT NULL CHECK (question_type IN ('multiple_choice', 'true_false', 'short_answer', 'code')),
  explanation text, -- shown after answering, per show_correct_answers
  hint text,
  options jsonb CHECK (options IS NULL OR jsonb_typeof(options) = 'array'), -- [{id, text, is_correct}]
  code_template text,
  test_cases jsonb CHECK (test_cases IS NULL OR jsonb_typeof(test_cases) = 'array'), -- [{input, expected_output}]
  programming_language text CHECK (programming_language IN ('python', 'javascript', 'java')),
  points integer NOT NULL DEFAULT 1 CHECK (points >= 0),
  sort_order integer NOT NULL CHECK (sort_order >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);
CREATE INDEX idx_questions_quiz ON quiz_questions (quiz_id);
CREATE INDEX idx_questions_order ON quiz_questions (quiz_id, sort_order);

CREATE TABLE public.quiz_attempts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
  quiz_id uuid NOT NULL REFERENCES quizzes(id) ON DELETE CASCADE,
  enrollment_id uuid REFERENCES enrollments(id) ON DELETE CASCADE,
  attempt_number integer NOT NULL CHECK (attempt_number > 0),
  started_at timestamptz NOT NULL DEFAULT now(),
  submitted_at timestamptz,
  time_spent_minutes integer CHECK (time_spent_minutes >= 0),
  score numeric(7,2) CHECK (score >= 0),
  -- The seed's DECIMAL(3,2) cannot hold 100: a percentage 0–100 with two decimals.
  percentage numeric(5,2) CHECK (percentage BETWEEN 0 AND 100),
  passed boolean NOT NULL DEFAULT false,
  answers jsonb CHECK (answers IS NULL OR jsonb_typeof(answers) = 'array'), -- [{question_id, answer, is_correct, points_earned}]
  status text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'submitted', 'graded')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (user_id, quiz_id, attempt_number)
);
CREATE INDEX idx_attempts_user ON quiz_attempts (user_id);
CREATE INDEX idx_attempts_quiz ON quiz_attempts (quiz_id);
CREATE INDEX idx_attempts_status ON quiz_attempts (status);

CREATE TABLE public.code_challenges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  lesson_id uuid REFERENCES course_lessons(id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  description text NOT NULL,
  difficulty text NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
  category text CHECK (category IN ('algorithms', 'data_structures', 'web', 'database', 'other')),
  problem_statement text NOT NULL, -- Markdown
  examples text,
  constraints text,
  supported_languages text[] NOT NULL DEFAULT '{python}'
    CHECK (cardinality(supported_languages) > 0 AND supported_languages <@ ARRAY['python', 'javascript', 'java']),
  starter_code jsonb CHECK (starter_code IS NULL OR jsonb_typeof(starter_code) = 'object'),
  solution_code jsonb CHECK (solution_code IS NULL OR jsonb_typeof(solution_code) = 'object'), -- secret: owner/admin only
  test_cases jsonb NOT NULL CHECK (jsonb_typeof(test_cases) = 'array'), -- secret: [{input, expected_output, is_hidden}]
  time_limit_ms integer NOT NULL DEFAULT 5000 CHECK (time_limit_ms BETWEEN 100 AND 60000),
  memory_limit_mb integer NOT NULL DEFAULT 256 CHECK (memory_limit_mb BETWEEN 16 AND 4096),
  points integer NOT NULL DEFAULT 100 CHECK (points >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);
CREATE INDEX idx_challenges_course ON code_challenges (course_id);
CREATE INDEX idx_challenges_difficulty ON code_challenges (difficulty);

CREATE TABLE public.code_submissions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES profiles(id) ON DELETE CASCADE,
  challenge_id uuid NOT NULL REFERENCES code_challenges(id) ON DELETE CASCADE,
  language text NOT NULL CHECK (language IN ('python', 'javascript', 'java')),
  code text NOT NULL CHECK (length(code) <= 65536),
  submitted_at timestamptz NOT NULL DEFAULT now(),
  -- Extended with the judge's verdicts (memory_limit, compile_error, internal_error).
  status text NOT NULL DEFAULT 'pending' CHECK (status IN (
    'pending', 'running', 'accepted', 'wrong_answer', 'time_limit', 'memory_limit',
    'runtime_error', 'compile_error', 'internal_error')),
  test_results jsonb CHECK (test_results IS NULL OR jsonb_typeof(test_results) = 'array'),
  execution_time_ms integer CHECK (execution_time_ms >= 0),
  memory_used_mb integer CHECK (memory_used_mb >= 0),
  passed_tests integer CHECK (passed_tests >= 0),
  total_tests integer CHECK (total_tests >= 0),
  score integer CHECK (score >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  CHECK (passed_tests <= total_tests)
);
CREATE INDEX idx_submissions_user ON code_submissions (user_id);
CREATE INDEX idx_submissions_challenge ON code_submissions (challenge_id);
CREATE INDEX idx_submissions_status ON code_submissions (status);

-- Quizzes and challenges attached to a lesson take that lesson's course.
CREATE FUNCTION private.set_course_from_lesson() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  lesson_course uuid;
BEGIN
  IF NEW.lesson_id IS NOT NULL THEN
    SELECT l.course_id INTO lesson_course FROM public.course_lessons l WHERE l.id = NEW.lesson_id;
    IF NEW.course_id IS NULL THEN
      NEW.course_id := lesson_course;
    ELSIF NEW.course_id IS DISTINCT FROM lesson_course THEN
      RAISE EXCEPTION 'lesson % does not belong to course %', NEW.lesson_id, NEW.course_id USING ERRCODE = '23503';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER quizzes_set_course BEFORE INSERT OR UPDATE OF lesson_id, course_id ON quizzes
  FOR EACH ROW EXECUTE FUNCTION private.set_course_from_lesson();
CREATE TRIGGER code_challenges_set_course BEFORE INSERT OR UPDATE OF lesson_id, course_id ON code_challenges
  FOR EACH ROW EXECUTE FUNCTION private.set_course_from_lesson();
