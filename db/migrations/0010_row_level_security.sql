-- Row-level security and grants: ../shared/spec/access.md made executable. Policy names are
-- <table>_<action>_<who>. Grants are explicit per role and per column (a Supabase project grants
-- everything by default, so we revoke first); RLS then decides which rows.
--
-- Decisions where access.md is silent (the matrix test encodes the same):
-- * Enrolled learners keep reading an *archived* (not deleted) course and its outline: archiving
--   takes a course out of the catalogue, not away from the people who have it.
-- * A learner's own free enrolment uses access_type 'free_grant' (free course, published).
--   Subscription enrolment is the learner's own too, when their plan is active and the course is
--   a subscription course. Paid and promotional enrolments are written by the system only.
-- * Only admins delete enrolments; owners and admins may change expires_at of one.
-- * Email-course welcome/completion texts are readable with the course: every subscriber gets them.
-- * Learners may flag their own AI conversation for human review and close it.

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM anon, authenticated, service_role;
GRANT ALL ON ALL TABLES IN SCHEMA public TO service_role;

DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;

---------------------------------------------------------------------------------------------------
-- Predicates the policies share. SECURITY DEFINER so they can look across tables without the
-- policies recursing into each other; each reads only what its name says and returns a boolean.
-- PL/pgSQL, not SQL: a SECURITY DEFINER SQL function is never inlined, and before PostgreSQL 18
-- it is planned afresh on every call (once per row a policy checks); PL/pgSQL caches its plans.
-- Measured on the course page (bench/README.md): pgbench with RLS 948 → 3084 tps.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.is_admin() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = auth.uid() AND p.role = 'admin' AND p.is_active));
END $$;

CREATE FUNCTION private.is_instructor() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.profiles p
                  WHERE p.id = auth.uid() AND p.role IN ('instructor', 'admin') AND p.is_active)
  );
END $$;

-- The caller's subscription gives access while paid for: active (lifetime has no end), or
-- cancelled/past due until the period already paid ends. Only ever about the caller: a function
-- taking a user id would tell anyone another person's subscription status.
CREATE FUNCTION private.has_active_subscription() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (
    SELECT 1 FROM public.profiles p
     WHERE p.id = auth.uid()
       AND ((p.subscription_status = 'active' AND (p.subscription_expires_at IS NULL OR p.subscription_expires_at > now()))
         OR (p.subscription_status IN ('cancelled', 'past_due') AND p.subscription_expires_at > now())))
  );
END $$;

-- "Enrolled" as access.md defines it: not expired, and a subscription enrolment needs a live plan.
CREATE FUNCTION private.is_enrolled(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (
    SELECT 1 FROM public.enrollments e
     WHERE e.user_id = auth.uid() AND e.course_id = p_course_id
       AND (e.expires_at IS NULL OR e.expires_at > now())
       AND (e.access_type <> 'subscription' OR private.has_active_subscription()))
  );
END $$;

-- Owner or admin: may author the course and see everything in it, deleted content included.
CREATE FUNCTION private.can_manage_course(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT private.is_admin()
      OR EXISTS (SELECT 1 FROM public.courses c WHERE c.id = p_course_id AND c.instructor_id = auth.uid())
  );
END $$;

-- Whoever may read the course row (same rule as the courses SELECT policies below).
CREATE FUNCTION private.can_read_course(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (
    SELECT 1 FROM public.courses c
     WHERE c.id = p_course_id
       AND ((c.status = 'published' AND c.deleted_at IS NULL)
         OR (c.status = 'archived' AND c.deleted_at IS NULL AND private.is_enrolled(c.id))
         OR c.instructor_id = auth.uid()))
    OR private.is_admin()
  );
END $$;

-- Learning material (quizzes, challenges) of a live course the caller is enrolled in.
CREATE FUNCTION private.can_study_course(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.courses c
                  WHERE c.id = p_course_id AND c.deleted_at IS NULL AND c.status IN ('published', 'archived'))
     AND private.is_enrolled(p_course_id)
  );
END $$;

