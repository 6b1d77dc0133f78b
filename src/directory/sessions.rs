//! Browser sessions as the lifecycle rules see them: whoever loses the right to sign in loses
//! every open session at once, on every instance (sessions live in the store).

use diesel::prelude::*;

use super::Result;
use crate::db::DbConnection;
use crate::db::schema::sessions;

pub fn revoke_all(conn: &mut DbConnection, employee_id: &str) -> Result<usize> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::employee_id.eq(employee_id)))
            .execute(conn)?,
    )
}
