ALTER TABLE scim_tokens DROP COLUMN previous_until;
ALTER TABLE scim_tokens DROP COLUMN previous_hash;
ALTER TABLE accounts DROP COLUMN time_zone;
ALTER TABLE employees ALTER COLUMN employment_date TYPE DATE USING employment_date::date;
ALTER TABLE employees DROP COLUMN display_name;
