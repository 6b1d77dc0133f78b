-- Local passwords: one-time setup/reset links (stored hashed), failed sign-in counters with
-- lockouts (in the store, so they hold across instances), and an outbox for mail.

CREATE TABLE password_links (
    id_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    employee_id TEXT NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX password_links_employee ON password_links (employee_id);

CREATE TABLE login_failures (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    login_key TEXT NOT NULL,
    failures INTEGER NOT NULL,
    lockouts INTEGER NOT NULL,
    locked_until TIMESTAMP,
    last_failure_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, login_key)
);

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
