CREATE TABLE saml_replay_new (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    assertion_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, assertion_id)
);
INSERT INTO saml_replay_new (account_id, assertion_id, expires_at)
    SELECT account_id, assertion_id, expires_at FROM saml_replay;
DROP TABLE saml_replay;
ALTER TABLE saml_replay_new RENAME TO saml_replay;

DROP INDEX login_journal_collapse;
CREATE UNIQUE INDEX login_journal_collapse ON login_journal (account_id, collapse_key);
