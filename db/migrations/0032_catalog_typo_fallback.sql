-- Catalogue search: typo tolerance as a fallback (issue 4's benchmark: search p99 ≤ 100 ms at 50
-- connections needs a search in ~1–2 ms of database time).
--
-- What a search cost after 0027, measured on the benchmark's catalogue (10,000 published courses,
-- "python data": 772 text matches; minimum of 60–80 interleaved runs from one client):
--   text match alone (GIN, heap visit of each match)                              1.5 ms
--   + ts_rank of every match                                                       +0.5 ms
--   the title-trigram search (`title %> 'python data'`, word_similarity)          +1.7 ms
--     ("python dat", "kubernets": 6.4 ms: short, common trigrams open long posting lists)
-- So the trigram search, there for typos, cost as much as everything else together, on every
-- search, including the ones whose words match hundreds of courses as typed.
--
-- Now the trigram search runs only when the words as typed find fewer than `p_fuzzy_below`
-- (default 50) courses: a search that finds plenty has no typo to forgive. A title similar to the
-- search then no longer adds its half word similarity to the text rank of courses that match the
-- words anyway (0027's bonus), so with many matches the order is the text rank alone.
--
-- Tried and not kept (same measurements): matching the typed prefix against the short fields only
-- (a second vector without the description, its own GIN index) was slower, 2.1 ms against 1.5 ms
-- for the match: the planner ORs the two indexes but does not intersect the prefix's matches with
-- the other words' index, so it visits more rows, not fewer. Ranking only a bounded set of the
-- best candidates does not pay either: a pre-rank on the short fields costs 0.3 of the 0.5 ms it
-- would save, and a free index-ordered criterion (popularity, newest) would drop a strong title
-- match that sits far down that order.
DROP FUNCTION private.search_published_courses(text);

CREATE FUNCTION private.search_published_courses(p_search text, p_fuzzy_below integer DEFAULT 50)
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
  -- sequential scan. The trigram one is gated on the count of the first (a one-time filter: its
  -- index is not touched when the words found enough).
  RETURN QUERY
    WITH by_text AS MATERIALIZED (
      SELECT c.id, ts_rank(c.search_vector, v_query) AS rank
        FROM public.courses c
       WHERE c.status = 'published' AND c.deleted_at IS NULL AND c.search_vector @@ v_query
    ), by_title AS (
      SELECT c.id, word_similarity(v_text, c.title) AS similarity
        FROM public.courses c
       WHERE v_fuzzy AND (SELECT count(*) FROM by_text) < p_fuzzy_below
         AND c.status = 'published' AND c.deleted_at IS NULL AND c.title %> v_text
    )
    SELECT coalesce(t.id, s.id), (coalesce(t.rank, 0) + 0.5::real * coalesce(s.similarity, 0))::real
      FROM by_text t FULL JOIN by_title s ON s.id = t.id;
END $$;
REVOKE ALL ON FUNCTION private.search_published_courses(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.search_published_courses(text, integer) TO anon, authenticated;
