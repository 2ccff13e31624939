-- The course landing page (GET /api/courses/:slug) without a policy call per row.
--
-- Under RLS the page called private.can_read_course() (a PL/pgSQL SECURITY DEFINER function,
-- ~15 µs a call in PGlite) once per section, twice per lesson (its own policy and the EXISTS on
-- course_sections, which applies the sections policy again) and once per review in each of three
-- scans, and the profile cards checked every card against every readable course of that person
-- (and their query was planned afresh on every call). The page reads
-- the course row under RLS first (courses' SELECT policies are the same rule as can_read_course),
-- so everything below it belongs to one course: the helpers here check readability ONCE for that
-- course and then read its rows. No policy changes; each helper returns exactly what the policies
-- let the caller read on that page (tests: server/modules/courses/course-page-helpers.db.test.ts).

---------------------------------------------------------------------------------------------------
-- The live outline of a course the caller can read: sections and lessons that are not deleted,
-- ordered, as JSON (outline columns only, never lesson content). NULL when the caller cannot read
-- the course. Same rows as the sections and lessons policies give the page: a live section is
-- visible to whoever can read or manage the course (managing implies reading), a live lesson of a
-- live section likewise.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.course_outline(p_course_id uuid) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT private.can_read_course(p_course_id) THEN
    RETURN NULL;
  END IF;
  RETURN (
    SELECT coalesce(json_agg(json_build_object(
             'id', s.id, 'title', s.title, 'description', s.description, 'sort_order', s.sort_order,
             'lesson_count', s.lesson_count, 'total_duration_minutes', s.total_duration_minutes,
             'lessons', (
               SELECT coalesce(json_agg(json_build_object(
                        'id', l.id, 'title', l.title, 'description', l.description,
                        'content_type', l.content_type, 'sort_order', l.sort_order,
                        'duration_seconds', l.video_duration_seconds, 'is_preview', l.is_preview)
                      ORDER BY l.sort_order, l.id), '[]')
                 FROM public.course_lessons l
                WHERE l.section_id = s.id AND l.course_id = p_course_id AND l.deleted_at IS NULL))
           ORDER BY s.sort_order, s.id), '[]')
      FROM public.course_sections s
     WHERE s.course_id = p_course_id AND s.deleted_at IS NULL);
END $$;

---------------------------------------------------------------------------------------------------
-- Public cards of the instructor of a course the caller can read and of people who reviewed it,
-- among p_ids: a subset of what private.public_profile_cards() shows (instructors of readable
-- courses, reviewers on them), with one readability check instead of one per course of each person.
-- A generic plan: with the default plan_cache_mode the query kept being planned afresh for each
-- call (its generic plan looks dearer for `= ANY ($2)`), ~0.2 ms of the page in PGlite.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.course_profile_cards(p_course_id uuid, p_ids uuid[])
RETURNS TABLE (id uuid, display_name text, avatar_url text, bio text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  IF NOT private.can_read_course(p_course_id) THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT p.id, coalesce(nullif(btrim(p.display_name), ''), 'Learner'), p.avatar_url, p.bio
      FROM public.profiles p
     WHERE p.id = ANY (p_ids)
       AND (EXISTS (SELECT 1 FROM public.courses c WHERE c.id = p_course_id AND c.instructor_id = p.id)
         OR EXISTS (SELECT 1 FROM public.course_reviews r WHERE r.course_id = p_course_id AND r.user_id = p.id));
END $$;

REVOKE ALL ON FUNCTION private.course_outline(uuid), private.course_profile_cards(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.course_outline(uuid), private.course_profile_cards(uuid, uuid[])
  TO anon, authenticated, service_role;

---------------------------------------------------------------------------------------------------
-- Reviews: the latest few in index order (the page and the review pages read them newest first;
-- with RLS each row read costs a can_read_course call, so reading 5 instead of all matters), and
-- the star distribution kept beside average_rating and total_reviews by the same recount, so the
-- page does not aggregate (and policy-check) every review of the course.
---------------------------------------------------------------------------------------------------
CREATE INDEX idx_reviews_course_latest ON course_reviews (course_id, created_at DESC, id DESC);

ALTER TABLE courses ADD COLUMN rating_distribution integer[] NOT NULL DEFAULT '{0,0,0,0,0}'
  CHECK (cardinality(rating_distribution) = 5);
COMMENT ON COLUMN courses.rating_distribution IS
  'Reviews with 1..5 stars (kept by private.refresh_course_rating with total_reviews and average_rating)';

CREATE OR REPLACE FUNCTION private.refresh_course_rating(p_course_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM 1 FROM public.courses WHERE id = p_course_id FOR NO KEY UPDATE;
  UPDATE public.courses c
     SET total_reviews = agg.n, average_rating = agg.avg, rating_distribution = agg.distribution
    FROM (SELECT count(*)::int AS n, coalesce(round(avg(rating), 2), 0) AS avg,
                 array[count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
                       count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
                       count(*) FILTER (WHERE rating = 5)]::int[] AS distribution
            FROM public.course_reviews WHERE course_id = p_course_id) agg
   WHERE c.id = p_course_id;
END $$;

UPDATE courses c
   SET rating_distribution = agg.distribution
  FROM (SELECT course_id,
               array[count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = 2),
                     count(*) FILTER (WHERE rating = 3), count(*) FILTER (WHERE rating = 4),
                     count(*) FILTER (WHERE rating = 5)]::int[] AS distribution
          FROM course_reviews GROUP BY course_id) agg
 WHERE c.id = agg.course_id;
