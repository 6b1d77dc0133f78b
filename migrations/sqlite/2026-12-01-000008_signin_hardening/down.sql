DROP INDEX employees_employee_number;
DROP INDEX sessions_browser;
ALTER TABLE sessions DROP COLUMN browser_hash;
ALTER TABLE saml_requests DROP COLUMN browser_hash;
