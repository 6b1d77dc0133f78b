DROP TABLE account_audit;
ALTER TABLE sessions DROP COLUMN last_seen_at;
