//! The account's change feed: every change to a person, an approval relation, a group or the
//! account's health, as a typed event with its source. Recorded inside the transaction that
//! makes the change; numbered at its commit (`db::sequence`), so the feed is in commit order
//! and a reader paging by number neither skips nor repeats an event. Webhooks deliver the
//! same events.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use super::history::{Action, Change, Source};
use super::{DirectoryError, Result, clock};
use crate::db::DbConnection;
use crate::db::schema::{account_events as e, event_sequences as s};

/// How long the feed keeps an event: readers poll far more often, and webhooks give up on an
/// event after a day. A cursor older than this is told to read the directory again.
pub const RETENTION: chrono::Duration = chrono::Duration::days(90);

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Employee,
    Group,
    Account,
}

impl SubjectType {
    fn as_str(self) -> &'static str {
        match self {
            SubjectType::Employee => "employee",
            SubjectType::Group => "group",
            SubjectType::Account => "account",
        }
    }
}

/// The event type a change to a person is published as; `None` for changes that are not
/// directory data (a password set, a lockout).
pub fn person_event_type(action: Action) -> Option<&'static str> {
    Some(match action {
        Action::Created => "employee.created",
        Action::Adopted | Action::Updated | Action::Federated => "employee.updated",
        Action::Deactivated => "employee.deactivated",
        Action::Reactivated => "employee.reactivated",
        Action::Released => "employee.released",
        Action::Defederated => "employee.defederated",
        Action::ApproverChanged => "approver.changed",
        Action::RolesChanged => "roles.changed",
        Action::PasswordSet | Action::LockedOut => return None,
    })
}

/// Records one event in the current transaction.
pub fn record(
    conn: &mut DbConnection,
    account_id: &str,
    source: Source,
    event_type: &str,
    subject: (SubjectType, &str),
    data: Value,
) -> Result<()> {
    diesel::insert_into(e::table)
        .values((
            e::event_id.eq(format!("evt_{}", uuid::Uuid::now_v7().simple())),
            e::account_id.eq(account_id),
            e::event_type.eq(event_type),
            e::occurred_at.eq(clock::now()),
            e::source.eq(source.as_str()),
            e::subject_type.eq(subject.0.as_str()),
            e::subject_id.eq(subject.1),
            e::data.eq(data.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records the event for a change to a person, with the changed fields.
pub fn record_person_change(
    conn: &mut DbConnection,
    account_id: &str,
    employee_id: &str,
    source: Source,
    action: Action,
    changes: &[Change],
) -> Result<()> {
    let Some(event_type) = person_event_type(action) else {
        return Ok(());
    };
    record(
        conn,
        account_id,
        source,
        event_type,
        (SubjectType::Employee, employee_id),
        json!({ "changes": changes }),
    )
}

/// One event of the feed as the API and webhooks publish it.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(serialize_with = "utc")]
    pub occurred_at: NaiveDateTime,
    pub source: String,
    pub subject: Subject,
    pub data: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    #[serde(rename = "type")]
    pub subject_type: String,
    pub id: String,
}

fn utc<S: serde::Serializer>(at: &NaiveDateTime, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(
        &at.and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    )
}

type Row = (
    i64,
    String,
    String,
    NaiveDateTime,
    String,
    String,
    String,
    String,
);

fn from_row(row: Row) -> Event {
    let (seq, id, event_type, occurred_at, source, subject_type, subject_id, data) = row;
    Event {
        seq,
        id,
        event_type,
        occurred_at,
        source,
        subject: Subject {
            subject_type,
            id: subject_id,
        },
        data: serde_json::from_str(&data).unwrap_or(Value::Null),
    }
}

/// The events of an account after number `after`, oldest first, at most `limit`. A cursor
/// before what housekeeping has purged is refused: the reader has to start over from a full
/// read of the directory.
pub fn after(
    conn: &mut DbConnection,
    account_id: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<Event>> {
    let purged: i64 = s::table
        .find(account_id)
        .select(s::purged_through)
        .first(conn)
        .optional()?
        .unwrap_or(0);
    if after < purged {
        return Err(DirectoryError::Invalid {
            field: "after",
            message: format!(
                "the events up to number {purged} have been purged: read the directory again \
                 and continue from the newest event"
            ),
        });
    }
    let rows: Vec<Row> = e::table
        .filter(e::account_id.eq(account_id))
        .filter(e::seq.gt(after))
        .order(e::seq)
        .limit(limit)
        .select((
            e::seq.assume_not_null(),
            e::event_id,
            e::event_type,
            e::occurred_at,
            e::source,
            e::subject_type,
            e::subject_id,
            e::data,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// The number of the account's newest committed event (0 when there is none).
pub fn newest(conn: &mut DbConnection, account_id: &str) -> Result<i64> {
    Ok(s::table
        .find(account_id)
        .select(s::last_seq)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Purges events older than `before`, remembering per account how far the purge went.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize> {
    let reach: Vec<(String, Option<i64>)> = e::table
        .filter(e::occurred_at.lt(before))
        .filter(e::seq.is_not_null())
        .group_by(e::account_id)
        .select((e::account_id, diesel::dsl::max(e::seq)))
        .load(conn)?;
    let mut purged = 0;
    for (account, through) in reach {
        let Some(through) = through else { continue };
        diesel::update(s::table.find(&account))
            .filter(s::purged_through.lt(through))
            .set(s::purged_through.eq(through))
            .execute(conn)?;
        purged += diesel::delete(
            e::table
                .filter(e::account_id.eq(&account))
                .filter(e::seq.le(through)),
        )
        .execute(conn)?;
    }
    Ok(purged)
}
