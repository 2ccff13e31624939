-- Certificates (issue 5): issued by the database when an enrolment completes, verified by anyone
-- through an unguessable public id, revoked by admins. The table itself is 0004's; its read
-- policies (own; admin) are 0010's and stay as they are. Writes remain system-only: issuing is a
-- trigger, revoking a SECURITY DEFINER function that checks the caller is an admin.
--
-- Triggers added in this file:
--   enrollments AFTER INSERT (enrollments_issue_certificate_insert) WHEN the row is completed
--   enrollments AFTER UPDATE OF is_completed (enrollments_issue_certificate) WHEN it becomes completed
--       -> private.issue_certificate(enrolment): one certificate per enrolment and per learner+course,
--          in the same transaction as the completion, only for courses with has_certificate
--
-- Decisions:
-- * The public id is certificates.verification_code (0004): 26 characters of RFC 4648 base32
--   (A–Z, 2–7), 130 random bits taken from gen_random_uuid() (a strong random source in PostgreSQL
--   and PGlite), skipping the UUIDs' fixed version/variant bits. Upper case, URL-safe, and read
--   case-insensitively (lookups upper() what they are given).
-- * The certificate keeps what it certified at issue time: the holder's display name (else full
--   name — never the email), the course title and the instructor's name. Renaming later does not
--   rewrite an issued certificate.
-- * Idempotent: UNIQUE (enrollment_id) (0004) and UNIQUE (user_id, course_id) (here) with
--   ON CONFLICT DO NOTHING. Completion is sticky (0009), and a revoked certificate is never replaced
--   by a re-completion. Concurrent completions of one enrolment serialise on its row lock
--   (refresh_enrollment_progress) and, failing that, on the unique indexes.
-- * A course that gains has_certificate later does not issue certificates retroactively; the
--   backfill at the end of this file covers enrolments completed before this migration.
-- * The PDF is rendered on request by the API (server/modules/certificates); pdf_url stays null.
-- * Revocation keeps the first revocation's date, reason and admin (revoking again changes nothing).

---------------------------------------------------------------------------------------------------
-- Columns and constraints
---------------------------------------------------------------------------------------------------
ALTER TABLE public.certificates
  ADD COLUMN instructor_name text,
  ADD COLUMN revoked_by uuid REFERENCES public.profiles(id) ON DELETE SET NULL;
COMMENT ON COLUMN public.certificates.verification_code IS
  'The public id: 26 base32 characters, 130 random bits (private.new_certificate_code).';
COMMENT ON COLUMN public.certificates.holder_name IS
  'The holder''s display name at issue time (never the email).';

-- 0004 required a reason with every revocation; the reason is optional.
ALTER TABLE public.certificates DROP CONSTRAINT certificates_check;
ALTER TABLE public.certificates
  ADD CONSTRAINT certificates_revocation_check
    CHECK (revoked_at IS NOT NULL OR (revoked_reason IS NULL AND revoked_by IS NULL)),
  ADD CONSTRAINT certificates_revoked_reason_length CHECK (length(revoked_reason) <= 1000),
  ADD CONSTRAINT certificates_user_course_key UNIQUE (user_id, course_id);

---------------------------------------------------------------------------------------------------
-- Issuing
---------------------------------------------------------------------------------------------------
-- A new public id. A v4 UUID has 122 random bits: byte 6 holds the version and byte 8 the variant
-- in their high bits. The low five bits of every other byte are random, and of byte 8 too, so two
-- UUIDs give 30 random 5-bit digits; 26 of them make 130 bits.
CREATE FUNCTION private.new_certificate_code() RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_bytes bytea := uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid());
  v_alphabet constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  v_code text := '';
  i int;
BEGIN
  FOR i IN 0 .. 31 LOOP
    CONTINUE WHEN i IN (6, 22);
    v_code := v_code || substr(v_alphabet, (get_byte(v_bytes, i) & 31) + 1, 1);
    EXIT WHEN length(v_code) = 26;
  END LOOP;
  RETURN v_code;
END $$;

