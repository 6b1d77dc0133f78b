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
    insert(conn, account_id, employee_id, None, None)
}

fn insert(
    conn: &mut DbConnection,
    account_id: &str,
    employee_id: &str,
    browser_hash: Option<String>,
    method: Option<Method>,
) -> Result<String> {
    let secret = tokens::new_secret()?;
    let now = clock::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(tokens::digest(&secret)),
            sessions::account_id.eq(account_id),
            sessions::employee_id.eq(employee_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(now + LIFETIME),
            sessions::last_seen_at.eq(Some(now)),
            // Time-ordered, so the unique sid index grows at its end.
            sessions::sid.eq(Some(uuid::Uuid::now_v7().to_string())),
            sessions::browser_hash.eq(browser_hash),
            sessions::method.eq(method.map(Method::as_str)),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// How a person signed in: the `amr` an application is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Through Entra ID.
    Saml,
    /// With a local password.
    Password,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Saml => "saml",
            Method::Password => "pwd",
        }
    }
}

/// Where a sign-in happens: the browser's `gatehouse_browser` value and the session cookie it
/// sent, if any (a cross-site POST such as Entra's carries only the former, over https).
#[derive(Debug, Clone, Default)]
pub struct InBrowser {
    pub browser: Option<String>,
    pub previous_session: Option<String>,
}

/// Starts a session that replaces every earlier one in the same browser. Returns the secret.
pub fn start(
    conn: &mut DbConnection,
    account_id: &str,
    employee_id: &str,
    here: &InBrowser,
    method: Method,
) -> Result<String> {
    if let Some(previous) = &here.previous_session {
        revoke(conn, previous)?;
    }
    let browser_hash = here.browser.as_deref().map(tokens::digest);
    if let Some(hash) = &browser_hash {
        diesel::delete(sessions::table.filter(sessions::browser_hash.eq(hash))).execute(conn)?;
    }
    insert(conn, account_id, employee_id, browser_hash, Some(method))
}

pub fn revoke(conn: &mut DbConnection, secret: &str) -> Result<()> {
    diesel::delete(sessions::table.find(tokens::digest(secret))).execute(conn)?;
    Ok(())
}

/// Ends a session unused for longer than `idle`, and otherwise marks it used now (at most one
/// write a minute per session). True while the session may go on.
pub fn touch(conn: &mut DbConnection, secret: &str, idle: Duration) -> Result<bool> {
    let hash = tokens::digest(secret);
    let seen: Option<(NaiveDateTime, Option<NaiveDateTime>)> = sessions::table
        .find(&hash)
        .select((sessions::created_at, sessions::last_seen_at))
        .first(conn)
        .optional()?;
    let Some((created, last_seen)) = seen else {
        return Ok(false);
    };
    let now = clock::now();
    let last_seen = last_seen.unwrap_or(created);
    if now - last_seen > idle {
        diesel::delete(sessions::table.find(&hash)).execute(conn)?;
        return Ok(false);
    }
    if now - last_seen > Duration::minutes(1) {
        diesel::update(sessions::table.find(&hash))
            .set(sessions::last_seen_at.eq(Some(now)))
            .execute(conn)?;
    }
    Ok(true)
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
    pub setup_admin: bool,
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
        bool,
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
            employees::is_setup_admin,
        ))
        .first(conn)
        .optional()?;
    Ok(row.filter(|r| r.7 > clock::now()).map(
        |(account, account_id, user_id, user_name, email, given, family, _, setup_admin)| {
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
                setup_admin,
            }
        },
    ))
}

/// What an application may learn of a current session: who, since when, how, under which id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub account_id: String,
    pub employee_id: String,
    pub sid: String,
    /// `pwd` or `saml`; sessions from before this was recorded say `pwd`.
    pub method: String,
    pub auth_time: NaiveDateTime,
}

/// The facts of a current session whose person may still sign in.
pub fn facts(conn: &mut DbConnection, secret: &str) -> Result<Option<SessionFacts>> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        NaiveDateTime,
        NaiveDateTime,
        String,
    );
    let hash = tokens::digest(secret);
    let row: Option<Row> = sessions::table
        .inner_join(employees::table.on(employees::id.eq(sessions::employee_id)))
        .filter(sessions::id_hash.eq(&hash))
        .filter(employees::active.eq(true))
        .filter(employees::released_at.is_null())
        .select((
            sessions::account_id,
            sessions::employee_id,
            sessions::sid,
            sessions::method,
            sessions::created_at,
            sessions::expires_at,
            sessions::id_hash,
        ))
        .first(conn)
        .optional()?;
    Ok(row.filter(|r| r.5 > clock::now()).map(
        |(account_id, employee_id, sid, method, created, _, id_hash)| SessionFacts {
            account_id,
            employee_id,
            // Sessions from before `sid` existed: their digest is as stable and reveals nothing.
            sid: sid.unwrap_or(id_hash),
            method: method.unwrap_or_else(|| Method::Password.as_str().to_owned()),
            auth_time: created,
        },
    ))
}

/// Ends every session with this public id (an application's RP-initiated logout).
pub fn revoke_sid(conn: &mut DbConnection, sid: &str) -> Result<()> {
    diesel::delete(sessions::table.filter(sessions::sid.eq(sid))).execute(conn)?;
    Ok(())
}
