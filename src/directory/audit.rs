//! The account's own history: who changed its sign-in settings, certificates and tokens, when,
//! and to what. Changes to people go to their `history` instead. Never a secret.
//!
//! The functions that make each change (`idp::settings`, `auth::scim_tokens`, the time zone, the
//! domain move) write their entry themselves, in the caller's transaction, so a change is
//! audited whichever channel (admin page, command line) made it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::history::Actor;
use super::{Result, clock};
use crate::db::DbConnection;
use crate::db::schema::account_audit as a;

/// Appends an entry: `by` is the admin who acted (their id, and their name kept in case the
/// person goes) or the channel (e.g. "command line").
pub fn record(
    conn: &mut DbConnection,
    account_id: &str,
    by: &Actor,
    action: &str,
    detail: &str,
) -> Result<()> {
    diesel::insert_into(a::table)
        .values((
            a::id.eq(uuid::Uuid::now_v7().to_string()),
            a::account_id.eq(account_id),
            a::at.eq(clock::now()),
            a::actor_id.eq(by.who.as_deref()),
            a::actor_name.eq(by.display_name()),
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
