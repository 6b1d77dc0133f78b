//! One-time state shared by every instance through the store: the AuthnRequests we sent and the
//! assertions already used.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{saml_replay, saml_requests};
use crate::db::{DbConnection, is_unique_violation};
use crate::directory::{Result, clock};

/// How long a person may take at Entra's sign-in page (MFA included).
pub const REQUEST_LIFETIME: Duration = Duration::minutes(15);

/// `browser_hash` is the digest of the browser's sign-in cookie: only that browser may bring
/// the answer back.
pub fn remember_request(
    conn: &mut DbConnection,
    account_id: &str,
    request_id: &str,
    relay_state: Option<&str>,
    browser_hash: &str,
) -> Result<()> {
    let now = clock::now();
    diesel::insert_into(saml_requests::table)
        .values((
            saml_requests::id.eq(request_id),
            saml_requests::account_id.eq(account_id),
            saml_requests::relay_state.eq(relay_state),
            saml_requests::browser_hash.eq(browser_hash),
            saml_requests::created_at.eq(now),
            saml_requests::expires_at.eq(now + REQUEST_LIFETIME),
        ))
        .execute(conn)?;
    Ok(())
}

/// A pending request, taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub relay_state: Option<String>,
    pub browser_hash: Option<String>,
}

/// Takes a pending request of this account, once: `None` if it is unknown, another account's,
/// used, or expired.
pub fn take_request(
    conn: &mut DbConnection,
    account_id: &str,
    request_id: &str,
) -> Result<Option<Taken>> {
    let mine = saml_requests::table
        .filter(saml_requests::id.eq(request_id))
        .filter(saml_requests::account_id.eq(account_id))
        .filter(saml_requests::expires_at.gt(clock::now()));
    let found: Option<(Option<String>, Option<String>)> = mine
        .select((saml_requests::relay_state, saml_requests::browser_hash))
        .first(conn)
        .optional()?;
    // The delete decides between two instances racing for the same request.
    let taken = diesel::delete(mine).execute(conn)?;
    Ok(found
        .filter(|_| taken == 1)
        .map(|(relay_state, browser_hash)| Taken {
            relay_state,
            browser_hash,
        }))
}

/// Whether an assertion id was already used in this account (a read: `first_use` decides).
pub fn used(conn: &mut DbConnection, account_id: &str, assertion_id: &str) -> Result<bool> {
    let found: Option<String> = saml_replay::table
        .filter(saml_replay::account_id.eq(account_id))
        .filter(saml_replay::assertion_id.eq(assertion_id))
        .select(saml_replay::assertion_id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Records an assertion id; false if it was already there (a replay).
pub fn first_use(
    conn: &mut DbConnection,
    account_id: &str,
    assertion_id: &str,
    expires_at: NaiveDateTime,
) -> Result<bool> {
    let inserted = diesel::insert_into(saml_replay::table)
        .values((
            saml_replay::account_id.eq(account_id),
            saml_replay::assertion_id.eq(assertion_id),
            saml_replay::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
