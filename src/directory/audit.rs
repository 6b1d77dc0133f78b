//! The account's own history: who changed its sign-in settings, certificates and tokens, when,
//! and to what. Changes to people go to their `history` instead. Never a secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{Result, clock};
use crate::db::DbConnection;
use crate::db::schema::account_audit as a;

/// The admin who acted, as the trail shows them (the name is kept in case the person goes).
#[derive(Debug, Clone)]
pub struct AdminRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

pub fn record(
    conn: &mut DbConnection,
    account_id: &str,
    by: &AdminRef,
    action: &str,
    detail: &str,
) -> Result<()> {
    diesel::insert_into(a::table)
        .values((
            a::id.eq(uuid::Uuid::now_v7().to_string()),
            a::account_id.eq(account_id),
            a::at.eq(clock::now()),
            a::actor_id.eq(Some(by.id)),
            a::actor_name.eq(by.name),
            a::action.eq(action),
            a::detail.eq(detail.chars().take(1000).collect::<String>()),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = a)]
pub struct AuditEntry {
    pub at: NaiveDateTime,
    pub actor_name: String,
    pub action: String,
    pub detail: String,
}

/// The newest entries first.
pub fn recent(conn: &mut DbConnection, account_id: &str, limit: i64) -> Result<Vec<AuditEntry>> {
    Ok(a::table
        .filter(a::account_id.eq(account_id))
        .order((a::at.desc(), a::id.desc()))
        .limit(limit)
        .select(AuditEntry::as_select())
        .load(conn)?)
}
