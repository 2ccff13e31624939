-- Quiz and code lessons complete when the learner passes them (the quiz engine's and the judge's
-- SECURITY DEFINER functions write that completion), never because a learner says so: without
-- this, `PUT /api/lessons/<id>/progress {completed: true}` — or a learner's own write to
-- lesson_progress, which RLS allows — would skip the quiz. Runs after lesson_progress_prepare
-- (BEFORE triggers fire in name order) so its decision is the last word.
CREATE FUNCTION private.keep_assessed_lessons_incomplete() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF private.is_request_role()
     AND NEW.status = 'completed'
     AND (TG_OP = 'INSERT' OR OLD.status <> 'completed')
     AND EXISTS (SELECT 1 FROM public.course_lessons l
                  WHERE l.id = NEW.lesson_id AND l.content_type IN ('quiz', 'code')) THEN
    NEW.status := 'in_progress';
    NEW.completed_at := NULL;
  END IF;
  RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION private.keep_assessed_lessons_incomplete() FROM PUBLIC;
CREATE TRIGGER lesson_progress_prepare_assessed BEFORE INSERT OR UPDATE ON public.lesson_progress
  FOR EACH ROW EXECUTE FUNCTION private.keep_assessed_lessons_incomplete();
