-- Only refusals, which collapse, are in the collapse-key index: a success has no key, and a
-- sign-in then writes one index entry fewer.
DROP INDEX login_journal_collapse;
CREATE UNIQUE INDEX login_journal_collapse ON login_journal (account_id, collapse_key)
    WHERE collapse_key IS NOT NULL;
