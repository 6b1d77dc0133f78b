//! The login journal: every sign-in attempt with its outcome and, for failures, a typed reason
//! and a hint an admin can act on. Never the raw assertion or a password.

use std::borrow::Cow;

use chrono::{Duration, NaiveDateTime, Timelike};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::db::schema::login_journal as j;
use crate::directory::search::{LogQuery, contains_pattern, lower};
use crate::directory::{DirectoryError, Result, clock};

#[derive(Debug, Clone, Default)]
pub struct SignInAttempt {
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

/// Longest text kept per field, in bytes: enough for any real reason, detail or hint, while a
/// 190 KB Issuer in a forged post costs a kilobyte.
const MAX_TEXT: usize = 1000;
/// Ids and names (NameID, assertion and request ids, codes).
const MAX_ID: usize = 256;
/// Distinct refusals of one reason per account and minute that keep rows of their own; further
/// ones that minute share one overflow row, so varying the junk does not buy rows either.
pub const DISTINCT_PER_MINUTE: i64 = 20;
/// The detail of the overflow row.
pub const OVERFLOW_DETAIL: &str = "further refusals for this reason in this minute, with \
     differing details; the first ones are listed on their own";

/// `text` cut to at most `max` bytes on a character boundary, saying that it was cut.
pub fn clip(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mark = format!("… [clipped, {} bytes in all]", text.len());
    let mut end = max.saturating_sub(mark.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{mark}", &text[..end]))
}

/// A journal row as it will be stored: every text clipped.
struct Row<'a> {
    method: Cow<'a, str>,
    flow: Cow<'a, str>,
    outcome: &'static str,
    reason: Cow<'a, str>,
    detail: Cow<'a, str>,
    hint: Cow<'a, str>,
    name_id: Option<Cow<'a, str>>,
    assertion_id: Option<Cow<'a, str>>,
    request_id: Option<Cow<'a, str>>,
    employee_id: Option<Cow<'a, str>>,
}

impl Row<'_> {
    /// Names the row's content within its minute: equal rows share one key.
    fn key(&self, minute: NaiveDateTime) -> String {
        let none = String::from("\u{0}");
        let parts = [
            minute.format("%Y-%m-%dT%H:%M").to_string(),
            self.method.to_string(),
            self.flow.to_string(),
            self.reason.to_string(),
            self.detail.to_string(),
            self.hint.to_string(),
            self.name_id.as_deref().map_or(none.clone(), str::to_owned),
            self.assertion_id
                .as_deref()
                .map_or(none.clone(), str::to_owned),
            self.request_id
                .as_deref()
                .map_or(none.clone(), str::to_owned),
            self.employee_id.as_deref().map_or(none, str::to_owned),
        ];
        // Lengths first, so no two different rows give one text.
        let text: String = parts.iter().map(|p| format!("{}:{p};", p.len())).collect();
        super::tokens::digest(&text)
    }
}

/// Writes one attempt. A refusal that names no person (an unauthenticated post) within the
/// same minute as an identical one only counts up that row's `repeats`; the count is one
/// `UPDATE`, and a race of two first inserts is settled by the unique `collapse_key`, so this
/// holds on both stores and across instances.
pub fn record(
    conn: &mut DbConnection,
    account_id: &str,
    attempt: &SignInAttempt,
    outcome: &Outcome,
) -> Result<()> {
    let outcome_label = if outcome.success {
        "success"
    } else {
        "failure"
    };
    crate::web::metrics::login(attempt.method, outcome_label, &outcome.reason);
    let opt = |v: &'_ Option<String>, max| v.as_deref().map(|s| clip(s, max).into_owned());
    let (name_id, assertion_id, request_id, employee_id) = (
        opt(&attempt.name_id, MAX_ID),
        opt(&attempt.assertion_id, MAX_ID),
        opt(&attempt.request_id, MAX_ID),
        opt(&attempt.employee_id, MAX_ID),
    );
    let row = Row {
        method: clip(attempt.method, MAX_ID),
        flow: clip(attempt.flow, MAX_ID),
        outcome: outcome_label,
        reason: clip(&outcome.reason, MAX_ID),
        detail: clip(&outcome.detail, MAX_TEXT),
        hint: clip(&outcome.hint, MAX_TEXT),
        name_id: name_id.as_deref().map(Cow::Borrowed),
        assertion_id: assertion_id.as_deref().map(Cow::Borrowed),
        request_id: request_id.as_deref().map(Cow::Borrowed),
        employee_id: employee_id.as_deref().map(Cow::Borrowed),
    };
    let now = clock::now();
    // Every refusal collapses, also one that names a person: a flood of wrong passwords for a
    // known login is as unauthenticated as any other.
    if outcome.success {
        return insert(conn, account_id, now, &row, None);
    }
    let minute = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let key = row.key(minute);
    if count_up(conn, account_id, &key, now)? {
        return Ok(());
    }
    let distinct: i64 = j::table
        .filter(j::account_id.eq(account_id))
        .filter(j::at.ge(minute))
        .filter(j::at.lt(minute + Duration::minutes(1)))
        .filter(j::reason.eq(row.reason.as_ref()))
        .filter(j::collapse_key.is_not_null())
        .count()
        .get_result(conn)?;
    let (row, key) = if distinct < DISTINCT_PER_MINUTE {
        (row, key)
    } else {
        let overflow = Row {
            detail: Cow::Borrowed(OVERFLOW_DETAIL),
            name_id: None,
            assertion_id: None,
            request_id: None,
            ..row
        };
        let key = overflow.key(minute);
        (overflow, key)
    };
    if count_up(conn, account_id, &key, now)? {
        return Ok(());
    }
    // A savepoint: on PostgreSQL a failed statement would otherwise end the caller's transaction.
    let inserted = conn.transaction(|c| insert(c, account_id, now, &row, Some(&key)));
    match inserted {
        Ok(()) => Ok(()),
        // Another writer made the row first: count on it.
        Err(DirectoryError::Db(crate::db::DbError::Query(error)))
            if crate::db::is_unique_violation(&error) =>
        {
            count_up(conn, account_id, &key, now).map(|_| ())
        }
        Err(other) => Err(other),
    }
}