CREATE FUNCTION private.quiz_course_id(p_quiz_id uuid) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT q.course_id FROM public.quizzes q WHERE q.id = p_quiz_id);
END $$;

CREATE FUNCTION private.challenge_course_id(p_challenge_id uuid) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT ch.course_id FROM public.code_challenges ch WHERE ch.id = p_challenge_id);
END $$;

-- A code limited to courses that are all the caller's own.
CREATE FUNCTION private.owns_all_courses(p_course_ids uuid[]) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT cardinality(p_course_ids) > 0 AND NOT EXISTS (
    SELECT 1 FROM unnest(p_course_ids) AS ids(id)
     WHERE NOT EXISTS (SELECT 1 FROM public.courses c WHERE c.id = ids.id AND c.instructor_id = auth.uid()))
  );
END $$;

CREATE FUNCTION private.can_read_conversation(p_conversation_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (
    SELECT 1 FROM public.ai_conversations cv
     WHERE cv.id = p_conversation_id
       AND (cv.user_id = auth.uid()
         OR private.is_admin()
         OR (cv.requires_human_review AND EXISTS (
               SELECT 1 FROM public.courses c WHERE c.id = cv.course_id AND c.instructor_id = auth.uid()))))
  );
END $$;

CREATE FUNCTION private.owns_conversation(p_conversation_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.ai_conversations cv WHERE cv.id = p_conversation_id AND cv.user_id = auth.uid()));
END $$;

-- A subscriber may read the days of an email course already sent to them.
CREATE FUNCTION private.email_day_sent(p_email_course_id uuid, p_day integer) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.email_course_subscriptions s
                  WHERE s.email_course_id = p_email_course_id AND s.user_id = auth.uid() AND s.current_day >= p_day)
  );
END $$;

CREATE FUNCTION private.is_free_course_open(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.courses c
                  WHERE c.id = p_course_id AND c.status = 'published' AND c.deleted_at IS NULL
                    AND c.access_type = 'free' AND c.price_cents = 0)
  );
END $$;

CREATE FUNCTION private.is_subscription_course_open(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.courses c
                  WHERE c.id = p_course_id AND c.status = 'published' AND c.deleted_at IS NULL
                    AND c.access_type = 'subscription')
  );
END $$;

CREATE FUNCTION private.is_email_course_open(p_email_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT EXISTS (SELECT 1 FROM public.email_courses ec
                  WHERE ec.id = p_email_course_id AND ec.is_active AND ec.deleted_at IS NULL)
  );
END $$;

---------------------------------------------------------------------------------------------------
-- profiles: own row; admin all. Public cards go through private.public_profile_cards().
---------------------------------------------------------------------------------------------------
GRANT SELECT ON profiles TO authenticated;
GRANT UPDATE (full_name, display_name, avatar_url, bio, timezone, preferred_language, daily_learning_goal,
              email_notifications, date_of_birth,
              -- admin only (guarded by profiles_guard_admin_columns):
              role, is_active, subscription_status, subscription_tier, subscription_expires_at,
              stripe_customer_id, total_learning_minutes, courses_completed, current_streak_days,
              longest_streak_days, last_active_at)
  ON profiles TO authenticated;
CREATE POLICY profiles_select_own ON profiles FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));
CREATE POLICY profiles_select_admin ON profiles FOR SELECT TO authenticated USING ((SELECT private.is_admin()));
CREATE POLICY profiles_update_own ON profiles FOR UPDATE TO authenticated
  USING (id = (SELECT auth.uid())) WITH CHECK (id = (SELECT auth.uid()));
CREATE POLICY profiles_update_admin ON profiles FOR UPDATE TO authenticated
  USING ((SELECT private.is_admin())) WITH CHECK ((SELECT private.is_admin()));

---------------------------------------------------------------------------------------------------
-- courses
---------------------------------------------------------------------------------------------------
GRANT SELECT ON courses TO anon, authenticated;
GRANT INSERT (slug, title, subtitle, description, thumbnail_url, preview_video_url, instructor_id, category,
              subcategory, tags, difficulty_level, price_cents, access_type, has_certificate, language,
              captions_available, prerequisites, learning_outcomes, target_audience, meta_description,
              meta_keywords, status)
  ON courses TO authenticated;
