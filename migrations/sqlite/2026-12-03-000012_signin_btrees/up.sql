-- Every b-tree a sign-in's commit touches is one more page in the WAL. The replay cache is all
-- key: without a rowid it is one b-tree instead of a table and its key index (nothing
-- references it). Only refusals, which collapse, are in the collapse-key index: a success has
-- no key. (sessions and login_journal keep their rowids: as WITHOUT ROWID tables their wide
-- rows split pages more often and every index carries the long key; measured, no fewer pages
-- per sign-in and more per checkpoint.)

CREATE TABLE saml_replay_new (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    assertion_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, assertion_id)
) WITHOUT ROWID;
INSERT INTO saml_replay_new (account_id, assertion_id, expires_at)
    SELECT account_id, assertion_id, expires_at FROM saml_replay;
DROP TABLE saml_replay;
ALTER TABLE saml_replay_new RENAME TO saml_replay;

DROP INDEX login_journal_collapse;
CREATE UNIQUE INDEX login_journal_collapse ON login_journal (account_id, collapse_key)
    WHERE collapse_key IS NOT NULL;
