-- Audit columns on every public table so far, set by private.set_audit_columns() (0001).
-- A table added later needs its own <table>_audit trigger; the schema coverage test insists.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'r' LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON public.%I FOR EACH ROW EXECUTE FUNCTION private.set_audit_columns()',
                   t || '_audit', t);
  END LOOP;
END $$;