GRANT UPDATE (slug, title, subtitle, description, thumbnail_url, preview_video_url, instructor_id, category,
              subcategory, tags, difficulty_level, price_cents, access_type, has_certificate, language,
              captions_available, prerequisites, learning_outcomes, target_audience, meta_description,
              meta_keywords, status, deleted_at)
  ON courses TO authenticated;
CREATE POLICY courses_select_public ON courses FOR SELECT TO anon, authenticated
  USING (status = 'published' AND deleted_at IS NULL);
CREATE POLICY courses_select_enrolled ON courses FOR SELECT TO authenticated
  USING (status = 'archived' AND deleted_at IS NULL AND private.is_enrolled(id));
CREATE POLICY courses_select_owner ON courses FOR SELECT TO authenticated USING (instructor_id = (SELECT auth.uid()));
CREATE POLICY courses_select_admin ON courses FOR SELECT TO authenticated USING ((SELECT private.is_admin()));
CREATE POLICY courses_insert_instructor ON courses FOR INSERT TO authenticated
  WITH CHECK ((instructor_id = (SELECT auth.uid()) AND (SELECT private.is_instructor())) OR (SELECT private.is_admin()));
CREATE POLICY courses_update_owner ON courses FOR UPDATE TO authenticated
  USING (instructor_id = (SELECT auth.uid()) OR (SELECT private.is_admin()))
  WITH CHECK (instructor_id = (SELECT auth.uid()) OR (SELECT private.is_admin()));

---------------------------------------------------------------------------------------------------
-- course_sections and course_lessons: the outline with the course; lesson content through
-- private.lesson_content() only (its columns are not granted to request roles).
---------------------------------------------------------------------------------------------------
GRANT SELECT ON course_sections TO anon, authenticated;
GRANT INSERT (course_id, title, description, sort_order) ON course_sections TO authenticated;
GRANT UPDATE (title, description, sort_order, deleted_at) ON course_sections TO authenticated;
CREATE POLICY course_sections_select_reader ON course_sections FOR SELECT TO anon, authenticated
  USING ((deleted_at IS NULL AND private.can_read_course(course_id)) OR private.can_manage_course(course_id));
CREATE POLICY course_sections_insert_owner ON course_sections FOR INSERT TO authenticated
  WITH CHECK (private.can_manage_course(course_id));
CREATE POLICY course_sections_update_owner ON course_sections FOR UPDATE TO authenticated
  USING (private.can_manage_course(course_id)) WITH CHECK (private.can_manage_course(course_id));

GRANT SELECT (id, course_id, section_id, title, description, sort_order, content_type, video_duration_seconds,
              is_preview, created_at, updated_at, created_by, updated_by, deleted_at)
  ON course_lessons TO anon, authenticated;
GRANT INSERT (course_id, section_id, title, description, sort_order, content_type, video_url,
              video_duration_seconds, article_content, downloadable_resources, is_preview)
  ON course_lessons TO authenticated;
GRANT UPDATE (section_id, title, description, sort_order, content_type, video_url, video_duration_seconds,
              article_content, downloadable_resources, is_preview, deleted_at)
  ON course_lessons TO authenticated;
CREATE POLICY course_lessons_select_reader ON course_lessons FOR SELECT TO anon, authenticated
  USING ((deleted_at IS NULL AND private.can_read_course(course_id)
          AND EXISTS (SELECT 1 FROM course_sections s WHERE s.id = section_id))
         OR private.can_manage_course(course_id));
CREATE POLICY course_lessons_insert_owner ON course_lessons FOR INSERT TO authenticated
  WITH CHECK (private.can_manage_course(course_id));
CREATE POLICY course_lessons_update_owner ON course_lessons FOR UPDATE TO authenticated
  USING (private.can_manage_course(course_id)) WITH CHECK (private.can_manage_course(course_id));

