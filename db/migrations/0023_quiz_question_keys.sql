-- Quiz question keys checked by the database (issue 6). The API (contracts/quizzes.ts,
-- questionInputSchema) refuses an incomplete answer key; until now a row written directly (a
-- script, a seed, SQL by an owner — owners may insert questions under RLS) could store a question
-- nobody can answer right, which then grades every answer `incorrect`. This constraint trigger
-- holds every live question to the key rules the API enforces:
--
--   multiple_choice  options is an array of objects {id: non-empty string, text: string,
--                    is_correct: boolean} with unique ids, at least one correct, and exactly one
--                    correct unless allow_multiple;
--   true_false       options as above with exactly one correct (allow_multiple is already refused
--                    by 0020's CHECK quiz_questions_single_for_true_false);
--   short_answer     accepted_answers is an array of strings with at least one that is not blank;
--   code             programming_language is set (the judge needs it; tests may come later).
--
-- Decisions:
-- * A constraint trigger (AFTER, per row, DEFERRABLE INITIALLY IMMEDIATE), not CHECKs: the rules
--   look inside jsonb arrays, which CHECK expressions cannot do without subqueries. Deferrable, so
--   a transaction that rewrites a question in several statements may check it once at COMMIT
--   (SET CONSTRAINTS quiz_questions_key_complete DEFERRED).
-- * Soft-deleted questions (deleted_at set) are not checked: past attempts keep pointing at them
--   and trashing one must always work.
-- * Existing rows are not re-validated by this migration (a deployment with an old incomplete row
--   keeps starting); such a row is checked at its next insert or update of a key column.
-- * The check reads the row as it is when the check runs (not the NEW of the event): a deferred
--   check of an INSERT would otherwise judge the row as first inserted, before the statement that
--   completed it. Hence SECURITY DEFINER (owner's RLS aside, the row is always visible to it); it
--   only reads the one row it is checking. A row deleted meanwhile needs no check.
-- * Violations raise SQLSTATE 23514 (check_violation) naming the rule, like a CHECK would.
-- * The API's limits on counts and lengths (2–20 options, 50 accepted answers…) stay in the API:
--   they are editor comfort, not what makes a question answerable.

CREATE FUNCTION private.quiz_question_key_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_problem text;
  v_row public.quiz_questions%ROWTYPE;
  v_options jsonb;
  v_correct integer;
BEGIN
  SELECT * INTO v_row FROM public.quiz_questions WHERE id = NEW.id;
  IF NOT FOUND OR v_row.deleted_at IS NOT NULL THEN
    RETURN NULL;
  END IF;
  v_options := v_row.options;

  IF v_row.question_type IN ('multiple_choice', 'true_false') THEN
    IF v_options IS NULL OR jsonb_typeof(v_options) <> 'array' OR jsonb_array_length(v_options) = 0 THEN
      v_problem := 'a choice question needs options';
    ELSIF EXISTS (
      SELECT 1 FROM jsonb_array_elements(v_options) o
       WHERE jsonb_typeof(o) <> 'object'
          OR coalesce(jsonb_typeof(o -> 'id'), '') <> 'string' OR o ->> 'id' = ''
          OR coalesce(jsonb_typeof(o -> 'text'), '') <> 'string'
          OR coalesce(jsonb_typeof(o -> 'is_correct'), '') <> 'boolean'
    ) THEN
      v_problem := 'each option needs a non-empty string id, a text and a boolean is_correct';
    ELSIF (SELECT count(DISTINCT o ->> 'id') FROM jsonb_array_elements(v_options) o)
          <> jsonb_array_length(v_options) THEN
      v_problem := 'option ids must be unique';
    ELSE
      SELECT count(*) INTO v_correct FROM jsonb_array_elements(v_options) o WHERE (o ->> 'is_correct')::boolean;
      IF v_correct = 0 THEN
        v_problem := 'mark at least one option correct';
      ELSIF v_correct > 1 AND (v_row.question_type = 'true_false' OR NOT v_row.allow_multiple) THEN
        v_problem := 'exactly one option may be correct (set allow_multiple for several)';
      END IF;
    END IF;
  ELSIF v_row.question_type = 'short_answer' THEN
    IF v_row.accepted_answers IS NULL OR jsonb_typeof(v_row.accepted_answers) <> 'array'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(v_row.accepted_answers) a WHERE jsonb_typeof(a) <> 'string')
       OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text(v_row.accepted_answers) a WHERE btrim(a) <> '') THEN
      v_problem := 'a short answer question needs at least one accepted answer (an array of strings)';
    END IF;
  ELSIF v_row.question_type = 'code' THEN
    IF v_row.programming_language IS NULL THEN
      v_problem := 'a code question needs a programming_language';
    END IF;
  END IF;

  IF v_problem IS NOT NULL THEN
    RAISE EXCEPTION 'quiz question % has an incomplete answer key: %', v_row.id, v_problem
      USING ERRCODE = '23514', CONSTRAINT = 'quiz_questions_key_complete';
  END IF;
  RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION private.quiz_question_key_check() FROM PUBLIC;

CREATE CONSTRAINT TRIGGER quiz_questions_key_complete
  AFTER INSERT OR UPDATE OF question_type, options, allow_multiple, accepted_answers, programming_language, deleted_at
  ON public.quiz_questions
  DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION private.quiz_question_key_check();
