//! Every SCIM request an account received: what, about whom, how it ended and why. Never the
//! token or a password. Kept for a configurable number of days.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

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
pub struct Entry {
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
pub fn recent(conn: &mut DbConnection, account_id: &str, limit: i64) -> Result<Vec<Entry>> {
    Ok(p::table
        .filter(p::account_id.eq(account_id))
        .order((p::at.desc(), p::id.desc()))
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}

/// Deletes entries older than `days`; returns how many went.
pub fn purge(conn: &mut DbConnection, days: u32) -> Result<usize> {
    let cutoff = clock::now() - Duration::days(days.into());
    Ok(diesel::delete(p::table.filter(p::at.lt(cutoff))).execute(conn)?)
}
