//! Per-account SCIM bearer tokens. The token names its account (`ghs_<account>_<secret>`); only
//! the SHA-256 of the secret is stored and it is compared in constant time. A regenerated
//! token's predecessor keeps working for a grace period, so Entra gets no 401s (which lead to
//! quarantine) while an admin pastes the new secret; revoking ends both at once.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::tokens;
use crate::db::DbConnection;
use crate::db::schema::scim_tokens;
use crate::directory::history::Actor;
use crate::directory::{Result, audit, clock};

const PREFIX: &str = "ghs_";

/// How long the previous token keeps working after a regeneration, unless the new one is used
/// before.
pub const GRACE: Duration = Duration::hours(1);

/// Makes a new token for the account. The previous one keeps working for `GRACE` or until the
/// new one is first used, whichever comes first. Audited as `scim_token_issued`.
pub fn issue(conn: &mut DbConnection, account_id: &str, by: &Actor) -> Result<String> {
    issue_with_grace(conn, account_id, GRACE, by)
}

/// `issue` with another grace period (zero: the previous token stops at once).
pub fn issue_with_grace(
    conn: &mut DbConnection,
    account_id: &str,
    grace: Duration,
    by: &Actor,
) -> Result<String> {
    let secret = tokens::new_secret()?;
    let account = uuid::Uuid::parse_str(account_id).map_err(|_| {
        crate::directory::DirectoryError::invalid("account", "account ids are UUIDs")
    })?;
    let now = clock::now();
    let current: Option<String> = scim_tokens::table
        .find(account_id)
        .select(scim_tokens::token_hash)
        .first(conn)
        .optional()?;
    let detail = match (&current, grace > Duration::zero()) {
        (None, _) => "first token",
        (Some(_), true) => {
            "new token; the previous one works for an hour or until the new one is used"
        }
        (Some(_), false) => "new token; the previous one stopped working",
    };
    // Only the token in use now gets a grace period: one older than that ends here.
    let (previous_hash, previous_until) = match current {
        Some(hash) if grace > Duration::zero() => (Some(hash), Some(now + grace)),
        _ => (None, None),
    };
    diesel::delete(scim_tokens::table.find(account_id)).execute(conn)?;
    diesel::insert_into(scim_tokens::table)
        .values((
            scim_tokens::account_id.eq(account_id),
            scim_tokens::token_hash.eq(tokens::digest(&secret)),
            scim_tokens::created_at.eq(now),
            scim_tokens::previous_hash.eq(previous_hash),
            scim_tokens::previous_until.eq(previous_until),
        ))
        .execute(conn)?;
    audit::record(conn, account_id, by, "scim_token_issued", detail)?;
    Ok(format!("{PREFIX}{}_{secret}", account.simple()))
}

/// Until when the previous token still works, if it does.
pub fn previous_until(conn: &mut DbConnection, account_id: &str) -> Result<Option<NaiveDateTime>> {
    let until: Option<Option<NaiveDateTime>> = scim_tokens::table
        .find(account_id)
        .filter(scim_tokens::previous_hash.is_not_null())
        .select(scim_tokens::previous_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|until| *until > clock::now()))
}

/// Ends provisioning for the account until a new token is issued (e.g. while moving tenant).
/// Audited as `scim_token_revoked`. Says whether there was a token.
pub fn revoke(conn: &mut DbConnection, account_id: &str, by: &Actor) -> Result<bool> {
    let had = diesel::delete(scim_tokens::table.find(account_id)).execute(conn)? > 0;
    let detail = match had {
        true => "provisioning stopped",
        false => "there was no token",
    };
    audit::record(conn, account_id, by, "scim_token_revoked", detail)?;
    Ok(had)
}

/// When the account's current token was issued, if it has one.
pub fn issued_at(conn: &mut DbConnection, account_id: &str) -> Result<Option<NaiveDateTime>> {
    Ok(scim_tokens::table
        .find(account_id)
        .select(scim_tokens::created_at)
        .first(conn)
        .optional()?)
}

/// The account a presented token belongs to, if the token is current (or the previous one,
/// within its grace period). The first use of a new token ends the grace period: one small
/// write (a single statement), once per regeneration.
pub fn account_of(conn: &mut DbConnection, token: &str) -> Result<Option<String>> {
    let Some((account, secret)) = token
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    let Ok(account) = uuid::Uuid::parse_str(account) else {
        return Ok(None);
    };
    let account_id = account.hyphenated().to_string();
    let stored: Option<(String, Option<String>, Option<NaiveDateTime>)> = scim_tokens::table
        .find(&account_id)
        .select((
            scim_tokens::token_hash,
            scim_tokens::previous_hash,
            scim_tokens::previous_until,
        ))
        .first(conn)
        .optional()?;
    let Some((current, previous, until)) = stored else {
        return Ok(None);
    };
    let presented = tokens::digest(secret);
    let same = |stored: &str| tokens::same(stored, &presented);
    if same(&current) {
        if previous.is_some() {
            // Entra uses the new token: the old one has served its purpose. One write per
            // regeneration; a concurrent request that still holds the old token may pass once.
            diesel::update(scim_tokens::table.find(&account_id))
                .set((
                    scim_tokens::previous_hash.eq(None::<String>),
                    scim_tokens::previous_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        return Ok(Some(account_id));
    }
    let in_grace = until.is_some_and(|until| clock::now() < until);
    Ok((in_grace && previous.as_deref().is_some_and(same)).then_some(account_id))
}
