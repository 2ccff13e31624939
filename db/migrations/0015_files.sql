-- Uploaded files of courses (issue 4, the file storage module: server/modules/files,
-- server/platform/storage). A row describes one stored object; the bytes live in the configured
-- store (local disk under DATA_DIR/files, or an S3-compatible bucket).
--
-- Who sees what:
-- * The table itself: course managers only (owner instructor, admins). Nobody else reads it.
-- * Reading a file's bytes goes through private.readable_file(id), which returns the file's
--   metadata to a caller allowed to read it and nothing otherwise (the API then answers 404):
--   - managers of the course: always (unpublished and deleted courses included);
--   - public purposes (course_thumbnail, course_preview_video): whoever may read the course
--     (private.can_read_course: anyone for a published course, enrolled learners for an archived one);
--   - lesson materials (lesson_video, lesson_resource): only when a live lesson of the file's own
--     course uses the file, and then as private.lesson_content decides for that lesson — anyone for
--     a free-preview lesson of a published course, enrolled learners (private.can_study_course)
--     for any other lesson. A material no live lesson uses reaches managers only.
--   - a file of a deleted or unpublished course to nobody but managers; a deleted file to nobody.
-- * "A lesson uses a file" when the file's lesson_id names the lesson, or when the lesson's
--   video_url, or the url of one of its downloadable_resources, is exactly '/api/files/<file id>'.
--   Either link counts, so the lesson editor may simply paste the URL the upload answered with.
--
-- storage_key is a function of the id ('files/<id>'): keys never come from user-supplied names,
-- no row can point at another file's object, and the signed content route (which runs without a
-- session) finds the object from the id alone.

CREATE TABLE public.course_files (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
  -- The lesson the file was uploaded for, when known (see "a lesson uses a file" above).
  lesson_id uuid REFERENCES course_lessons(id) ON DELETE SET NULL,
  storage_key text NOT NULL UNIQUE CHECK (storage_key = 'files/' || id::text),
  -- The uploader's file name, sanitised (no path, no control characters): shown and used as the
  -- download name, never as a path.
  original_name text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 200
                                     AND original_name !~ '[\x01-\x1f\x7f/\\]'),
  -- Detected from the content at upload, not taken from the client.
  content_type text NOT NULL CHECK (content_type ~ '^[a-z]+/[a-z0-9.+-]+$'),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  purpose text NOT NULL CHECK (purpose IN ('course_thumbnail', 'course_preview_video', 'lesson_video', 'lesson_resource')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  deleted_at timestamptz -- soft delete; the object stays in the store
);
CREATE INDEX idx_course_files_course ON course_files (course_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_course_files_lesson ON course_files (lesson_id) WHERE lesson_id IS NOT NULL;

CREATE TRIGGER course_files_audit BEFORE INSERT OR UPDATE ON public.course_files
  FOR EACH ROW EXECUTE FUNCTION private.set_audit_columns();

-- A file's lesson is a lesson of the file's own course (else a manager of course A could attach a
-- file to a lesson of course B and have B's learners or visitors fetch it).
CREATE FUNCTION private.check_file_lesson() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NEW.lesson_id IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM public.course_lessons l WHERE l.id = NEW.lesson_id AND l.course_id = NEW.course_id) THEN
    RAISE EXCEPTION 'lesson % does not belong to course %', NEW.lesson_id, NEW.course_id USING ERRCODE = '23503';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER course_files_check_lesson BEFORE INSERT OR UPDATE OF lesson_id, course_id ON course_files
  FOR EACH ROW EXECUTE FUNCTION private.check_file_lesson();

---------------------------------------------------------------------------------------------------
-- Grants and policies: managers read and write their course's files. What a file is (key, type,
-- size, hash, purpose, course) is fixed at upload: only the name, the lesson link and deleted_at
-- change afterwards. A file never changes purpose (a lesson resource must not become a public
-- thumbnail); upload it again instead. Rows are never hard-deleted by request roles.
---------------------------------------------------------------------------------------------------
ALTER TABLE course_files ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON course_files FROM anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON course_files TO service_role;
GRANT SELECT ON course_files TO authenticated;
GRANT INSERT (id, course_id, lesson_id, storage_key, original_name, content_type, size_bytes, sha256, purpose)
  ON course_files TO authenticated;
GRANT UPDATE (original_name, lesson_id, deleted_at) ON course_files TO authenticated;
CREATE POLICY course_files_select_owner ON course_files FOR SELECT TO authenticated
  USING (private.can_manage_course(course_id));
CREATE POLICY course_files_insert_owner ON course_files FOR INSERT TO authenticated
  WITH CHECK (private.can_manage_course(course_id));
CREATE POLICY course_files_update_owner ON course_files FOR UPDATE TO authenticated
  USING (private.can_manage_course(course_id)) WITH CHECK (private.can_manage_course(course_id));

---------------------------------------------------------------------------------------------------
-- private.readable_file: the file's metadata when the caller may read its bytes (rules at the top),
-- else no row. The one way anyone but a manager learns anything about a file.
---------------------------------------------------------------------------------------------------
CREATE FUNCTION private.readable_file(p_file_id uuid)
RETURNS TABLE (id uuid, course_id uuid, storage_key text, original_name text, content_type text,
               size_bytes bigint, purpose text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY
    SELECT f.id, f.course_id, f.storage_key, f.original_name, f.content_type, f.size_bytes, f.purpose
      FROM public.course_files f
     WHERE f.id = p_file_id
       AND f.deleted_at IS NULL
       AND (private.can_manage_course(f.course_id)
         OR (CASE WHEN f.purpose IN ('course_thumbnail', 'course_preview_video')
                      THEN private.can_read_course(f.course_id)
                      ELSE EXISTS (
                        SELECT 1 FROM public.course_lessons l
                          JOIN public.course_sections s ON s.id = l.section_id
                          JOIN public.courses c ON c.id = l.course_id
                         WHERE l.course_id = f.course_id
                           AND (l.id = f.lesson_id
                             OR l.video_url = '/api/files/' || f.id::text
                             OR coalesce(l.downloadable_resources, '[]'::jsonb)
                                  @> jsonb_build_array(jsonb_build_object('url', '/api/files/' || f.id::text)))
                           AND l.deleted_at IS NULL AND s.deleted_at IS NULL AND c.deleted_at IS NULL
                           -- as private.lesson_content: previews of a published course for anyone,
                           -- everything else for learners who may study the course
                           AND ((l.is_preview AND c.status = 'published') OR private.can_study_course(c.id)))
                 END));
END $$;

REVOKE ALL ON FUNCTION private.check_file_lesson() FROM PUBLIC;
REVOKE ALL ON FUNCTION private.readable_file(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.readable_file(uuid) TO anon, authenticated, service_role;