/// Adds one to the repeats of the row named `key` and moves it to `at`, the latest occurrence
/// (always within the key's minute); false when there is no such row yet.
fn count_up(
    conn: &mut DbConnection,
    account_id: &str,
    key: &str,
    at: NaiveDateTime,
) -> Result<bool> {
    let updated = diesel::update(
        j::table
            .filter(j::account_id.eq(account_id))
            .filter(j::collapse_key.eq(key)),
    )
    .set((j::repeats.eq(j::repeats + 1), j::at.eq(at)))
    .execute(conn)?;
    Ok(updated > 0)
}

fn insert(
    conn: &mut DbConnection,
    account_id: &str,
    at: NaiveDateTime,
    row: &Row,
    key: Option<&str>,
) -> Result<()> {
    diesel::insert_into(j::table)
        .values((
            j::id.eq(uuid::Uuid::now_v7().to_string()),
            j::account_id.eq(account_id),
            j::at.eq(at),
            j::method.eq(row.method.as_ref()),
            j::flow.eq(row.flow.as_ref()),
            j::outcome.eq(row.outcome),
            j::reason.eq(row.reason.as_ref()),
            j::detail.eq(row.detail.as_ref()),
            j::hint.eq(row.hint.as_ref()),
            j::name_id.eq(row.name_id.as_deref()),
            j::assertion_id.eq(row.assertion_id.as_deref()),
            j::request_id.eq(row.request_id.as_deref()),
            j::employee_id.eq(row.employee_id.as_deref()),
            j::repeats.eq(1),
            j::collapse_key.eq(key),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = j)]
pub struct JournalEntry {
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
    /// How many identical refusals this row stands for (1 for most).
    pub repeats: i32,
}

/// The newest entries of an account first.
pub fn recent(conn: &mut DbConnection, account_id: &str, limit: i64) -> Result<Vec<JournalEntry>> {
    Ok(j::table
        .filter(j::account_id.eq(account_id))
        .order((j::at.desc(), j::id.desc()))
        .limit(limit)
        .select(JournalEntry::as_select())
        .load(conn)?)
}

type Boxed<'a> = j::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// The entries matching an admin's filter. The person filter matches the people it found and
/// the NameID or login name sent, which also covers names nobody holds.
fn matching<'a>(account_id: &'a str, query: &LogQuery) -> Boxed<'a> {
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
    sql
}

/// One page of the entries matching an admin's filter, newest first.
pub fn search(
    conn: &mut DbConnection,
    account_id: &str,
    query: &LogQuery,
) -> Result<Vec<JournalEntry>> {
    Ok(matching(account_id, query)
        .order((j::at.desc(), j::id.desc()))
        .offset(query.offset.max(0))
        .limit(query.limit.clamp(1, 1000))
        .select(JournalEntry::as_select())
        .load(conn)?)
}

/// How many entries match the filter (rows, however many repeats each stands for).
pub fn count(conn: &mut DbConnection, account_id: &str, query: &LogQuery) -> Result<i64> {
    Ok(matching(account_id, query).count().get_result(conn)?)
}

/// How many attempts the matching entries stand for (repeats counted).
pub fn attempts(conn: &mut DbConnection, account_id: &str, query: &LogQuery) -> Result<i64> {
    let total: Option<i64> = matching(account_id, query)
        .select(diesel::dsl::sum(j::repeats))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}
