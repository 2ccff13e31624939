-- private.check_timezone (0002) scanned pg_timezone_names, which reads the whole time-zone database
-- from disk: ~70 ms on every sign-up and every profile save that names the time zone. The names are
-- now copied into a table once; a name missing from it (a zone added by a newer PostgreSQL) still
-- falls back to the full scan, so the check never refuses a zone PostgreSQL knows. SECURITY DEFINER:
-- the table is private; the function only answers whether a name exists.
CREATE TABLE private.timezone_names (name text PRIMARY KEY);
INSERT INTO private.timezone_names SELECT DISTINCT name FROM pg_catalog.pg_timezone_names;
ALTER TABLE private.timezone_names ENABLE ROW LEVEL SECURITY;

CREATE OR REPLACE FUNCTION private.check_timezone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.timezone IS NOT DISTINCT FROM OLD.timezone THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM private.timezone_names WHERE name = NEW.timezone)
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = NEW.timezone) THEN
    RAISE EXCEPTION 'unknown time zone "%"', NEW.timezone USING ERRCODE = '22023', HINT = 'Use an IANA name such as Europe/Paris.';
  END IF;
  RETURN NEW;
END $$;
