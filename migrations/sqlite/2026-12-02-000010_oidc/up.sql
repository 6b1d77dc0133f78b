-- Gatehouse as OpenID Provider of the HR application: relying parties (installation-wide), the
-- keys that sign ID tokens (only in the store, so every instance signs and verifies alike),
-- one-time authorization codes, grants and their opaque tokens (only hashes stored).

-- A session says how and when the person signed in, under a public id (`sid`).
ALTER TABLE sessions ADD COLUMN sid TEXT;
ALTER TABLE sessions ADD COLUMN method TEXT;
CREATE UNIQUE INDEX sessions_sid ON sessions (sid);

CREATE TABLE oidc_clients (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    -- JSON arrays of exact URIs.
    redirect_uris TEXT NOT NULL,
    post_logout_uris TEXT NOT NULL,
    backchannel_logout_uri TEXT,
    -- JSON array of account ids the client may sign in; NULL means every account.
    accounts TEXT,
    secret_hash TEXT,
    -- The secret before the last rotation keeps working until this instant.
    previous_secret_hash TEXT,
    previous_secret_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Which applications sign an account's people in, and when each last did.
CREATE TABLE oidc_client_use (
    client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    last_used_at TIMESTAMP NOT NULL,
    PRIMARY KEY (client_id, account_id)
);

CREATE TABLE oidc_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    private_pem TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Set when a newer key took over: the key stays in the JWKS until every token it signed
    -- has expired, then goes.
    retired_at TIMESTAMP
);

-- A grant: one sign-in handed to one client; every token it issued hangs on it.
CREATE TABLE oidc_grants (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    sid TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    auth_time TIMESTAMP NOT NULL,
    method TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX oidc_grants_employee ON oidc_grants (employee_id);
CREATE INDEX oidc_grants_sid ON oidc_grants (sid);

CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    grant_id TEXT NOT NULL REFERENCES oidc_grants(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);

CREATE TABLE oidc_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    grant_id TEXT NOT NULL REFERENCES oidc_grants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    -- A refresh token is used once: the next use is a replay and ends the grant.
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_tokens_grant ON oidc_tokens (grant_id);
CREATE INDEX oidc_tokens_expiry ON oidc_tokens (expires_at);

-- OpenID Connect Back-Channel Logout 1.0: a logout token for every client that registered a
-- back-channel URI, queued when a grant ends and delivered with retries by whichever instance
-- claims the row first.
CREATE TABLE oidc_logout_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    sid TEXT NOT NULL,
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX oidc_logout_due ON oidc_logout_deliveries (status, next_attempt_at);
CREATE INDEX oidc_logout_account ON oidc_logout_deliveries (account_id, created_at);
