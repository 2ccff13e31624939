-- Catalogue search, faster (issue 4's benchmark): the same matches as 0014, ranked without a
-- second pass over them.
--
-- 0014 found the matching ids with a UNION of the text and the title-trigram searches, then joined
-- every match back to courses to compute ts_rank and word_similarity: over 10,000 courses the
-- benchmark's two-word search ("python data", 800 matches) took ~21 ms in the function and ~32 ms
-- for the catalogue page around it (a hash join over a sequential scan of all courses). Now:
--   * each search computes its own part of the rank while its index scan has the row in hand: the
--     text search its ts_rank, the trigram search its word_similarity; a FULL JOIN adds them up.
--     A course found only by the text search gets no similarity bonus (0014 gave every match
--     half its word_similarity, however low): the bonus now goes to titles similar enough to
--     match (pg_trgm.word_similarity_threshold, 0.6), which is what it is for — typos.
--   * ROWS 200 tells the planner a search returns a few hundred rows, not the default 1000, so
--     the catalogue page reads the matching courses by primary key instead of hashing the table.
-- Measured on the benchmark's catalogue (PostgreSQL 15, 2 cores): function 21 → 4.4 ms; page of
-- 20 by relevance 32 → 4.7 ms (the page query also orders the search before the join, see
-- catalog.queries.ts).
CREATE OR REPLACE FUNCTION private.search_published_courses(p_search text)
RETURNS TABLE (id uuid, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 200 SET search_path = pg_catalog, extensions, public AS $$
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
  -- Two index searches (text, trigram), joined rather than OR-ed: as one OR the planner chose a
  -- sequential scan.
  RETURN QUERY
    WITH by_text AS (
      SELECT c.id, ts_rank(c.search_vector, v_query) AS rank
        FROM public.courses c
       WHERE c.status = 'published' AND c.deleted_at IS NULL AND c.search_vector @@ v_query
    ), by_title AS (
      SELECT c.id, word_similarity(v_text, c.title) AS similarity
        FROM public.courses c
       WHERE v_fuzzy AND c.status = 'published' AND c.deleted_at IS NULL AND c.title %> v_text
    )
    SELECT coalesce(t.id, s.id), (coalesce(t.rank, 0) + 0.5::real * coalesce(s.similarity, 0))::real
      FROM by_text t FULL JOIN by_title s ON s.id = t.id;
END $$;
