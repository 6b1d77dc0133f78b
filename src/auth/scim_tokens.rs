//! Per-account SCIM bearer tokens. The token names its account (`ghs_<account>_<secret>`); only
//! the SHA-256 of the secret is stored and it is compared in constant time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::tokens;
use crate::db::DbConnection;
use crate::db::schema::scim_tokens;
use crate::directory::{Result, clock};

const PREFIX: &str = "ghs_";

/// Makes a new token for the account; the previous one stops working at once.
pub fn issue(conn: &mut DbConnection, account_id: &str) -> Result<String> {
    let secret = tokens::new_secret();
    let account = uuid::Uuid::parse_str(account_id).map_err(|_| {
        crate::directory::DirectoryError::invalid("account", "account ids are UUIDs")
    })?;
    diesel::delete(scim_tokens::table.find(account_id)).execute(conn)?;
    diesel::insert_into(scim_tokens::table)
        .values((
            scim_tokens::account_id.eq(account_id),
            scim_tokens::token_hash.eq(tokens::digest(&secret)),
            scim_tokens::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(format!("{PREFIX}{}_{secret}", account.simple()))
}

/// Ends provisioning for the account until a new token is issued (e.g. while moving tenant).
pub fn revoke(conn: &mut DbConnection, account_id: &str) -> Result<bool> {
    Ok(diesel::delete(scim_tokens::table.find(account_id)).execute(conn)? > 0)
}

/// When the account's current token was issued, if it has one.
pub fn issued_at(conn: &mut DbConnection, account_id: &str) -> Result<Option<NaiveDateTime>> {
    Ok(scim_tokens::table
        .find(account_id)
        .select(scim_tokens::created_at)
        .first(conn)
        .optional()?)
}

/// The account a presented token belongs to, if the token is current.
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
    let stored: Option<String> = scim_tokens::table
        .find(&account_id)
        .select(scim_tokens::token_hash)
        .first(conn)
        .optional()?;
    let presented = tokens::digest(secret);
    Ok(stored
        .filter(|stored| {
            stored.len() == presented.len()
                && openssl::memcmp::eq(stored.as_bytes(), presented.as_bytes())
        })
        .map(|_| account_id))
}
