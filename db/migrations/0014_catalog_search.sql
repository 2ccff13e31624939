-- Catalogue search and browsing (issue 4): a weighted full-text document per course, trigram
-- typo tolerance on titles, and the partial indexes the catalogue's sorts walk.
--
-- Triggers added here:
--   courses_update_search_vector (BEFORE INSERT OR UPDATE OF title, subtitle, description, tags,
--     instructor_id, instructor_name ON courses) → private.update_course_search_vector():
--     recomputes courses.search_vector from the course's own fields and instructor_name.
--     BEFORE triggers fire in name order, so it runs after courses_set_instructor_name (0003) has
--     filled in the instructor's display name; keep its name sorting after that one.
--   The instructor's display name follows a profile rename through the existing chain:
--     profiles_follow_instructor_rename (0003) updates `instructor_id = instructor_id` on their
--     courses, which fires courses_set_instructor_name and then this trigger.
--
-- What anon can read: search_vector is derived only from title, subtitle, description, tags and
-- instructor_name, all of which anon and authenticated may already SELECT (0010 grants SELECT on
-- the whole table), and row-level security still decides which rows exist for them (published,
-- non-deleted for anon). No INSERT/UPDATE grant includes the column: only the trigger writes it.
--
-- Search runs in private.search_published_courses() (SECURITY DEFINER): under row-level security
-- PostgreSQL will not use an index for a non-leakproof operator such as @@ or <% before the
-- policies have filtered the rows, so a search as anon would read and match every course's document
-- (measured: ~700 ms over 10,000 courses, against a few ms through the GIN indexes). The function
-- returns only ids and ranks of published, non-deleted courses, which anon may read anyway; the
-- catalogue query then reads those rows under RLS as usual.
--
-- pg_trgm lives in schema `extensions`, as on Supabase (where it already exists and CREATE
-- EXTENSION IF NOT EXISTS does nothing), so that its many functions stay out of `public`; request
-- roles never call it directly. Where it was installed in `public` before, that works too: the
-- search function's search_path lists both.

CREATE SCHEMA IF NOT EXISTS extensions;
SET LOCAL search_path = public, extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA extensions;

