DROP INDEX login_journal_collapse;
ALTER TABLE login_journal DROP COLUMN collapse_key;
ALTER TABLE login_journal DROP COLUMN repeats;
ALTER TABLE mail_outbox DROP COLUMN redacted;
