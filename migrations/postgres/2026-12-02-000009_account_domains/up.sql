-- Identifier-first sign-in: the email domains whose people sign in with an account. A domain
-- belongs to one account in the whole installation; it is stored folded to lowercase by Rust
-- (`directory::account_domains`), so the primary key is the uniqueness rule.
CREATE TABLE account_domains (
    domain TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_domains_account ON account_domains (account_id);
