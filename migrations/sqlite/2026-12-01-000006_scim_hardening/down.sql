ALTER TABLE scim_tokens DROP COLUMN previous_until;
ALTER TABLE scim_tokens DROP COLUMN previous_hash;
ALTER TABLE accounts DROP COLUMN time_zone;
ALTER TABLE employees ADD COLUMN employment_day DATE;
UPDATE employees SET employment_day = substr(employment_date, 1, 10) WHERE employment_date IS NOT NULL;
ALTER TABLE employees DROP COLUMN employment_date;
ALTER TABLE employees RENAME COLUMN employment_day TO employment_date;
ALTER TABLE employees DROP COLUMN display_name;
