-- Admin console: an idle timeout for sessions, and the account-level audit trail (settings,
-- certificates, tokens), beside the per-person history that employee changes already write.

ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;

CREATE TABLE account_audit (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX account_audit_account_at ON account_audit (account_id, at);