-- Lesson content for those allowed it: owner/admin; enrolled learners; anyone for a preview lesson
-- of a course they can read. Other lesson ids are silently left out.
CREATE FUNCTION private.lesson_content(p_lesson_ids uuid[])
RETURNS TABLE (id uuid, video_url text, article_content text, downloadable_resources jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
    SELECT l.id, l.video_url, l.article_content, l.downloadable_resources
      FROM public.course_lessons l
      JOIN public.course_sections s ON s.id = l.section_id
     WHERE l.id = ANY (p_lesson_ids)
       AND (private.can_manage_course(l.course_id)
         OR (l.deleted_at IS NULL AND s.deleted_at IS NULL AND private.can_read_course(l.course_id)
             AND (l.is_preview OR private.is_enrolled(l.course_id))));
END $$;

---------------------------------------------------------------------------------------------------
-- course_reviews
---------------------------------------------------------------------------------------------------
GRANT SELECT ON course_reviews TO anon, authenticated;
GRANT INSERT (course_id, rating, title, comment) ON course_reviews TO authenticated;
GRANT UPDATE (rating, title, comment) ON course_reviews TO authenticated;
GRANT DELETE ON course_reviews TO authenticated;
CREATE POLICY course_reviews_select_reader ON course_reviews FOR SELECT TO anon, authenticated
  USING (private.can_read_course(course_id));
CREATE POLICY course_reviews_insert_enrolled ON course_reviews FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND private.can_study_course(course_id));
CREATE POLICY course_reviews_update_own ON course_reviews FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()) AND private.can_study_course(course_id));
CREATE POLICY course_reviews_delete_own ON course_reviews FOR DELETE TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT private.is_admin()));

-- Public card (display name, avatar, bio) of instructors of readable courses and of reviewers on
-- them; nothing else of another person's profile ever leaves the database.
CREATE FUNCTION private.public_profile_cards(p_ids uuid[])
RETURNS TABLE (id uuid, display_name text, avatar_url text, bio text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
    SELECT p.id, coalesce(nullif(btrim(p.display_name), ''), 'Learner'), p.avatar_url, p.bio
      FROM public.profiles p
     WHERE p.id = ANY (p_ids)
       AND (EXISTS (SELECT 1 FROM public.courses c WHERE c.instructor_id = p.id AND private.can_read_course(c.id))
         OR EXISTS (SELECT 1 FROM public.course_reviews r WHERE r.user_id = p.id AND private.can_read_course(r.course_id)));
END $$;

---------------------------------------------------------------------------------------------------
-- enrollments and lesson_progress
---------------------------------------------------------------------------------------------------
GRANT SELECT ON enrollments TO authenticated;
GRANT INSERT (user_id, course_id, access_type, expires_at) ON enrollments TO authenticated;
GRANT UPDATE (expires_at) ON enrollments TO authenticated;
GRANT DELETE ON enrollments TO authenticated;
CREATE POLICY enrollments_select_own ON enrollments FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY enrollments_select_owner ON enrollments FOR SELECT TO authenticated USING (private.can_manage_course(course_id));
CREATE POLICY enrollments_insert_free ON enrollments FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND access_type = 'free_grant' AND private.is_free_course_open(course_id));
CREATE POLICY enrollments_insert_subscription ON enrollments FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND access_type = 'subscription'
              AND private.is_subscription_course_open(course_id)
              AND (SELECT private.has_active_subscription()));
CREATE POLICY enrollments_insert_grant ON enrollments FOR INSERT TO authenticated
  WITH CHECK (access_type = 'free_grant' AND private.can_manage_course(course_id));
CREATE POLICY enrollments_update_owner ON enrollments FOR UPDATE TO authenticated
  USING (private.can_manage_course(course_id)) WITH CHECK (private.can_manage_course(course_id));
CREATE POLICY enrollments_delete_admin ON enrollments FOR DELETE TO authenticated USING ((SELECT private.is_admin()));

GRANT SELECT ON lesson_progress TO authenticated;
GRANT INSERT (lesson_id, status, video_position_seconds, video_completed, time_spent_minutes, last_accessed_at, user_notes)
  ON lesson_progress TO authenticated;
GRANT UPDATE (status, video_position_seconds, video_completed, time_spent_minutes, last_accessed_at, user_notes)
  ON lesson_progress TO authenticated;
