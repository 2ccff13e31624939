-- 7–9. AI tutor, email courses, activity logs and learning analytics. Seed: data-models.md
-- §7–9, plus audit columns, soft delete on email courses and CHECKs.
CREATE TABLE public.ai_conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES profiles(id) ON DELETE CASCADE,
  course_id uuid REFERENCES courses(id) ON DELETE CASCADE,
  lesson_id uuid REFERENCES course_lessons(id) ON DELETE SET NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_message_at timestamptz,
  message_count integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
  context_type text NOT NULL DEFAULT 'general'
    CHECK (context_type IN ('general', 'course_help', 'lesson_help', 'technical_support')),
  is_active boolean NOT NULL DEFAULT true,
  requires_human_review boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);
CREATE INDEX idx_ai_conversations_user ON ai_conversations (user_id);
CREATE INDEX idx_ai_conversations_active ON ai_conversations (is_active);
CREATE INDEX idx_ai_conversations_course_review ON ai_conversations (course_id) WHERE requires_human_review;

CREATE TABLE public.ai_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES ai_conversations(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL CHECK (length(content) BETWEEN 1 AND 20000),
  tokens_used integer CHECK (tokens_used >= 0),
  model_used text,
  response_time_ms integer CHECK (response_time_ms >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);
CREATE INDEX idx_ai_messages_conversation ON ai_messages (conversation_id);
CREATE INDEX idx_ai_messages_created ON ai_messages (created_at);

CREATE TABLE public.email_courses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  description text,
  delivery_schedule text NOT NULL CHECK (delivery_schedule IN ('daily', 'weekdays', 'weekly')),
  delivery_time time NOT NULL DEFAULT '09:00', -- in each subscriber's own time zone
  total_emails integer NOT NULL CHECK (total_emails > 0),
  welcome_email_content text,
  completion_email_content text,
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);

CREATE TABLE public.email_course_content (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email_course_id uuid NOT NULL REFERENCES email_courses(id) ON DELETE CASCADE,
  day_number integer NOT NULL CHECK (day_number > 0),
  subject text NOT NULL,
  preview_text text,
  html_content text NOT NULL,
  plain_text_content text,
  sent_count integer NOT NULL DEFAULT 0 CHECK (sent_count >= 0),
  -- Rates are percentages 0–100 (the seed's DECIMAL(3,2) cannot hold 100).
  open_rate numeric(5,2) CHECK (open_rate BETWEEN 0 AND 100),
  click_rate numeric(5,2) CHECK (click_rate BETWEEN 0 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz,
  UNIQUE (email_course_id, day_number)
);
-- idx_email_content_course is covered by the UNIQUE (email_course_id, day_number) index.
CREATE INDEX idx_email_content_day ON email_course_content (day_number);

CREATE TABLE public.email_course_subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES profiles(id) ON DELETE CASCADE,
  email_course_id uuid NOT NULL REFERENCES email_courses(id) ON DELETE CASCADE,
  subscribed_at timestamptz NOT NULL DEFAULT now(),
  current_day integer NOT NULL DEFAULT 0 CHECK (current_day >= 0),
  last_sent_at timestamptz,
  next_send_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed', 'unsubscribed')),
  completed_at timestamptz,
  unsubscribed_at timestamptz,
  emails_opened integer NOT NULL DEFAULT 0 CHECK (emails_opened >= 0),
  links_clicked integer NOT NULL DEFAULT 0 CHECK (links_clicked >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (user_id, email_course_id)
);
CREATE INDEX idx_email_subs_user ON email_course_subscriptions (user_id);
CREATE INDEX idx_email_subs_status ON email_course_subscriptions (status);
CREATE INDEX idx_email_subs_next_send ON email_course_subscriptions (next_send_at) WHERE status = 'active';

-- Subscribers pause, resume and unsubscribe by changing status; the timestamps follow.
CREATE FUNCTION private.stamp_email_subscription_status() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.status = 'unsubscribed' AND OLD.status <> 'unsubscribed' THEN
    NEW.unsubscribed_at := now();
  ELSIF NEW.status <> 'unsubscribed' THEN
    NEW.unsubscribed_at := NULL;
  END IF;
  IF private.is_request_role() AND (OLD.status IN ('completed') OR NEW.status = 'completed') AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'a subscriber can pause, resume or unsubscribe, not complete a course' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER email_subscriptions_stamp_status BEFORE UPDATE OF status ON email_course_subscriptions
  FOR EACH ROW EXECUTE FUNCTION private.stamp_email_subscription_status();

CREATE TABLE public.activity_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid REFERENCES profiles(id) ON DELETE SET NULL,
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]*$'), -- login, logout, course_view, lesson_complete, …
  entity_type text,
  entity_id uuid,
  ip_address inet,
  user_agent text,
  session_id text,
  metadata jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);
CREATE INDEX idx_activity_user ON activity_logs (user_id);
CREATE INDEX idx_activity_action ON activity_logs (action);
CREATE INDEX idx_activity_created ON activity_logs (created_at);

CREATE TABLE public.learning_analytics (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
  date date NOT NULL, -- the learner's own calendar day (profiles.timezone)
  minutes_learned integer NOT NULL DEFAULT 0 CHECK (minutes_learned BETWEEN 0 AND 1440),
  lessons_completed integer NOT NULL DEFAULT 0 CHECK (lessons_completed >= 0),
  quizzes_taken integer NOT NULL DEFAULT 0 CHECK (quizzes_taken >= 0),
  quiz_average_score numeric(5,2) CHECK (quiz_average_score BETWEEN 0 AND 100), -- percentage (seed: DECIMAL(3,2))
  code_challenges_solved integer NOT NULL DEFAULT 0 CHECK (code_challenges_solved >= 0),
  login_count integer NOT NULL DEFAULT 0 CHECK (login_count >= 0),
  videos_watched integer NOT NULL DEFAULT 0 CHECK (videos_watched >= 0),
  resources_downloaded integer NOT NULL DEFAULT 0 CHECK (resources_downloaded >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (user_id, date)
);
-- idx_analytics_user is covered by the UNIQUE (user_id, date) index.
CREATE INDEX idx_analytics_date ON learning_analytics (date);
