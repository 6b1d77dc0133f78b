//! Browser sessions, stored hashed in the database so that any instance can serve them and a
//! deactivation ends them everywhere at once.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::tokens;
use crate::db::DbConnection;
use crate::db::schema::{accounts, employees, sessions};
use crate::directory::{Result, clock};

/// How long a sign-in lasts.
pub const LIFETIME: Duration = Duration::hours(8);

/// Starts a session; returns the secret for the cookie (only its hash is stored).
pub fn create(conn: &mut DbConnection, account_id: &str, employee_id: &str) -> Result<String> {
    let secret = tokens::new_secret();
    let now = clock::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(tokens::digest(&secret)),
            sessions::account_id.eq(account_id),
            sessions::employee_id.eq(employee_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + LIFETIME),
        ))
        .execute(conn)?;
    Ok(secret)
}

pub fn revoke(conn: &mut DbConnection, secret: &str) -> Result<()> {
    diesel::delete(sessions::table.find(tokens::digest(secret))).execute(conn)?;
    Ok(())
}

/// The signed-in person, as `GET /api/me` shows them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SignedIn {
    pub account: String,
    pub account_id: String,
    pub user_id: String,
    pub user_name: String,
    pub email: String,
    pub display_name: String,
}

/// The person behind a session secret, if the session is current and the person may still sign
/// in (active, not released).
pub fn find(conn: &mut DbConnection, secret: &str) -> Result<Option<SignedIn>> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
    );
    let row: Option<Row> = sessions::table
        .inner_join(employees::table.on(employees::id.eq(sessions::employee_id)))
        .inner_join(accounts::table.on(accounts::id.eq(sessions::account_id)))
        .filter(sessions::id_hash.eq(tokens::digest(secret)))
        .filter(employees::active.eq(true))
        .filter(employees::released_at.is_null())
        .select((
            accounts::slug,
            accounts::id,
            employees::id,
            employees::user_name,
            employees::email,
            employees::given_name,
            employees::family_name,
            sessions::expires_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.filter(|r| r.7 > clock::now()).map(
        |(account, account_id, user_id, user_name, email, given, family, _)| {
            let display_name = match format!("{given} {family}").trim() {
                "" => user_name.clone(),
                name => name.to_owned(),
            };
            SignedIn {
                account,
                account_id,
                user_id,
                user_name,
                email,
                display_name,
            }
        },
    ))
}
