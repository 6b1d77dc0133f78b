//! Entra object ids pinned per tenant: the object id is immutable in Entra, so the first sign-in
//! from a tenant pins it, and afterwards a different one under the same name means the name now
//! belongs to someone else.

use diesel::prelude::*;

use super::employees::Employee;
use super::history::{self, Action, Actor, Change};
use super::{Refusal, Result, clock};
use crate::db::DbConnection;
use crate::db::schema::{employees, entra_pins};

/// Checks `object_id` against the person's pin for this tenant, pinning it on first use; the
/// person's current object id changes with a history line.
pub fn pin(
    conn: &mut DbConnection,
    person: &Employee,
    idp_entity_id: &str,
    object_id: &str,
    by: &Actor,
) -> Result<()> {
    let pinned: Option<String> = entra_pins::table
        .filter(entra_pins::employee_id.eq(&person.id))
        .filter(entra_pins::idp_entity_id.eq(idp_entity_id))
        .select(entra_pins::object_id)
        .first(conn)
        .optional()?;
    match pinned {
        Some(pinned) if pinned == object_id => return Ok(()),
        Some(pinned) => {
            return Err(Refusal::ObjectIdMismatch {
                user_name: person.user_name.clone(),
                got: object_id.to_owned(),
                pinned,
            }
            .into());
        }
        None => {}
    }
    let holder: Option<String> = entra_pins::table
        .inner_join(employees::table)
        .filter(employees::account_id.eq(&person.account_id))
        .filter(entra_pins::idp_entity_id.eq(idp_entity_id))
        .filter(entra_pins::object_id.eq(object_id))
        .select(employees::user_name)
        .first(conn)
        .optional()?;
    if let Some(holder) = holder {
        return Err(Refusal::ObjectIdTaken {
            object_id: object_id.to_owned(),
            holder,
        }
        .into());
    }
    diesel::insert_into(entra_pins::table)
        .values((
            entra_pins::employee_id.eq(&person.id),
            entra_pins::idp_entity_id.eq(idp_entity_id),
            entra_pins::object_id.eq(object_id),
            entra_pins::pinned_at.eq(clock::now()),
        ))
        .execute(conn)?;
    if person.entra_object_id.as_deref() == Some(object_id) {
        return Ok(());
    }
    diesel::update(employees::table.find(&person.id))
        .set(employees::entra_object_id.eq(object_id))
        .execute(conn)?;
    let change = Change::new(
        "entra_object_id",
        person.entra_object_id.clone(),
        Some(object_id.to_owned()),
    );
    history::record(
        conn,
        &person.account_id,
        &person.id,
        by,
        Action::Updated,
        &[change],
    )
}
