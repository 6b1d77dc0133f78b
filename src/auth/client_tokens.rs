//! Access tokens of the `client_credentials` grant: an application reading the directory API on
//! its own behalf, with no person behind the request. Opaque, short-lived, only their hashes
//! stored; the accounts a token reaches are the client's own at the time of each request.

use chrono::Duration;
use diesel::prelude::*;

use super::tokens;
use crate::db::DbConnection;
use crate::db::schema::{api_tokens as t, oidc_clients as c};
use crate::directory::{Result, clock};

pub const LIFETIME: Duration = Duration::minutes(10);

/// The one scope of the directory API.
pub const DIRECTORY_READ: &str = "directory.read";

/// The scopes a client may ask for with `client_credentials`.
pub const SCOPES: &[&str] = &[DIRECTORY_READ];

/// Issues a token for `client_id` with `scope` (already checked against `SCOPES`).
pub fn issue(conn: &mut DbConnection, client_id: &str, scope: &str) -> Result<String> {
    let token = tokens::new_secret()?;
    let now = clock::now();
    diesel::insert_into(t::table)
        .values((
            t::token_hash.eq(tokens::digest(&token)),
            t::client_id.eq(client_id),
            t::scope.eq(scope),
            t::expires_at.eq(now + LIFETIME),
            t::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Who presented a valid token, and what it may read.
#[derive(Debug, Clone)]
pub struct ClientAccess {
    pub client_id: String,
    scope: String,
    /// Account ids the client serves; `None` is every account.
    accounts: Option<Vec<String>>,
}

impl ClientAccess {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }

    pub fn serves(&self, account_id: &str) -> bool {
        self.accounts
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| id == account_id))
    }
}

/// The access a bearer token gives, if it is one of ours and has not expired.
pub fn verify(conn: &mut DbConnection, token: &str) -> Result<Option<ClientAccess>> {
    let row: Option<(String, String, Option<String>)> = t::table
        .inner_join(c::table)
        .filter(t::token_hash.eq(tokens::digest(token)))
        .filter(t::expires_at.gt(clock::now()))
        .select((t::client_id, t::scope, c::accounts))
        .first(conn)
        .optional()?;
    Ok(row.map(|(client_id, scope, accounts)| ClientAccess {
        client_id,
        scope,
        // An unreadable list reaches no account rather than every account.
        accounts: accounts.map(|json| serde_json::from_str(&json).unwrap_or_default()),
    }))
}
