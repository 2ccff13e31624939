-- 2. Course management. Seed: data-models.md §2, plus audit columns, soft delete, CHECKs and the
-- course_reviews table that access.md adds.
CREATE TABLE public.courses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text UNIQUE NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),

  -- Basic info
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  subtitle text,
  description text NOT NULL,
  thumbnail_url text,
  preview_video_url text,

  -- Instructor (instructor_name is kept from the instructor's profile by a trigger)
  instructor_id uuid REFERENCES profiles(id),
  instructor_name text NOT NULL DEFAULT '', -- always set by courses_set_instructor_name

  -- Categorisation
  category text NOT NULL,
  subcategory text,
  tags text[] NOT NULL DEFAULT '{}',
  difficulty_level text NOT NULL CHECK (difficulty_level IN ('beginner', 'intermediate', 'advanced')),

  -- Pricing & access (money is integer cents)
  price_cents integer NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  is_free boolean GENERATED ALWAYS AS (price_cents = 0) STORED,
  access_type text NOT NULL DEFAULT 'paid' CHECK (access_type IN ('free', 'paid', 'subscription')),
  enrollment_count integer NOT NULL DEFAULT 0 CHECK (enrollment_count >= 0),

  -- Content details (counts and durations kept by triggers from the lessons)
  total_duration_minutes integer NOT NULL DEFAULT 0 CHECK (total_duration_minutes >= 0),
  lesson_count integer NOT NULL DEFAULT 0 CHECK (lesson_count >= 0),
  has_certificate boolean NOT NULL DEFAULT true,
  language text NOT NULL DEFAULT 'en',
  captions_available text[] NOT NULL DEFAULT '{}',

  -- Requirements & outcomes
  prerequisites text[] NOT NULL DEFAULT '{}',
  learning_outcomes text[] NOT NULL DEFAULT '{}',
  target_audience text,

  -- SEO & marketing
  meta_description text CHECK (length(meta_description) <= 320),
  meta_keywords text[] NOT NULL DEFAULT '{}',

  -- Status
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  published_at timestamptz,
  last_updated_at timestamptz,

  -- Metrics (kept by triggers). The seed's DECIMAL(2,1) rating is widened to two decimals and
  -- bounded to the 0–5 scale; completion_rate is a percentage 0–100 (DECIMAL(3,2) cannot hold 100).
  average_rating numeric(3,2) NOT NULL DEFAULT 0 CHECK (average_rating BETWEEN 0 AND 5),
  total_reviews integer NOT NULL DEFAULT 0 CHECK (total_reviews >= 0),
  completion_rate numeric(5,2) NOT NULL DEFAULT 0 CHECK (completion_rate BETWEEN 0 AND 100),

  -- System
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz, -- soft delete
  -- A free course costs nothing; a paid one costs something.
  CHECK ((access_type = 'free') = (price_cents = 0) OR access_type = 'subscription'),
  CHECK (status <> 'published' OR published_at IS NOT NULL)
);
-- idx_courses_slug of the seed duplicated the UNIQUE index and is left out.
CREATE INDEX idx_courses_status ON courses (status) WHERE deleted_at IS NULL;
CREATE INDEX idx_courses_category ON courses (category);
CREATE INDEX idx_courses_instructor ON courses (instructor_id);
CREATE INDEX idx_courses_price ON courses (price_cents);

CREATE TABLE public.course_sections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  description text,
  sort_order integer NOT NULL CHECK (sort_order >= 0),
  -- Metrics (kept by triggers)
  total_duration_minutes integer NOT NULL DEFAULT 0 CHECK (total_duration_minutes >= 0),
  lesson_count integer NOT NULL DEFAULT 0 CHECK (lesson_count >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);
CREATE INDEX idx_sections_course ON course_sections (course_id);
CREATE INDEX idx_sections_order ON course_sections (course_id, sort_order);

CREATE TABLE public.course_lessons (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  section_id uuid NOT NULL REFERENCES course_sections(id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  description text,
  sort_order integer NOT NULL CHECK (sort_order >= 0),
  -- Content: outline columns are public with the course; these three reach only learners with access
  content_type text NOT NULL CHECK (content_type IN ('video', 'article', 'quiz', 'assignment', 'scorm', 'code')),
  video_url text,
  video_duration_seconds integer CHECK (video_duration_seconds >= 0),
  article_content text, -- Markdown
  downloadable_resources jsonb CHECK (downloadable_resources IS NULL OR jsonb_typeof(downloadable_resources) = 'array'), -- [{name, url, size, type}]
  is_preview boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz
);
CREATE INDEX idx_lessons_course ON course_lessons (course_id);
CREATE INDEX idx_lessons_section ON course_lessons (section_id);
CREATE INDEX idx_lessons_order ON course_lessons (section_id, sort_order);

-- A lesson lives in a section of its own course.
CREATE FUNCTION private.check_lesson_section() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM public.course_sections s WHERE s.id = NEW.section_id AND s.course_id = NEW.course_id) THEN
    RAISE EXCEPTION 'section % does not belong to course %', NEW.section_id, NEW.course_id USING ERRCODE = '23503';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER course_lessons_check_section BEFORE INSERT OR UPDATE OF section_id, course_id ON course_lessons
  FOR EACH ROW EXECUTE FUNCTION private.check_lesson_section();

-- Added by access.md: one review per learner and course.
CREATE TABLE public.course_reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  user_id uuid NOT NULL DEFAULT auth.uid() REFERENCES profiles(id) ON DELETE CASCADE,
  rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  title text CHECK (length(title) <= 200),
  comment text CHECK (length(comment) <= 5000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  UNIQUE (course_id, user_id)
);
CREATE INDEX idx_reviews_user ON course_reviews (user_id);

-- instructor_name is denormalised from the instructor's profile: set on write, followed on rename.
CREATE FUNCTION private.set_course_instructor_name() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  -- Only the public card's display name: never the full name or any part of the email.
  SELECT nullif(btrim(p.display_name), '') INTO NEW.instructor_name
    FROM public.profiles p WHERE p.id = NEW.instructor_id;
  NEW.instructor_name := coalesce(NEW.instructor_name, 'Instructor');
  RETURN NEW;
END $$;
CREATE TRIGGER courses_set_instructor_name BEFORE INSERT OR UPDATE OF instructor_id, instructor_name ON courses
  FOR EACH ROW EXECUTE FUNCTION private.set_course_instructor_name();

CREATE FUNCTION private.follow_instructor_rename() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.courses SET instructor_id = instructor_id WHERE instructor_id = NEW.id;
  RETURN NEW;
END $$;
CREATE TRIGGER profiles_follow_instructor_rename AFTER UPDATE OF display_name ON profiles
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION private.follow_instructor_rename();

-- published_at is stamped on first publication and kept on re-publication (clients cannot write
-- it: no column grant). last_updated_at follows authoring edits, not the metric updates that
-- counter triggers make as the owner role.
CREATE FUNCTION private.stamp_course_status() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.status = 'published' AND NEW.published_at IS NULL THEN
    NEW.published_at := now();
  END IF;
  IF TG_OP = 'INSERT' OR private.is_request_role() THEN
    NEW.last_updated_at := now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER courses_stamp_status BEFORE INSERT OR UPDATE ON courses
  FOR EACH ROW EXECUTE FUNCTION private.stamp_course_status();
