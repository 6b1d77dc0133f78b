-- SCIM hardening (issue 11): the displayName Entra sends, the instant of employment (not just a
-- date), the account's time zone for showing dates, and the previous SCIM token's grace period.

ALTER TABLE employees ADD COLUMN display_name TEXT;

-- The employment date becomes the instant Entra sent; a stored date is midnight UTC (the zone
-- every account has until an admin picks another).
ALTER TABLE employees ALTER COLUMN employment_date TYPE TIMESTAMP USING employment_date::timestamp;

ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

ALTER TABLE scim_tokens ADD COLUMN previous_hash TEXT;
ALTER TABLE scim_tokens ADD COLUMN previous_until TIMESTAMP;
