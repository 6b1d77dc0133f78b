-- Sign-in hardening: an SP-initiated request belongs to the browser that started it (login CSRF),
-- and a session knows its browser, so a new sign-in there replaces it even when it arrives as
-- Entra's cross-site POST, which carries no SameSite=Lax session cookie.
ALTER TABLE saml_requests ADD COLUMN browser_hash TEXT;
ALTER TABLE sessions ADD COLUMN browser_hash TEXT;
CREATE INDEX sessions_browser ON sessions (browser_hash);
-- An admin may make employeeNumber the matching attribute in Entra: answer it from an index.
CREATE INDEX employees_employee_number ON employees (account_id, employee_number);