CREATE POLICY lesson_progress_select_own ON lesson_progress FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY lesson_progress_select_owner ON lesson_progress FOR SELECT TO authenticated
  USING (private.can_manage_course(course_id));
CREATE POLICY lesson_progress_insert_own ON lesson_progress FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND private.can_study_course(course_id));
CREATE POLICY lesson_progress_update_own ON lesson_progress FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()) AND private.can_study_course(course_id));

---------------------------------------------------------------------------------------------------
-- certificates: own; admin; public verification by code through private.verify_certificate().
---------------------------------------------------------------------------------------------------
GRANT SELECT ON certificates TO authenticated;
CREATE POLICY certificates_select_own ON certificates FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY certificates_select_admin ON certificates FOR SELECT TO authenticated USING ((SELECT private.is_admin()));

CREATE FUNCTION private.verify_certificate(p_verification_code text)
RETURNS TABLE (verification_code text, holder_name text, course_title text, issued_at timestamptz, is_revoked boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
    SELECT c.verification_code, c.holder_name, c.course_title, c.issued_at, c.revoked_at IS NOT NULL
      FROM public.certificates c WHERE c.verification_code = upper(p_verification_code);
END $$;

---------------------------------------------------------------------------------------------------
-- quizzes, quiz_questions, quiz_attempts. Questions never reach learners through a table: the
-- attempt paths (quiz issue) serve them without answer keys.
---------------------------------------------------------------------------------------------------
GRANT SELECT ON quizzes TO authenticated;
GRANT INSERT (course_id, lesson_id, title, description, instructions, quiz_type, passing_score, time_limit_minutes,
              max_attempts, randomize_questions, randomize_answers, show_correct_answers)
  ON quizzes TO authenticated;
GRANT UPDATE (lesson_id, title, description, instructions, quiz_type, passing_score, time_limit_minutes,
              max_attempts, randomize_questions, randomize_answers, show_correct_answers, deleted_at)
  ON quizzes TO authenticated;
CREATE POLICY quizzes_select_enrolled ON quizzes FOR SELECT TO authenticated
  USING (deleted_at IS NULL AND private.can_study_course(course_id));
CREATE POLICY quizzes_select_owner ON quizzes FOR SELECT TO authenticated USING (private.can_manage_course(course_id));
CREATE POLICY quizzes_insert_owner ON quizzes FOR INSERT TO authenticated WITH CHECK (private.can_manage_course(course_id));
CREATE POLICY quizzes_update_owner ON quizzes FOR UPDATE TO authenticated
  USING (private.can_manage_course(course_id)) WITH CHECK (private.can_manage_course(course_id));

GRANT SELECT ON quiz_questions TO authenticated;
GRANT INSERT (quiz_id, question_text, question_type, explanation, hint, options, code_template, test_cases,
              programming_language, points, sort_order)
  ON quiz_questions TO authenticated;
GRANT UPDATE (question_text, question_type, explanation, hint, options, code_template, test_cases,
              programming_language, points, sort_order, deleted_at)
  ON quiz_questions TO authenticated;
CREATE POLICY quiz_questions_select_owner ON quiz_questions FOR SELECT TO authenticated
  USING (private.can_manage_course(private.quiz_course_id(quiz_id)));
CREATE POLICY quiz_questions_insert_owner ON quiz_questions FOR INSERT TO authenticated
  WITH CHECK (private.can_manage_course(private.quiz_course_id(quiz_id)));
CREATE POLICY quiz_questions_update_owner ON quiz_questions FOR UPDATE TO authenticated
  USING (private.can_manage_course(private.quiz_course_id(quiz_id)))
  WITH CHECK (private.can_manage_course(private.quiz_course_id(quiz_id)));

GRANT SELECT ON quiz_attempts TO authenticated;
CREATE POLICY quiz_attempts_select_own ON quiz_attempts FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY quiz_attempts_select_owner ON quiz_attempts FOR SELECT TO authenticated
  USING (private.can_manage_course(private.quiz_course_id(quiz_id)));

---------------------------------------------------------------------------------------------------
-- code_challenges and code_submissions. solution_code and test_cases are not granted to request
-- roles at all: learners get visible tests from private.challenge_visible_tests(), owners and
-- admins everything from private.challenge_secrets().
---------------------------------------------------------------------------------------------------
GRANT SELECT (id, course_id, lesson_id, title, description, difficulty, category, problem_statement, examples,
              constraints, supported_languages, starter_code, time_limit_ms, memory_limit_mb, points,
              created_at, updated_at, created_by, updated_by, deleted_at)
  ON code_challenges TO authenticated;
GRANT INSERT (course_id, lesson_id, title, description, difficulty, category, problem_statement, examples, constraints,
              supported_languages, starter_code, solution_code, test_cases, time_limit_ms, memory_limit_mb, points)
  ON code_challenges TO authenticated;
GRANT UPDATE (lesson_id, title, description, difficulty, category, problem_statement, examples, constraints,
              supported_languages, starter_code, solution_code, test_cases, time_limit_ms, memory_limit_mb, points,
              deleted_at)
  ON code_challenges TO authenticated;
CREATE POLICY code_challenges_select_enrolled ON code_challenges FOR SELECT TO authenticated
  USING (deleted_at IS NULL AND private.can_study_course(course_id));
CREATE POLICY code_challenges_select_owner ON code_challenges FOR SELECT TO authenticated
  USING (private.can_manage_course(course_id));
CREATE POLICY code_challenges_insert_owner ON code_challenges FOR INSERT TO authenticated
  WITH CHECK (private.can_manage_course(course_id));
CREATE POLICY code_challenges_update_owner ON code_challenges FOR UPDATE TO authenticated
  USING (private.can_manage_course(course_id)) WITH CHECK (private.can_manage_course(course_id));

CREATE FUNCTION private.challenge_visible_tests(p_challenge_id uuid) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('input', t -> 'input', 'expected_output', t -> 'expected_output')), '[]'::jsonb)
    FROM public.code_challenges ch, jsonb_array_elements(ch.test_cases) t
   WHERE ch.id = p_challenge_id
     AND NOT coalesce((t ->> 'is_hidden')::boolean, false)
     AND ((ch.deleted_at IS NULL AND private.can_study_course(ch.course_id)) OR private.can_manage_course(ch.course_id))
  );
