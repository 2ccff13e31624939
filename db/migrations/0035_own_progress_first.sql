-- lesson_progress: a learner reading their own rows (the course page's completed lessons, the
-- player's progress) paid private.can_manage_course() for every row: PostgreSQL ORs the permissive
-- policies with lesson_progress_select_owner first (EXPLAIN: `Filter: (can_manage_course(course_id)
-- OR (user_id = $0))`), and OR stops only at the first true argument. The owner policy now tests the
-- cheap own-row condition first. The rows it admits do not change: own rows are visible through
-- lesson_progress_select_own anyway.
ALTER POLICY lesson_progress_select_owner ON lesson_progress
  USING (user_id = (SELECT auth.uid()) OR private.can_manage_course(course_id));
