//! Browser sessions as the lifecycle rules see them: whoever loses the right to sign in loses
//! every open session at once, on every instance (sessions live in the store).

use diesel::prelude::*;

use super::Result;
use super::clock;
use crate::db::DbConnection;
use crate::db::schema::{
    oidc_clients as clients, oidc_grants as grants, oidc_logout_deliveries as logouts,
    oidc_tokens as tokens, sessions,
};

/// Every session of the person ends, and with them everything applications hold for them.
pub fn revoke_all(conn: &mut DbConnection, employee_id: &str) -> Result<usize> {
    revoke_grants(conn, employee_id)?;
    Ok(
        diesel::delete(sessions::table.filter(sessions::employee_id.eq(employee_id)))
            .execute(conn)?,
    )
}

/// Every OpenID Connect grant of the person ends: their access and refresh tokens stop working
/// at once (userinfo answers 401), and the clients that asked for it get a back-channel logout.
pub fn revoke_grants(conn: &mut DbConnection, employee_id: &str) -> Result<usize> {
    let live: Vec<String> = grants::table
        .filter(grants::employee_id.eq(employee_id))
        .filter(grants::revoked_at.is_null())
        .select(grants::id)
        .load(conn)?;
    end_grants(conn, &live)
}

/// Ends these grants (those still live): tokens deleted, and one back-channel logout queued
/// per client and browser session for clients that registered a back-channel URI.
pub fn end_grants(conn: &mut DbConnection, grant_ids: &[String]) -> Result<usize> {
    type Live = (String, String, String, String, Option<String>);
    let live: Vec<Live> = grants::table
        .inner_join(clients::table)
        .filter(grants::id.eq_any(grant_ids))
        .filter(grants::revoked_at.is_null())
        .select((
            grants::client_id,
            grants::account_id,
            grants::employee_id,
            grants::sid,
            clients::backchannel_logout_uri,
        ))
        .load(conn)?;
    if live.is_empty() {
        return Ok(0);
    }
    let now = clock::now();
    diesel::update(
        grants::table
            .filter(grants::id.eq_any(grant_ids))
            .filter(grants::revoked_at.is_null()),
    )
    .set(grants::revoked_at.eq(Some(now)))
    .execute(conn)?;
    diesel::delete(tokens::table.filter(tokens::grant_id.eq_any(grant_ids))).execute(conn)?;
    let mut queued: Vec<(String, String)> = Vec::new();
    for (client_id, account_id, employee_id, sid, url) in &live {
        let Some(url) = url else { continue };
        if queued.iter().any(|(c, s)| c == client_id && s == sid) {
            continue;
        }
        queued.push((client_id.clone(), sid.clone()));
        diesel::insert_into(logouts::table)
            .values((
                logouts::id.eq(uuid::Uuid::now_v7().to_string()),
                logouts::client_id.eq(client_id),
                logouts::account_id.eq(account_id),
                logouts::employee_id.eq(employee_id),
                logouts::sid.eq(sid),
                logouts::url.eq(url),
                logouts::status.eq("pending"),
                logouts::attempts.eq(0),
                logouts::next_attempt_at.eq(now),
                logouts::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(live.len())
}
