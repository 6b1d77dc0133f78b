//! Browser sessions as the lifecycle rules see them: whoever loses the right to sign in loses
//! every open session at once, on every instance (sessions live in the store).

use diesel::prelude::*;

use super::Result;
use super::clock;
use crate::db::DbConnection;
use crate::db::schema::{oidc_grants as grants, oidc_tokens as tokens, sessions};

/// Every session of the person ends, and with them everything applications hold for them.
pub fn revoke_all(conn: &mut DbConnection, employee_id: &str) -> Result<usize> {
    revoke_grants(conn, employee_id)?;
    Ok(
        diesel::delete(sessions::table.filter(sessions::employee_id.eq(employee_id)))
            .execute(conn)?,
    )
}

/// Every OpenID Connect grant of the person ends: their access and refresh tokens stop working
/// at once (userinfo answers 401).
pub fn revoke_grants(conn: &mut DbConnection, employee_id: &str) -> Result<usize> {
    let ended: Vec<String> = grants::table
        .filter(grants::employee_id.eq(employee_id))
        .filter(grants::revoked_at.is_null())
        .select(grants::id)
        .load(conn)?;
    if ended.is_empty() {
        return Ok(0);
    }
    diesel::update(grants::table.filter(grants::id.eq_any(&ended)))
        .set(grants::revoked_at.eq(Some(clock::now())))
        .execute(conn)?;
    diesel::delete(tokens::table.filter(tokens::grant_id.eq_any(&ended))).execute(conn)?;
    Ok(ended.len())
}
