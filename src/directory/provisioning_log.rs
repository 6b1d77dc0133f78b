//! Every SCIM request an account received: what, about whom, how it ended and why. Never the
//! token or a password. Kept for a configurable number of days.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::search::{LogQuery, contains_pattern, lower};
use super::{Result, clock};
use crate::db::DbConnection;
use crate::db::schema::provisioning_log as p;

#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub employee_id: Option<&'a str>,
    pub status: u16,
    pub detail: &'a str,
}

pub fn record(conn: &mut DbConnection, account_id: &str, request: &Request) -> Result<()> {
    diesel::insert_into(p::table)
        .values((
            p::id.eq(uuid::Uuid::now_v7().to_string()),
            p::account_id.eq(account_id),
            p::at.eq(clock::now()),
            p::method.eq(request.method),
            p::path.eq(request.path.chars().take(512).collect::<String>()),
            p::employee_id.eq(request.employee_id),
            p::outcome.eq(if request.status < 400 {
                "success"
            } else {
                "failure"
            }),
            p::status.eq(i32::from(request.status)),
            p::detail.eq(request.detail.chars().take(1000).collect::<String>()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = p)]
pub struct ProvisioningEntry {
    pub id: String,
    pub account_id: String,
    pub at: NaiveDateTime,
    pub method: String,
    pub path: String,
    pub employee_id: Option<String>,
    pub outcome: String,
    pub status: i32,
    pub detail: String,
}

/// The newest entries of an account first.
pub fn recent(
    conn: &mut DbConnection,
    account_id: &str,
    limit: i64,
) -> Result<Vec<ProvisioningEntry>> {
    Ok(p::table
        .filter(p::account_id.eq(account_id))
        .order((p::at.desc(), p::id.desc()))
        .limit(limit)
        .select(ProvisioningEntry::as_select())
        .load(conn)?)
}

type Boxed<'a> = p::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

fn matching<'a>(account_id: &'a str, query: &LogQuery) -> Boxed<'a> {
    let mut sql = p::table.filter(p::account_id.eq(account_id)).into_boxed();
    if let Some(outcome) = query.outcome() {
        sql = sql.filter(p::outcome.eq(outcome.to_owned()));
    }
    if let Some(from) = query.from {
        sql = sql.filter(p::at.ge(from));
    }
    if let Some(until) = query.until {
        sql = sql.filter(p::at.lt(until));
    }
    let person = query.person.trim();
    if !person.is_empty() {
        let pattern = contains_pattern(person);
        sql = sql.filter(
            p::employee_id
                .eq_any(query.people.clone())
                .or(lower(p::path).like(pattern.clone()).escape('\\'))
                .or(lower(p::detail).like(pattern).escape('\\')),
        );
    }
    sql
}

/// One page of the entries matching an admin's filter, newest first.
pub fn search(
    conn: &mut DbConnection,
    account_id: &str,
    query: &LogQuery,
) -> Result<Vec<ProvisioningEntry>> {
    Ok(matching(account_id, query)
        .order((p::at.desc(), p::id.desc()))
        .offset(query.offset.max(0))
        .limit(query.limit.clamp(1, 1000))
        .select(ProvisioningEntry::as_select())
        .load(conn)?)
}

/// How many entries match the filter.
pub fn count(conn: &mut DbConnection, account_id: &str, query: &LogQuery) -> Result<i64> {
    Ok(matching(account_id, query).count().get_result(conn)?)
}

/// What an admin can do about a failed request, from the status we answered and the line's
/// detail (which starts with the SCIM error type).
pub fn hint(status: i32, detail: &str) -> &'static str {
    match status {
        400 if detail.starts_with("invalidFilter") => {
            "Entra asked for users or groups with a filter Gatehouse does not answer; the detail \
             names the attribute. Match on userName, externalId, emails, employeeNumber or \
             displayName (Provisioning > Attribute mapping > Matching precedence in Entra)."
        }
        400 => {
            "Entra sent a value Gatehouse cannot store; the detail names the attribute. Fix its \
                mapping under Provisioning > Attribute mapping in Entra, then restart provisioning."
        }
        401 | 403 => {
            "The Secret Token is missing or old. Generate a new SCIM token on the \
                      Integration page and paste it into Entra (Provisioning > Admin credentials)."
        }
        404 => {
            "The person is not in Gatehouse for Entra: deleted, removed from the federation, or \
             never created. Entra creates deleted people again if they are assigned; people removed \
             from the federation stay with Gatehouse (a create for their address is refused until \
             they are deactivated)."
        }
        409 => {
            "Another person already holds this login name or email. Deactivate or rename the \
                other person in Gatehouse, or correct the address in Entra."
        }
        413 => "The request was too large. Reduce the group or attribute sizes sent by Entra.",
        s if s >= 500 => {
            "Gatehouse could not complete the request (see the server log); Entra \
                          retries on its own."
        }
        _ => "",
    }
}

/// Deletes entries older than `days`; returns how many went.
pub fn purge(conn: &mut DbConnection, days: u32) -> Result<usize> {
    let cutoff = clock::now() - Duration::days(days.into());
    Ok(diesel::delete(p::table.filter(p::at.lt(cutoff))).execute(conn)?)
}
