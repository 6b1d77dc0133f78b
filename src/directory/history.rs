//! Every change to a person, with when, through what and by whom: the answer to "why is this
//! person like this?" that admins and support ask every week.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Result, clock, events};
use crate::db::DbConnection;
use crate::db::schema::employee_history;

/// The channel a change came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Source {
    Scim,
    Sso,
    Admin,
    Csv,
    Cli,
    System,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Scim => "scim",
            Source::Sso => "sso",
            Source::Admin => "admin",
            Source::Csv => "csv",
            Source::Cli => "cli",
            Source::System => "system",
        }
    }

    /// How the account's audit trail names a change through this channel when no person is
    /// named.
    pub fn label(self) -> &'static str {
        match self {
            Source::Scim => "Entra provisioning",
            Source::Sso => "single sign-on",
            Source::Admin => "an admin",
            Source::Csv => "CSV import",
            Source::Cli => "command line",
            Source::System => "Gatehouse",
        }
    }
}

/// Who made a change: the channel, and for admins which person (their id, and the name the
/// account's audit trail keeps in case the person goes).
#[derive(Debug, Clone)]
pub struct Actor {
    pub source: Source,
    pub who: Option<String>,
    pub name: Option<String>,
}

impl Actor {
    pub fn new(source: Source) -> Actor {
        Actor {
            source,
            who: None,
            name: None,
        }
    }

    pub fn admin(admin_id: &str) -> Actor {
        Actor {
            source: Source::Admin,
            who: Some(admin_id.to_owned()),
            name: None,
        }
    }

    /// The same actor, shown in the audit trail as `name`.
    pub fn named(self, name: impl Into<String>) -> Actor {
        Actor {
            name: Some(name.into()),
            ..self
        }
    }

    /// How the audit trail shows this actor: the person's name, or the channel.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.source.label())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    Created,
    Adopted,
    Updated,
    Deactivated,
    Reactivated,
    Released,
    Federated,
    Defederated,
    ApproverChanged,
    RolesChanged,
    PasswordSet,
    LockedOut,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Adopted => "adopted",
            Action::Updated => "updated",
            Action::Deactivated => "deactivated",
            Action::Reactivated => "reactivated",
            Action::Released => "released",
            Action::Federated => "federated",
            Action::Defederated => "defederated",
            Action::ApproverChanged => "approver_changed",
            Action::RolesChanged => "roles_changed",
            Action::PasswordSet => "password_set",
            Action::LockedOut => "locked_out",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl Change {
    pub fn new(field: &str, old: Option<String>, new: Option<String>) -> Change {
        Change {
            field: field.to_owned(),
            old,
            new,
        }
    }

    pub fn flag(field: &str, old: bool, new: bool) -> Change {
        Change::new(field, Some(old.to_string()), Some(new.to_string()))
    }
}

#[derive(Insertable)]
#[diesel(table_name = employee_history)]
struct NewEntry<'a> {
    id: String,
    account_id: &'a str,
    employee_id: &'a str,
    at: NaiveDateTime,
    source: &'static str,
    actor: Option<&'a str>,
    action: &'static str,
    changes: String,
}

pub fn record(
    conn: &mut DbConnection,
    account_id: &str,
    employee_id: &str,
    by: &Actor,
    action: Action,
    changes: &[Change],
) -> Result<()> {
    diesel::insert_into(employee_history::table)
        .values(NewEntry {
            // v7 ids sort by time, so entries made in the same microsecond keep their order.
            id: uuid::Uuid::now_v7().to_string(),
            account_id,
            employee_id,
            at: clock::now(),
            source: by.source.as_str(),
            actor: by.who.as_deref(),
            action: action.as_str(),
            changes: serde_json::to_string(changes).unwrap_or_else(|_| "[]".into()),
        })
        .execute(conn)?;
    events::record_person_change(conn, account_id, employee_id, by.source, action, changes)
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub at: NaiveDateTime,
    pub source: String,
    pub actor: Option<String>,
    pub action: String,
    pub changes: Vec<Change>,
}

/// A person's history, oldest first.
pub fn of_employee(
    conn: &mut DbConnection,
    account_id: &str,
    employee_id: &str,
) -> Result<Vec<HistoryEntry>> {
    type Row = (NaiveDateTime, String, Option<String>, String, String);
    let rows: Vec<Row> = employee_history::table
        .filter(employee_history::account_id.eq(account_id))
        .filter(employee_history::employee_id.eq(employee_id))
        .order((employee_history::at, employee_history::id))
        .select((
            employee_history::at,
            employee_history::source,
            employee_history::actor,
            employee_history::action,
            employee_history::changes,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, source, actor, action, changes)| HistoryEntry {
            at,
            source,
            actor,
            action,
            changes: serde_json::from_str(&changes).unwrap_or_default(),
        })
        .collect())
}

/// One page of a person's history, newest first, and how many entries there are in all (the
/// admin page shows it a page at a time: years of provisioning can make it long).
pub fn page_of_employee(
    conn: &mut DbConnection,
    account_id: &str,
    employee_id: &str,
    offset: i64,
    limit: i64,
) -> Result<(Vec<HistoryEntry>, i64)> {
    let of_person = || {
        employee_history::table
            .filter(employee_history::account_id.eq(account_id))
            .filter(employee_history::employee_id.eq(employee_id))
    };
    let total: i64 = of_person().count().get_result(conn)?;
    type Row = (NaiveDateTime, String, Option<String>, String, String);
    let rows: Vec<Row> = of_person()
        .order((employee_history::at.desc(), employee_history::id.desc()))
        .offset(offset.max(0))
        .limit(limit.clamp(1, 500))
        .select((
            employee_history::at,
            employee_history::source,
            employee_history::actor,
            employee_history::action,
            employee_history::changes,
        ))
        .load(conn)?;
    let entries = rows
        .into_iter()
        .map(|(at, source, actor, action, changes)| HistoryEntry {
            at,
            source,
            actor,
            action,
            changes: serde_json::from_str(&changes).unwrap_or_default(),
        })
        .collect();
    Ok((entries, total))
}
