DROP INDEX login_journal_collapse;
CREATE UNIQUE INDEX login_journal_collapse ON login_journal (account_id, collapse_key);
