-- Web hardening. Mail keeps no usable one-time link once it has left: a delivered (or printed and
-- marked) mail, and every mail in an export, has its body replaced and `redacted` set; a redacted
-- mail is never delivered. Mail already sent before this migration loses its body now.
ALTER TABLE mail_outbox ADD COLUMN redacted BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE mail_outbox
   SET body = '(removed once the mail was sent: it held a one-time link)', redacted = TRUE
 WHERE sent_at IS NOT NULL;

-- The login journal: identical refusals of unauthenticated posts within one minute share one row
-- (`collapse_key` names it, unique per account; NULL for rows that stand alone) and count in
-- `repeats`, so a flood costs rows per minute, not per request.
ALTER TABLE login_journal ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;
ALTER TABLE login_journal ADD COLUMN collapse_key TEXT;
CREATE UNIQUE INDEX login_journal_collapse ON login_journal (account_id, collapse_key);
