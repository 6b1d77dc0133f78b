//! The login journal: every sign-in attempt with its outcome and, for failures, a typed reason
//! and a hint an admin can act on. Never the raw assertion or a password.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::login_journal as j;
use crate::directory::search::{LogQuery, contains_pattern, lower};
use crate::directory::{Result, clock};

#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// "saml" or "password".
    pub method: &'static str,
    /// "sp" (we sent an AuthnRequest), "idp" (a tile or Entra's Test button), or "unknown".
    pub flow: &'static str,
    pub name_id: Option<String>,
    pub assertion_id: Option<String>,
    pub request_id: Option<String>,
    pub employee_id: Option<String>,
}

/// What happened: `success`, or a failure with its reason code, detail and hint.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub success: bool,
    pub reason: String,
    pub detail: String,
    pub hint: String,
}

pub fn record(
    conn: &mut DbConnection,
    account_id: &str,
    attempt: &Attempt,
    outcome: &Outcome,
) -> Result<()> {
    let outcome_label = if outcome.success {
        "success"
    } else {
        "failure"
    };
    crate::web::metrics::login(attempt.method, outcome_label, &outcome.reason);
    let clip = |v: &Option<String>| v.as_ref().map(|s| s.chars().take(512).collect::<String>());
    diesel::insert_into(j::table)
        .values((
            j::id.eq(uuid::Uuid::now_v7().to_string()),
            j::account_id.eq(account_id),
            j::at.eq(clock::now()),
            j::method.eq(attempt.method),
            j::flow.eq(attempt.flow),
            j::outcome.eq(if outcome.success {
                "success"
            } else {
                "failure"
            }),
            j::reason.eq(&outcome.reason),
            j::detail.eq(&outcome.detail),
            j::hint.eq(&outcome.hint),
            j::name_id.eq(clip(&attempt.name_id)),
            j::assertion_id.eq(clip(&attempt.assertion_id)),
            j::request_id.eq(clip(&attempt.request_id)),
            j::employee_id.eq(&attempt.employee_id),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = j)]
pub struct Entry {
    pub id: String,
    pub account_id: String,
    pub at: NaiveDateTime,
    pub method: String,
    pub flow: String,
    pub outcome: String,
    pub reason: String,
    pub detail: String,
    pub hint: String,
    pub name_id: Option<String>,
    pub assertion_id: Option<String>,
    pub request_id: Option<String>,
    pub employee_id: Option<String>,
}

/// The newest entries of an account first.
pub fn recent(conn: &mut DbConnection, account_id: &str, limit: i64) -> Result<Vec<Entry>> {
    Ok(j::table
        .filter(j::account_id.eq(account_id))
        .order((j::at.desc(), j::id.desc()))
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}

/// The entries matching an admin's filter, newest first. The person filter matches the people
/// it found and the NameID or login name sent, which also covers names nobody holds.
pub fn search(conn: &mut DbConnection, account_id: &str, query: &LogQuery) -> Result<Vec<Entry>> {
    let mut sql = j::table.filter(j::account_id.eq(account_id)).into_boxed();
    if let Some(outcome) = query.outcome() {
        sql = sql.filter(j::outcome.eq(outcome.to_owned()));
    }
    if let Some(from) = query.from {
        sql = sql.filter(j::at.ge(from));
    }
    if let Some(until) = query.until {
        sql = sql.filter(j::at.lt(until));
    }
    let person = query.person.trim();
    if !person.is_empty() {
        let pattern = contains_pattern(person);
        sql = sql.filter(
            j::employee_id
                .eq_any(query.people.clone())
                .or(lower(j::name_id.assume_not_null())
                    .like(pattern)
                    .escape('\\')),
        );
    }
    Ok(sql
        .order((j::at.desc(), j::id.desc()))
        .limit(query.limit.clamp(1, 1000))
        .select(Entry::as_select())
        .load(conn)?)
}
