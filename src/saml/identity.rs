//! Who the assertion is about: the NameID matched per the account's mode, the refusals that
//! make sense to an admin, the Entra object id pinned per tenant, and federation on first use.

use diesel::prelude::*;
use samael::schema::Assertion;

use super::failure::Failure;
use crate::db::DbConnection;
use crate::db::schema::{employees, entra_pins};
use crate::directory::accounts::Account;
use crate::directory::employees::{self as people, Employee};
use crate::directory::history::{Actor, Source};
use crate::directory::{DirectoryError, clock, lifecycle};
use crate::idp::NameIdMode;

pub const OBJECT_ID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/// The full NameID text; comments were refused before, so nothing can hide a second part.
pub fn name_id(assertion: &Assertion) -> Result<String, Failure> {
    assertion
        .subject
        .as_ref()
        .and_then(|s| s.name_id.as_ref())
        .map(|n| n.value.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(Failure::NoNameId)
}

pub fn object_id(assertion: &Assertion) -> Option<String> {
    assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| s.attributes.iter())
        .find(|a| a.name.as_deref() == Some(OBJECT_ID_CLAIM))
        .and_then(|a| a.values.first())
        .and_then(|v| v.value.clone())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
}

/// Finds the person and lets them in, or says precisely why not.
pub fn admit(
    conn: &mut DbConnection,
    account: &Account,
    idp_entity_id: &str,
    name_id: &str,
    object_id: Option<&str>,
) -> Result<Employee, Failure> {
    let mode = NameIdMode::of(account);
    let found = match mode {
        NameIdMode::Upn => people::find_by_user_name(conn, &account.id, name_id),
        NameIdMode::Mail => people::find_by_email(conn, &account.id, name_id),
    }
    .map_err(internal)?;
    let person = match found {
        Some(person) => person,
        None => return Err(diagnose_unknown(conn, account, mode, name_id)?),
    };
    if person.defederated {
        return Err(Failure::Defederated(person.user_name));
    }
    if !person.active {
        return Err(Failure::Inactive(person.user_name));
    }
    if let Some(object_id) = object_id {
        pin(conn, &person, idp_entity_id, object_id)?;
    }
    lifecycle::mark_federated(conn, &account.id, &person.id, &Actor::new(Source::Sso))
        .map_err(internal)
}

fn diagnose_unknown(
    conn: &mut DbConnection,
    account: &Account,
    mode: NameIdMode,
    name_id: &str,
) -> Result<Failure, Failure> {
    let other = match mode {
        NameIdMode::Upn => people::find_by_email(conn, &account.id, name_id),
        NameIdMode::Mail => people::find_by_user_name(conn, &account.id, name_id),
    }
    .map_err(internal)?;
    if other.is_some() {
        return Ok(match mode {
            NameIdMode::Upn => Failure::NameIdIsMail(name_id.to_owned()),
            NameIdMode::Mail => Failure::NameIdIsUpn(name_id.to_owned()),
        });
    }
    let released = employees::table
        .filter(employees::account_id.eq(&account.id))
        .filter(employees::released_at.is_not_null())
        .filter(
            employees::user_name
                .eq(name_id)
                .or(employees::email.eq(name_id)),
        )
        .select(employees::user_name)
        .first::<String>(conn)
        .optional()
        .map_err(|e| internal(e.into()))?;
    Ok(match released {
        Some(user_name) => Failure::Released(user_name),
        None => Failure::UnknownPerson {
            mode: match mode {
                NameIdMode::Upn => "login name",
                NameIdMode::Mail => "work email",
            },
            name_id: name_id.to_owned(),
        },
    })
}

/// The object id is immutable in Entra: the first sign-in from a tenant pins it; afterwards a
/// different one under the same name means the name now belongs to someone else.
fn pin(
    conn: &mut DbConnection,
    person: &Employee,
    idp_entity_id: &str,
    object_id: &str,
) -> Result<(), Failure> {
    let pinned: Option<String> = entra_pins::table
        .filter(entra_pins::employee_id.eq(&person.id))
        .filter(entra_pins::idp_entity_id.eq(idp_entity_id))
        .select(entra_pins::object_id)
        .first(conn)
        .optional()
        .map_err(|e| internal(e.into()))?;
    match pinned {
        Some(pinned) if pinned == object_id => return Ok(()),
        Some(pinned) => {
            return Err(Failure::ObjectIdMismatch {
                user: person.user_name.clone(),
                got: object_id.to_owned(),
                pinned,
            });
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
        .optional()
        .map_err(|e| internal(e.into()))?;
    if let Some(holder) = holder {
        return Err(Failure::ObjectIdTaken {
            object_id: object_id.to_owned(),
            holder,
        });
    }
    diesel::insert_into(entra_pins::table)
        .values((
            entra_pins::employee_id.eq(&person.id),
            entra_pins::idp_entity_id.eq(idp_entity_id),
            entra_pins::object_id.eq(object_id),
            entra_pins::pinned_at.eq(clock::now()),
        ))
        .execute(conn)
        .map_err(|e| internal(e.into()))?;
    diesel::update(employees::table.find(&person.id))
        .set(employees::entra_object_id.eq(object_id))
        .execute(conn)
        .map_err(|e| internal(e.into()))?;
    Ok(())
}

fn internal(error: DirectoryError) -> Failure {
    match error {
        DirectoryError::Refused(message) => Failure::Defederated(message),
        other => Failure::Internal(other.to_string()),
    }
}