-- The document: title A; subtitle and tags B; instructor name C; description D. The short fields
-- are indexed twice: stemmed English lexemes for whole-word matching ("testing" finds "tests") and
-- unstemmed 'simple' lexemes so that the word the visitor is still typing matches as a prefix
-- ("programm" finds "programming", whose English stem is "program"). The description, by far the
-- longest, only once (English): a larger document makes every match slower to rank.
CREATE FUNCTION private.course_search_document(
  p_title text, p_subtitle text, p_description text, p_tags text[], p_instructor_name text
) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $$
  SELECT setweight(to_tsvector('pg_catalog.english', coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('pg_catalog.simple', coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('pg_catalog.english', coalesce(p_subtitle, '')), 'B')
      || setweight(to_tsvector('pg_catalog.simple', coalesce(p_subtitle, '')), 'B')
      || setweight(to_tsvector('pg_catalog.english', pg_catalog.array_to_string(p_tags, ' ')), 'B')
      || setweight(to_tsvector('pg_catalog.simple', pg_catalog.array_to_string(p_tags, ' ')), 'B')
      || setweight(to_tsvector('pg_catalog.english', coalesce(p_instructor_name, '')), 'C')
      || setweight(to_tsvector('pg_catalog.simple', coalesce(p_instructor_name, '')), 'C')
      || setweight(to_tsvector('pg_catalog.english', coalesce(p_description, '')), 'D')
$$;
REVOKE ALL ON FUNCTION private.course_search_document(text, text, text, text[], text) FROM PUBLIC;

ALTER TABLE public.courses ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;

-- SECURITY DEFINER only so that request roles need no EXECUTE on the document function.
CREATE FUNCTION private.update_course_search_vector() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  NEW.search_vector := private.course_search_document(
    NEW.title, NEW.subtitle, NEW.description, NEW.tags, NEW.instructor_name);
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION private.update_course_search_vector() FROM PUBLIC;

CREATE TRIGGER courses_update_search_vector
  BEFORE INSERT OR UPDATE OF title, subtitle, description, tags, instructor_id, instructor_name ON courses
  FOR EACH ROW EXECUTE FUNCTION private.update_course_search_vector();

-- Existing courses (this also stamps updated_at through the audit trigger, once).
UPDATE public.courses
   SET search_vector = private.course_search_document(title, subtitle, description, tags, instructor_name);

-- Only published, non-deleted courses are ever listed: every catalogue index is partial on that.
CREATE INDEX idx_courses_catalog_search ON courses USING gin (search_vector)
  WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_courses_catalog_title_trgm ON courses USING gin (title gin_trgm_ops)
  WHERE status = 'published' AND deleted_at IS NULL;
-- One index per sort, keys in the order of the keyset (id breaks ties).
CREATE INDEX idx_courses_catalog_newest ON courses (published_at DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_courses_catalog_popular ON courses (enrollment_count DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_courses_catalog_rating ON courses (average_rating DESC, total_reviews DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_courses_catalog_price ON courses (price_cents, id)
  WHERE status = 'published' AND deleted_at IS NULL;
-- Browsing one category newest first (the commonest filtered page) without walking other categories.
CREATE INDEX idx_courses_catalog_category_newest ON courses (category, published_at DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;

-- The courses matching a search, with their rank: ids and ranks of published, non-deleted courses
-- only (what anon may read anyway). The search uses web-search syntax (quotes, `or`, `-word`); the
-- last word, when it is a plain word, also matches as a prefix since the visitor may still be typing
-- it; without quotes or exclusions, a title similar to the search matches too (typos). Rank: the weighted text rank plus half the trigram word similarity of the search to the
-- title, so a title with a typo'd word still ranks. A real, so its text form round-trips exactly
-- (keyset cursors carry it).
CREATE FUNCTION private.search_published_courses(p_search text)
RETURNS TABLE (id uuid, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, extensions, public AS $$
DECLARE
  v_text text := btrim(coalesce(p_search, ''));
  v_last text := substring(v_text from '(?:^|\s)([[:alnum:]]+)$');
  -- Typo tolerance only for plain words: a phrase or an excluded word must be honoured exactly.
  v_fuzzy boolean := v_text !~ '"|(^|\s)-';
  v_query tsquery;
BEGIN
  IF v_text = '' THEN
    RETURN;
  END IF;
  IF v_last IS NOT NULL AND lower(v_last) <> 'or'
     AND (length(v_text) - length(replace(v_text, '"', ''))) % 2 = 0 THEN
    -- v_last holds letters and digits only: safe inside to_tsquery's syntax.
    v_query := websearch_to_tsquery('pg_catalog.english', left(v_text, length(v_text) - length(v_last)))
            && (to_tsquery('pg_catalog.english', v_last) || to_tsquery('pg_catalog.simple', lower(v_last) || ':*'));
  ELSE
    v_query := websearch_to_tsquery('pg_catalog.english', v_text);
  END IF;
  -- Two index searches (text, trigram) and a UNION: as one OR the planner chose a sequential scan.
  RETURN QUERY
    WITH matched AS (
      SELECT c.id FROM public.courses c
       WHERE c.status = 'published' AND c.deleted_at IS NULL AND c.search_vector @@ v_query
      UNION
      SELECT c.id FROM public.courses c
       WHERE v_fuzzy AND c.status = 'published' AND c.deleted_at IS NULL AND c.title %> v_text
    )
    SELECT c.id, (ts_rank(c.search_vector, v_query) + 0.5::real * word_similarity(v_text, c.title))::real
      FROM matched m JOIN public.courses c ON c.id = m.id;
END $$;
REVOKE ALL ON FUNCTION private.search_published_courses(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.search_published_courses(text) TO anon, authenticated;
