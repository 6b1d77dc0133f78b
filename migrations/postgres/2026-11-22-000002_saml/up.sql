-- SAML single sign-on: the IdP certificates an account trusts, pending AuthnRequests (one-time),
-- the assertion replay cache, Entra object ids pinned per tenant, and the login journal.
-- All of it in the store so that every instance sees the same state.

CREATE TABLE idp_certificates (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    der_base64 TEXT NOT NULL,
    subject TEXT NOT NULL,
    sha1_thumbprint TEXT NOT NULL,
    sha256_thumbprint TEXT NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX idp_certificates_thumbprint ON idp_certificates (account_id, sha256_thumbprint);

CREATE TABLE saml_requests (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    relay_state TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE saml_replay (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    assertion_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, assertion_id)
);

CREATE TABLE entra_pins (
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    idp_entity_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    pinned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (employee_id, idp_entity_id)
);

CREATE TABLE login_journal (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    method TEXT NOT NULL,
    flow TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    hint TEXT NOT NULL,
    name_id TEXT,
    assertion_id TEXT,
    request_id TEXT,
    employee_id TEXT
);
CREATE INDEX login_journal_account ON login_journal (account_id, at);
CREATE INDEX login_journal_employee ON login_journal (employee_id, at);
