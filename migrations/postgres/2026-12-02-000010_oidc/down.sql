DROP TABLE oidc_tokens;
DROP TABLE oidc_codes;
DROP TABLE oidc_grants;
DROP TABLE oidc_keys;
DROP TABLE oidc_client_use;
DROP TABLE oidc_clients;
DROP INDEX sessions_sid;
ALTER TABLE sessions DROP COLUMN method;
ALTER TABLE sessions DROP COLUMN sid;