-- Issues the certificate of a completed enrolment in a course with has_certificate, once.
-- Marks the enrolment (certificate_issued, certificate_id = public id, certificate_url = its
-- verification path) when it issues one.
CREATE FUNCTION private.issue_certificate(p_enrollment_id uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_code text;
BEGIN
  INSERT INTO public.certificates
         (user_id, course_id, enrollment_id, verification_code, holder_name, course_title, instructor_name)
  SELECT e.user_id, e.course_id, e.id, private.new_certificate_code(),
         coalesce(nullif(btrim(p.display_name), ''), nullif(btrim(p.full_name), ''), 'Learner'),
         c.title, nullif(btrim(c.instructor_name), '')
    FROM public.enrollments e
    JOIN public.courses c ON c.id = e.course_id
    JOIN public.profiles p ON p.id = e.user_id
   WHERE e.id = p_enrollment_id AND e.is_completed AND c.has_certificate
  ON CONFLICT DO NOTHING
  RETURNING verification_code INTO v_code;
  IF v_code IS NOT NULL THEN
    UPDATE public.enrollments
       SET certificate_issued = true, certificate_id = v_code, certificate_url = '/verify/' || v_code
     WHERE id = p_enrollment_id;
  END IF;
END $$;

CREATE FUNCTION private.on_enrollment_completed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM private.issue_certificate(NEW.id);
  RETURN NULL;
END $$;
-- refresh_enrollment_progress sets is_completed on every recount: fire only on the change.
CREATE TRIGGER enrollments_issue_certificate AFTER UPDATE OF is_completed ON public.enrollments
  FOR EACH ROW WHEN (NEW.is_completed AND NOT OLD.is_completed)
  EXECUTE FUNCTION private.on_enrollment_completed();
CREATE TRIGGER enrollments_issue_certificate_insert AFTER INSERT ON public.enrollments
  FOR EACH ROW WHEN (NEW.is_completed)
  EXECUTE FUNCTION private.on_enrollment_completed();

---------------------------------------------------------------------------------------------------
-- Public verification and revocation
---------------------------------------------------------------------------------------------------
-- Anyone (anon included) verifies a certificate by its public id: the holder's display name, the
-- course title, the issue date and whether (and when) it was revoked — nothing else. Replaces
-- 0010's version, which also echoed the code back.
DROP FUNCTION private.verify_certificate(text);
CREATE FUNCTION private.verify_certificate(p_public_id text)
RETURNS TABLE (holder_name text, course_title text, issued_at timestamptz, is_revoked boolean, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT c.holder_name, c.course_title, c.issued_at, c.revoked_at IS NOT NULL, c.revoked_at
    FROM public.certificates c
   WHERE c.verification_code = upper(btrim(p_public_id))
$$;

-- Revokes a certificate (admins only: 42501 otherwise). Idempotent: a revoked certificate keeps
-- its first revocation. Returns the revocation, or no row when there is no such certificate.
CREATE FUNCTION private.revoke_certificate(p_public_id text, p_reason text)
RETURNS TABLE (revoked_at timestamptz, revoked_reason text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  IF NOT private.is_admin() THEN
    RAISE EXCEPTION 'only administrators may revoke certificates' USING ERRCODE = '42501';
  END IF;
  UPDATE public.certificates c
     SET revoked_at = now(), revoked_reason = nullif(btrim(p_reason), ''), revoked_by = auth.uid()
   WHERE c.verification_code = upper(btrim(p_public_id)) AND c.revoked_at IS NULL;
  RETURN QUERY
    SELECT c.revoked_at, c.revoked_reason FROM public.certificates c
     WHERE c.verification_code = upper(btrim(p_public_id));
END $$;

REVOKE ALL ON FUNCTION private.new_certificate_code(), private.issue_certificate(uuid),
  private.on_enrollment_completed(), private.verify_certificate(text), private.revoke_certificate(text, text)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION private.verify_certificate(text) TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION private.revoke_certificate(text, text) TO authenticated, service_role;
-- System paths (importers, repairs) may issue directly; request roles only through completion.
GRANT EXECUTE ON FUNCTION private.new_certificate_code(), private.issue_certificate(uuid) TO service_role;

---------------------------------------------------------------------------------------------------
-- Backfill: enrolments completed before this migration
---------------------------------------------------------------------------------------------------
SELECT private.issue_certificate(e.id)
  FROM public.enrollments e JOIN public.courses c ON c.id = e.course_id
 WHERE e.is_completed AND c.has_certificate AND NOT EXISTS (
         SELECT 1 FROM public.certificates x WHERE x.enrollment_id = e.id
                                                OR (x.user_id = e.user_id AND x.course_id = e.course_id));
