-- Authoring (issue 4): the resources lesson type, generated course slugs, and last_updated_at
-- following the course's content.
--
-- Triggers in this file:
--   course_sections AFTER I/U/D by a request role -> courses.last_updated_at = now()
--   course_lessons  AFTER I/U/D by a request role -> the same
--
-- Counters: 0009's triggers already recount on every lesson insert, delete and change of
-- section_id / deleted_at / duration, and on a section's soft delete or restore (the recount
-- covers every section of the course), so moves and soft deletes need nothing new here
-- (tests/schema/counters.db.test.ts proves it).
--
-- Ordering: sort_order gets no unique constraint (fixtures and older rows share positions, and a
-- partial unique index cannot be deferred). Instead every structural write of the authoring
-- module first locks the course row (FOR NO KEY UPDATE, the lock 0009's counter triggers take), so
-- writes to one course's outline serialise; reorders then rewrite positions in one statement.

-- A lesson that is a set of downloadable files (name, size, type in downloadable_resources).
ALTER TABLE public.course_lessons DROP CONSTRAINT course_lessons_content_type_check;
ALTER TABLE public.course_lessons ADD CONSTRAINT course_lessons_content_type_check
  CHECK (content_type IN ('video', 'article', 'resources', 'quiz', 'assignment', 'scorm', 'code'));

-- Slugs are unique across every course, drafts and trashed ones included, most of which the caller
-- cannot read. Given a base slug, this answers the suffix that makes it free: 0 = the base itself
-- is free, n >= 2 = use "<base>-<n>" (the smallest free one). It reveals no more than the unique
-- index already does (whether a slug is taken), and only to instructors and admins (NULL to others).
CREATE FUNCTION private.free_course_slug_suffix(p_base text) RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_prefix text := p_base || '-';
  v_taken integer;
BEGIN
  IF NOT private.is_instructor() THEN
    RETURN NULL;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.courses c WHERE c.slug = p_base) THEN
    RETURN 0;
  END IF;
  SELECT count(*)::int INTO v_taken FROM public.courses c WHERE left(c.slug, length(v_prefix)) = v_prefix;
  -- Among 2 .. v_taken + 2 at least one suffix is free (pigeonhole).
  RETURN (SELECT min(n)::int FROM generate_series(2, v_taken + 2) AS g(n)
           WHERE NOT EXISTS (SELECT 1 FROM public.courses c WHERE c.slug = v_prefix || g.n));
END $$;
REVOKE ALL ON FUNCTION private.free_course_slug_suffix(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.free_course_slug_suffix(text) TO authenticated, service_role;

-- "Last updated" on the landing page follows the author's edits of the outline and lessons, not
-- only of the course row (0003's courses_stamp_status covers that). Only writes by a request role
-- count: the counter triggers rewrite sections as the owner and must not look like an edit.
CREATE FUNCTION private.touch_course_content() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_course_id uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.course_id ELSE NEW.course_id END;
BEGIN
  -- now() is fixed for the transaction: a reorder touching many rows updates the course once.
  UPDATE public.courses SET last_updated_at = now()
   WHERE id = v_course_id AND last_updated_at IS DISTINCT FROM now();
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION private.touch_course_content() FROM PUBLIC;
CREATE TRIGGER course_sections_touch_course AFTER INSERT OR UPDATE OR DELETE ON public.course_sections
  FOR EACH ROW WHEN (private.is_request_role()) EXECUTE FUNCTION private.touch_course_content();
CREATE TRIGGER course_lessons_touch_course AFTER INSERT OR UPDATE OR DELETE ON public.course_lessons
  FOR EACH ROW WHEN (private.is_request_role()) EXECUTE FUNCTION private.touch_course_content();