END $$;

CREATE FUNCTION private.challenge_secrets(p_challenge_id uuid)
RETURNS TABLE (id uuid, solution_code jsonb, test_cases jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
    SELECT ch.id, ch.solution_code, ch.test_cases FROM public.code_challenges ch
     WHERE ch.id = p_challenge_id AND private.can_manage_course(ch.course_id);
END $$;

GRANT SELECT ON code_submissions TO authenticated;
GRANT INSERT (challenge_id, language, code) ON code_submissions TO authenticated;
CREATE POLICY code_submissions_select_own ON code_submissions FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY code_submissions_select_owner ON code_submissions FOR SELECT TO authenticated
  USING (private.can_manage_course(private.challenge_course_id(challenge_id)));
CREATE POLICY code_submissions_insert_own ON code_submissions FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND EXISTS (SELECT 1 FROM code_challenges ch WHERE ch.id = challenge_id));

---------------------------------------------------------------------------------------------------
-- payment_transactions: own; admin. Written by the system only.
---------------------------------------------------------------------------------------------------
GRANT SELECT ON payment_transactions TO authenticated;
CREATE POLICY payment_transactions_select_own ON payment_transactions FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY payment_transactions_select_admin ON payment_transactions FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));

---------------------------------------------------------------------------------------------------
-- promotional_codes: admin; owners for codes limited to their own courses. Learners never list.
---------------------------------------------------------------------------------------------------
GRANT SELECT ON promotional_codes TO authenticated;
GRANT INSERT (code, description, discount_type, discount_value, applicable_to, applicable_course_ids, max_uses,
              max_uses_per_user, valid_from, valid_until, is_active)
  ON promotional_codes TO authenticated;
GRANT UPDATE (description, discount_type, discount_value, applicable_to, applicable_course_ids, max_uses,
              max_uses_per_user, valid_from, valid_until, is_active, deleted_at)
  ON promotional_codes TO authenticated;
