-- Directory API for the HR application: the change feed (events numbered per account in commit
-- order), webhook subscriptions and their deliveries, account alerts raised once, and the access
-- tokens of the client_credentials grant (only hashes stored).

-- The account's commit sequence: a write transaction that recorded events takes the next numbers
-- here just before it commits, holding this row until then, so numbers follow commit order.
CREATE TABLE event_sequences (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    last_seq BIGINT NOT NULL,
    -- Events up to this number have been purged: a cursor before it has to start over.
    purged_through BIGINT NOT NULL
);

CREATE TABLE account_events (
    id BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- NULL until the transaction that recorded the event commits (see event_sequences).
    seq BIGINT,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    -- JSON object.
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX account_events_event_id ON account_events (event_id);
CREATE UNIQUE INDEX account_events_seq ON account_events (account_id, seq);
CREATE INDEX account_events_unsequenced ON account_events (id) WHERE seq IS NULL;
CREATE INDEX account_events_occurred ON account_events (occurred_at);

-- One webhook endpoint of one client for one account. Deliveries follow the account's feed:
-- delivered_seq is the last event the endpoint acknowledged.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- The signing secret (whsec_...): a key the sender needs, kept only in the store.
    secret TEXT NOT NULL,
    delivered_seq BIGINT NOT NULL,
    -- The instance delivering holds the row until this instant.
    claimed_until TIMESTAMP,
    -- No attempt before this instant (back-off, Retry-After).
    retry_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX webhook_subscriptions_unique ON webhook_subscriptions (client_id, account_id, url);
CREATE INDEX webhook_subscriptions_account ON webhook_subscriptions (account_id);

-- The delivery log: one row per event per subscription once it has been attempted.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    -- delivering, delivered, failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    first_attempt_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP
);
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (subscription_id, seq);
CREATE INDEX webhook_deliveries_account ON webhook_deliveries (account_id, last_attempt_at);

-- An account alert (certificate.expiring at 60 days, sso.failing since an instant, ...) raised
-- once: the first instance to insert the key raises it.
CREATE TABLE account_alerts (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    alert_key TEXT NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, alert_key)
);

-- Access tokens of the client_credentials grant (the directory API).
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_expiry ON api_tokens (expires_at);

-- Keyset pages of the employee list, and its filters.
CREATE INDEX employees_account_page ON employees (account_id, id);
CREATE INDEX employees_account_updated ON employees (account_id, updated_at, id);
CREATE INDEX employees_account_department ON employees (account_id, department, id);
