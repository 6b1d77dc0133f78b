-- SCIM hardening (issue 11): the displayName Entra sends, the instant of employment (not just a
-- date), the account's time zone for showing dates, and the previous SCIM token's grace period.

ALTER TABLE employees ADD COLUMN display_name TEXT;

-- The employment date becomes the instant Entra sent; a stored date is midnight UTC (the zone
-- every account has until an admin picks another).
ALTER TABLE employees ADD COLUMN employment_at TIMESTAMP;
UPDATE employees SET employment_at = employment_date || ' 00:00:00' WHERE employment_date IS NOT NULL;
ALTER TABLE employees DROP COLUMN employment_date;
ALTER TABLE employees RENAME COLUMN employment_at TO employment_date;

ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

ALTER TABLE scim_tokens ADD COLUMN previous_hash TEXT;
ALTER TABLE scim_tokens ADD COLUMN previous_until TIMESTAMP;
