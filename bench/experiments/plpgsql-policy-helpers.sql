-- Bench experiment only (BENCH_SETUP_SQL): the RLS predicates of 0010 the course page hits, as
-- PL/pgSQL (statement plans cached per session) instead of non-inlinable SQL functions, which
-- PostgreSQL before 18 plans afresh on every call. Same bodies, same signatures as 0010.
CREATE OR REPLACE FUNCTION private.is_admin() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = auth.uid() AND p.role = 'admin' AND p.is_active);
END $$;
CREATE OR REPLACE FUNCTION private.has_active_subscription() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.profiles p
     WHERE p.id = auth.uid()
       AND ((p.subscription_status = 'active' AND (p.subscription_expires_at IS NULL OR p.subscription_expires_at > now()))
         OR (p.subscription_status IN ('cancelled', 'past_due') AND p.subscription_expires_at > now())));
END $$;
CREATE OR REPLACE FUNCTION private.is_enrolled(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.enrollments e
     WHERE e.user_id = auth.uid() AND e.course_id = p_course_id
       AND (e.expires_at IS NULL OR e.expires_at > now())
       AND (e.access_type <> 'subscription' OR private.has_active_subscription()));
END $$;
CREATE OR REPLACE FUNCTION private.can_manage_course(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN private.is_admin()
      OR EXISTS (SELECT 1 FROM public.courses c WHERE c.id = p_course_id AND c.instructor_id = auth.uid());
END $$;
CREATE OR REPLACE FUNCTION private.can_read_course(p_course_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM public.courses c
     WHERE c.id = p_course_id
       AND ((c.status = 'published' AND c.deleted_at IS NULL)
         OR (c.status = 'archived' AND c.deleted_at IS NULL AND private.is_enrolled(c.id))
         OR c.instructor_id = auth.uid()))
    OR private.is_admin();
END $$;
CREATE OR REPLACE FUNCTION private.public_profile_cards(p_ids uuid[])
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
