//! Stored password hashes, one-time password links, and failed-attempt counters with lockouts.
//! All in the store, so limits hold across instances.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::tokens;
use crate::db::schema::{credentials, login_failures as f, password_links as links, sessions as s};
use crate::db::{self, DbConnection};
use crate::directory::employees::Employee;
use crate::directory::history::{self, Action, Actor, Change};
use crate::directory::{Result, clock};

/// How long a setup or reset link works.
pub const LINK_LIFETIME: Duration = Duration::hours(24);
/// Failures in a row before a lockout.
pub const FAILURES_BEFORE_LOCKOUT: i32 = 5;
/// The first lockout; each further one doubles, up to a day.
pub const FIRST_LOCKOUT: Duration = Duration::minutes(1);

pub fn hash_of(conn: &mut DbConnection, employee_id: &str) -> Result<Option<String>> {
    Ok(credentials::table
        .find(employee_id)
        .select(credentials::password_hash)
        .first(conn)
        .optional()?)
}

/// Stores a new password hash. Earlier links stop working and every session of the person ends
/// except `keep_session` (the one that set it, if any).
pub fn set_password(
    conn: &mut DbConnection,
    person: &Employee,
    password_hash: &str,
    by: &Actor,
    keep_session: Option<&str>,
) -> Result<()> {
    let now = clock::now();
    let had_one = hash_of(conn, &person.id)?.is_some();
    diesel::delete(credentials::table.find(&person.id)).execute(conn)?;
    diesel::insert_into(credentials::table)
        .values((
            credentials::employee_id.eq(&person.id),
            credentials::password_hash.eq(password_hash),
            credentials::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::delete(links::table.filter(links::employee_id.eq(&person.id))).execute(conn)?;
    let keep = keep_session.map(tokens::digest).unwrap_or_default();
    diesel::delete(
        s::table
            .filter(s::employee_id.eq(&person.id))
            .filter(s::id_hash.ne(keep)),
    )
    .execute(conn)?;
    // A new password ends what applications hold too: whoever had the old one is out.
    crate::directory::sessions::revoke_grants(conn, &person.id)?;
    let change = Change::flag("local_password", had_one, true);
    history::record(
        conn,
        &person.account_id,
        &person.id,
        by,
        Action::PasswordSet,
        &[change],
    )
}

/// Replaces the hash after a successful sign-in with older parameters (no history, no logout).
pub fn rehash(conn: &mut DbConnection, employee_id: &str, password_hash: &str) -> Result<()> {
    diesel::update(credentials::table.find(employee_id))
        .set((
            credentials::password_hash.eq(password_hash),
            credentials::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    Setup,
    Reset,
}

impl LinkPurpose {
    fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Setup => "setup",
            LinkPurpose::Reset => "reset",
        }
    }
}

/// A one-time link secret for the person (only its hash is stored).
pub fn issue_link(
    conn: &mut DbConnection,
    person: &Employee,
    purpose: LinkPurpose,
) -> Result<String> {
    let secret = tokens::new_secret()?;
    let now = clock::now();
    diesel::insert_into(links::table)
        .values((
            links::id_hash.eq(tokens::digest(&secret)),
            links::account_id.eq(&person.account_id),
            links::employee_id.eq(&person.id),
            links::purpose.eq(purpose.as_str()),
            links::created_at.eq(now),
            links::expires_at.eq(now + LINK_LIFETIME),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// The person a link is for, while it is current (it is used up by `set_password`).
pub fn link_holder(conn: &mut DbConnection, secret: &str) -> Result<Option<(String, String)>> {
    let found: Option<(String, String, NaiveDateTime)> = links::table
        .find(tokens::digest(secret))
        .select((links::account_id, links::employee_id, links::expires_at))
        .first(conn)
        .optional()?;
    Ok(found
        .filter(|(_, _, expires)| *expires > clock::now())
        .map(|(a, e, _)| (a, e)))
}

/// Whether sign-ins under this counter key are locked right now.
pub fn locked(conn: &mut DbConnection, account_id: &str, counter: &str) -> Result<bool> {
    let until: Option<Option<NaiveDateTime>> = f::table
        .find((account_id, counter))
        .select(f::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().is_some_and(|until| until > clock::now()))
}

/// Counts a failure; returns the end of a lockout if this failure started one. While a lockout
/// is in force nothing changes: a refused attempt neither shortens nor clears it.
///
/// No read-then-write: the row is created if missing (in a savepoint: a parallel first
/// failure's row is no error, so every failure counts), then incremented in one UPDATE that also skips a locked row. That
/// UPDATE holds the row until commit, so the lockout decision below sees every failure once.
pub fn record_failure(
    conn: &mut DbConnection,
    account_id: &str,
    counter: &str,
) -> Result<Option<NaiveDateTime>> {
    let now = clock::now();
    let key = (account_id, counter);
    db::insert_unless_present(conn, |c| {
        diesel::insert_into(f::table)
            .values((
                f::account_id.eq(account_id),
                f::login_key.eq(counter),
                f::failures.eq(0),
                f::lockouts.eq(0),
                f::locked_until.eq(None::<NaiveDateTime>),
                f::last_failure_at.eq(now),
            ))
            .execute(c)
    })?;
    let counted = diesel::update(
        f::table
            .find(key)
            .filter(f::locked_until.is_null().or(f::locked_until.le(now))),
    )
    .set((f::failures.eq(f::failures + 1), f::last_failure_at.eq(now)))
    .execute(conn)?;
    if counted == 0 {
        return Ok(None);
    }
    let (failures, lockouts): (i32, i32) = f::table
        .find(key)
        .select((f::failures, f::lockouts))
        .first(conn)?;
    if failures < FAILURES_BEFORE_LOCKOUT {
        return Ok(None);
    }
    let factor = 1i32 << lockouts.min(10);
    let until = now + (FIRST_LOCKOUT * factor).min(Duration::days(1));
    diesel::update(f::table.find(key))
        .set((
            f::failures.eq(0),
            f::lockouts.eq(f::lockouts + 1),
            f::locked_until.eq(Some(until)),
        ))
        .execute(conn)?;
    Ok(Some(until))
}

pub fn clear_failures(conn: &mut DbConnection, account_id: &str, counter: &str) -> Result<()> {
    diesel::delete(f::table.find((account_id, counter))).execute(conn)?;
    Ok(())
}
