//! What the admin pages show of the applications (OpenID Connect clients) that sign an
//! account's people in: which they are, when each last did, and the back-channel logouts sent
//! to them. Written by `oidc`; read here so the admin pages need not import it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::Result;
use crate::db::DbConnection;
use crate::db::schema::{
    employees, oidc_client_use as usage, oidc_clients, oidc_logout_deliveries as d,
};

/// The applications that sign this account's people in, with when each last did.
pub fn used_by_account(
    conn: &mut DbConnection,
    account_id: &str,
) -> Result<Vec<(String, Option<NaiveDateTime>)>> {
    let mut used: Vec<(String, Option<NaiveDateTime>)> = Vec::new();
    let clients: Vec<(String, String, Option<String>)> = oidc_clients::table
        .order(oidc_clients::created_at)
        .select((oidc_clients::id, oidc_clients::name, oidc_clients::accounts))
        .load(conn)?;
    let serves = |accounts: &Option<String>| {
        accounts.as_deref().is_none_or(|json| {
            serde_json::from_str::<Vec<String>>(json)
                .unwrap_or_default()
                .iter()
                .any(|id| id == account_id)
        })
    };
    for (id, name, _) in clients.into_iter().filter(|c| serves(&c.2)) {
        let last: Option<NaiveDateTime> = usage::table
            .filter(usage::client_id.eq(&id))
            .filter(usage::account_id.eq(account_id))
            .select(usage::last_used_at)
            .first(conn)
            .optional()?;
        used.push((name, last));
    }
    Ok(used)
}

/// One delivery, as the admin logs page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub client: String,
    pub person: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// The account's latest deliveries, newest first.
pub fn recent(conn: &mut DbConnection, account_id: &str, limit: i64) -> Result<Vec<Delivery>> {
    type Row = (
        String,
        String,
        String,
        i32,
        Option<String>,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let rows: Vec<Row> = d::table
        .inner_join(oidc_clients::table)
        .inner_join(employees::table.on(employees::id.eq(d::employee_id)))
        .filter(d::account_id.eq(account_id))
        .order(d::created_at.desc())
        .limit(limit)
        .select((
            oidc_clients::name,
            employees::user_name,
            d::status,
            d::attempts,
            d::last_error,
            d::created_at,
            d::delivered_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(client, person, status, attempts, last_error, created_at, delivered_at)| Delivery {
                client,
                person,
                status,
                attempts,
                last_error,
                created_at,
                delivered_at,
            },
        )
        .collect())
}