CREATE POLICY promotional_codes_select_admin ON promotional_codes FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));
CREATE POLICY promotional_codes_select_owner ON promotional_codes FOR SELECT TO authenticated
  USING (applicable_to = 'specific_courses' AND private.owns_all_courses(applicable_course_ids));
CREATE POLICY promotional_codes_insert_owner ON promotional_codes FOR INSERT TO authenticated
  WITH CHECK ((SELECT private.is_admin())
              OR (applicable_to = 'specific_courses' AND private.owns_all_courses(applicable_course_ids)));
CREATE POLICY promotional_codes_update_owner ON promotional_codes FOR UPDATE TO authenticated
  USING ((SELECT private.is_admin())
         OR (applicable_to = 'specific_courses' AND private.owns_all_courses(applicable_course_ids)))
  WITH CHECK ((SELECT private.is_admin())
              OR (applicable_to = 'specific_courses' AND private.owns_all_courses(applicable_course_ids)));

---------------------------------------------------------------------------------------------------
-- ai_conversations and ai_messages
---------------------------------------------------------------------------------------------------
GRANT SELECT ON ai_conversations TO authenticated;
GRANT INSERT (course_id, lesson_id, context_type) ON ai_conversations TO authenticated;
GRANT UPDATE (is_active, requires_human_review) ON ai_conversations TO authenticated;
-- Written on the row's own columns (not through can_read_conversation) so INSERT … RETURNING of a
-- new conversation passes: a lookup by id cannot see the row being inserted.
CREATE POLICY ai_conversations_select_own ON ai_conversations FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY ai_conversations_select_admin ON ai_conversations FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));
CREATE POLICY ai_conversations_select_owner ON ai_conversations FOR SELECT TO authenticated
  USING (requires_human_review AND course_id IS NOT NULL AND private.can_manage_course(course_id));
-- A conversation's lesson must be a lesson of its course: the tutor (running as the system) reads
-- that lesson, so it must be one the learner could read themselves.
CREATE POLICY ai_conversations_insert_own ON ai_conversations FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid())
              AND (course_id IS NULL OR private.can_read_course(course_id))
              AND (lesson_id IS NULL OR EXISTS (SELECT 1 FROM course_lessons l
                                                 WHERE l.id = lesson_id AND l.course_id = ai_conversations.course_id)));
CREATE POLICY ai_conversations_update_own ON ai_conversations FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT private.is_admin()))
  WITH CHECK (user_id = (SELECT auth.uid()) OR (SELECT private.is_admin()));

-- A learner may flag their conversation for human review, but only staff clear the flag: clearing
-- it would take the conversation out of the owner's review queue.
CREATE FUNCTION private.guard_conversation_review_flag() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF private.is_request_role() AND OLD.requires_human_review AND NOT NEW.requires_human_review
     AND NOT private.is_admin() THEN
    RAISE EXCEPTION 'only staff can clear a request for human review' USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ai_conversations_guard_review_flag BEFORE UPDATE OF requires_human_review ON ai_conversations
  FOR EACH ROW EXECUTE FUNCTION private.guard_conversation_review_flag();

GRANT SELECT ON ai_messages TO authenticated;
GRANT INSERT (conversation_id, role, content) ON ai_messages TO authenticated;
CREATE POLICY ai_messages_select_reader ON ai_messages FOR SELECT TO authenticated
  USING (private.can_read_conversation(conversation_id));
CREATE POLICY ai_messages_insert_own ON ai_messages FOR INSERT TO authenticated
  WITH CHECK (role = 'user' AND private.owns_conversation(conversation_id));

---------------------------------------------------------------------------------------------------
-- email courses
---------------------------------------------------------------------------------------------------
GRANT SELECT ON email_courses TO anon, authenticated;
GRANT INSERT (name, description, delivery_schedule, delivery_time, total_emails, welcome_email_content,
              completion_email_content, is_active)
  ON email_courses TO authenticated;
