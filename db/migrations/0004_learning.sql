-- 3. Progress & enrolment. Seed: data-models.md §3, plus audit columns, CHECKs and the
-- certificates table that access.md adds. Progress columns are kept by triggers (0008).
CREATE TABLE public.enrollments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES profiles(id) ON DELETE CASCADE,
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,

  enrolled_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz, -- time-limited access
  access_type text NOT NULL CHECK (access_type IN ('purchased', 'subscription', 'free_grant', 'promotional')),

  -- Payment info (if purchased); written by the payment paths only
  payment_amount_cents integer CHECK (payment_amount_cents >= 0),
  payment_method text CHECK (payment_method IN ('stripe', 'test_checkout', 'free', 'promotional_code')),
  transaction_id text,
  promotional_code_used text,

  -- Progress (kept by triggers from lesson_progress)
  progress_percentage integer NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100),
  completed_lessons integer NOT NULL DEFAULT 0 CHECK (completed_lessons >= 0),
  total_lessons integer NOT NULL DEFAULT 0 CHECK (total_lessons >= 0),
  last_accessed_at timestamptz,
  last_lesson_id uuid REFERENCES course_lessons(id) ON DELETE SET NULL,

  -- Completion
  is_completed boolean NOT NULL DEFAULT false,
  completed_at timestamptz,
  certificate_issued boolean NOT NULL DEFAULT false,
  certificate_id text,
  certificate_url text,

  -- Learning analytics. average_quiz_score is a percentage 0–100 (the seed's DECIMAL(3,2) cannot hold 100).
  total_time_spent_minutes integer NOT NULL DEFAULT 0 CHECK (total_time_spent_minutes >= 0),
  average_quiz_score numeric(5,2) CHECK (average_quiz_score BETWEEN 0 AND 100),

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (user_id, course_id),
  CHECK (is_completed = (completed_at IS NOT NULL))
);
-- (user_id, course_id) is covered by the UNIQUE index, which also serves the policies' lookups.
CREATE INDEX idx_enrollments_user ON enrollments (user_id);
CREATE INDEX idx_enrollments_course ON enrollments (course_id);
CREATE INDEX idx_enrollments_completed ON enrollments (is_completed);

CREATE TABLE public.lesson_progress (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES profiles(id) ON DELETE CASCADE,
  -- course_id and enrollment_id are derived from lesson_id and user_id by a trigger, never trusted
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  lesson_id uuid NOT NULL REFERENCES course_lessons(id) ON DELETE CASCADE,
  enrollment_id uuid NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,

  status text NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'completed')),
  started_at timestamptz,
  completed_at timestamptz,

  video_position_seconds integer NOT NULL DEFAULT 0 CHECK (video_position_seconds >= 0),
  video_completed boolean NOT NULL DEFAULT false,

  time_spent_minutes integer NOT NULL DEFAULT 0 CHECK (time_spent_minutes >= 0),
  last_accessed_at timestamptz,

  user_notes text CHECK (length(user_notes) <= 100000),

  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (user_id, lesson_id),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX idx_lesson_progress_user ON lesson_progress (user_id);
CREATE INDEX idx_lesson_progress_enrollment ON lesson_progress (enrollment_id);
CREATE INDEX idx_lesson_progress_status ON lesson_progress (status);
CREATE INDEX idx_lesson_progress_course ON lesson_progress (course_id); -- owners read their learners' rows
CREATE INDEX idx_lesson_progress_lesson ON lesson_progress (lesson_id);

-- Added by access.md. Anyone can verify a certificate by its public verification code.
CREATE TABLE public.certificates (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  enrollment_id uuid NOT NULL REFERENCES enrollments(id) ON DELETE CASCADE,
  verification_code text UNIQUE NOT NULL CHECK (verification_code ~ '^[A-Z0-9-]{8,40}$'),
  holder_name text NOT NULL,
  course_title text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  pdf_url text,
  revoked_at timestamptz,
  revoked_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (enrollment_id),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX idx_certificates_user ON certificates (user_id);
CREATE INDEX idx_certificates_course ON certificates (course_id);
