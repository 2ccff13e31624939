-- The mail outbox: every email the product sends, as rendered (subject, HTML and plain text).
-- It is the embedded default's delivery (admins read it on the mailbox page) and, with SMTP_URL
-- set, the record of what SMTP was asked to deliver and how that went.
--
-- Written only by the system (server/platform/mail, through db.asSystem): sending mail is a side
-- effect of a system path, never a row a request writes. Jobs are at-least-once, so every message
-- carries an idempotency key backed by the UNIQUE constraint below: a second send with the same
-- key finds the row instead of sending again.
--
-- SECRETS: bodies carry confirmation, email-change and password-reset links, each of which is a
-- credential for someone's account. Only admins read this table (it is the admin mailbox), and
-- only whole rows: no projection exposes it to anyone else, and request roles write nothing.
--
-- `template` is checked for its form, not against a list: templates are code (the registry in
-- server/platform/mail/templates.ts) and grow with features, while rows of retired templates stay.

CREATE TABLE public.mail_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  to_address text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 320 AND to_address ~ '^[^@\s]+@[^@\s]+$'),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 998 AND subject !~ '[\r\n]'),
  html_body text NOT NULL,
  text_body text NOT NULL,
  template text NOT NULL CHECK (template ~ '^[a-z][a-z0-9_]{0,62}$'),
  idempotency_key text NOT NULL UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Why the last delivery failed, without credentials (the mailer strips them).
  last_error text CHECK (length(last_error) <= 2000),
  sent_at timestamptz,
  -- How it was (or is to be) delivered: stored only ('outbox') or stored and sent by SMTP.
  transport text NOT NULL CHECK (transport IN ('outbox', 'smtp')),
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(metadata) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid,
  CONSTRAINT mail_outbox_sent_has_time CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
  CONSTRAINT mail_outbox_failed_has_error CHECK (status <> 'failed' OR last_error IS NOT NULL)
);
-- The mailbox pages newest first, for everyone or for one recipient (matched case-insensitively).
CREATE INDEX idx_mail_outbox_created ON mail_outbox (created_at DESC, id DESC);
CREATE INDEX idx_mail_outbox_to ON mail_outbox (lower(to_address), created_at DESC, id DESC);

CREATE TRIGGER mail_outbox_audit BEFORE INSERT OR UPDATE ON public.mail_outbox
  FOR EACH ROW EXECUTE FUNCTION private.set_audit_columns();

-- Grants: admins read through RLS; nobody but the system (service_role) writes. A Supabase
-- project grants new tables to every role by default, hence the REVOKE first.
ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON mail_outbox FROM anon, authenticated, service_role;
GRANT SELECT ON mail_outbox TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON mail_outbox TO service_role;
CREATE POLICY mail_outbox_select_admin ON mail_outbox FOR SELECT TO authenticated
  USING ((SELECT private.is_admin()));