GRANT UPDATE (name, description, delivery_schedule, delivery_time, total_emails, welcome_email_content,
              completion_email_content, is_active, deleted_at)
  ON email_courses TO authenticated;
CREATE POLICY email_courses_select_public ON email_courses FOR SELECT TO anon, authenticated
  USING (is_active AND deleted_at IS NULL);
CREATE POLICY email_courses_select_admin ON email_courses FOR SELECT TO authenticated USING ((SELECT private.is_admin()));
CREATE POLICY email_courses_insert_admin ON email_courses FOR INSERT TO authenticated WITH CHECK ((SELECT private.is_admin()));
CREATE POLICY email_courses_update_admin ON email_courses FOR UPDATE TO authenticated
  USING ((SELECT private.is_admin())) WITH CHECK ((SELECT private.is_admin()));

GRANT SELECT ON email_course_content TO authenticated;
GRANT INSERT (email_course_id, day_number, subject, preview_text, html_content, plain_text_content)
  ON email_course_content TO authenticated;
GRANT UPDATE (day_number, subject, preview_text, html_content, plain_text_content, deleted_at)
  ON email_course_content TO authenticated;
CREATE POLICY email_course_content_select_admin ON email_course_content FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));
CREATE POLICY email_course_content_select_subscriber ON email_course_content FOR SELECT TO authenticated
  USING (deleted_at IS NULL AND private.email_day_sent(email_course_id, day_number));
CREATE POLICY email_course_content_insert_admin ON email_course_content FOR INSERT TO authenticated
  WITH CHECK ((SELECT private.is_admin()));
CREATE POLICY email_course_content_update_admin ON email_course_content FOR UPDATE TO authenticated
  USING ((SELECT private.is_admin())) WITH CHECK ((SELECT private.is_admin()));

GRANT SELECT ON email_course_subscriptions TO authenticated;
GRANT INSERT (email_course_id) ON email_course_subscriptions TO authenticated;
GRANT UPDATE (status) ON email_course_subscriptions TO authenticated;
CREATE POLICY email_course_subscriptions_select_own ON email_course_subscriptions FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY email_course_subscriptions_select_admin ON email_course_subscriptions FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));
CREATE POLICY email_course_subscriptions_insert_own ON email_course_subscriptions FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND private.is_email_course_open(email_course_id));
CREATE POLICY email_course_subscriptions_update_own ON email_course_subscriptions FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT private.is_admin()))
  WITH CHECK (user_id = (SELECT auth.uid()) OR (SELECT private.is_admin()));

---------------------------------------------------------------------------------------------------
-- activity_logs and learning_analytics: own; admin. Written by the system only.
---------------------------------------------------------------------------------------------------
GRANT SELECT ON activity_logs, learning_analytics TO authenticated;
CREATE POLICY activity_logs_select_own ON activity_logs FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY activity_logs_select_admin ON activity_logs FOR SELECT TO authenticated USING ((SELECT private.is_admin()));
CREATE POLICY learning_analytics_select_own ON learning_analytics FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY learning_analytics_select_admin ON learning_analytics FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));

---------------------------------------------------------------------------------------------------
-- Function privileges: nothing in private is executable by PUBLIC; request roles may call the
-- predicates (policies run them as the caller) and the safe projections.
---------------------------------------------------------------------------------------------------
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA private FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  private.is_request_role(), private.is_admin(), private.is_instructor(), private.has_active_subscription(),
  private.is_enrolled(uuid), private.can_manage_course(uuid), private.can_read_course(uuid),
  private.can_study_course(uuid), private.quiz_course_id(uuid), private.challenge_course_id(uuid),
  private.owns_all_courses(uuid[]), private.can_read_conversation(uuid), private.owns_conversation(uuid),
  private.email_day_sent(uuid, integer), private.is_free_course_open(uuid), private.is_subscription_course_open(uuid),
  private.is_email_course_open(uuid), private.max_reported_minutes(timestamptz),
  private.lesson_content(uuid[]), private.public_profile_cards(uuid[]), private.verify_certificate(text),
  private.challenge_visible_tests(uuid), private.challenge_secrets(uuid)
  TO anon, authenticated, service_role;
