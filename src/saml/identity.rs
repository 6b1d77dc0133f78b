//! Who the assertion is about: the NameID matched per the account's mode, and for a NameID
//! that matches nobody, the likely reason. Whether that person may sign in is
//! `auth::sso_admission`'s rule.

use samael::schema::Assertion;

use super::failure::Failure;
use crate::auth::sso_admission;
use crate::db::DbConnection;
use crate::directory::accounts::Account;
use crate::directory::employees::{self as people, Employee};
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
    }?;
    match found {
        Some(person) => Ok(sso_admission::admit(
            conn,
            person,
            idp_entity_id,
            object_id,
        )?),
        None => Err(diagnose_unknown(conn, account, mode, name_id)?),
    }
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
    }?;
    if other.is_some() {
        return Ok(match mode {
            NameIdMode::Upn => Failure::NameIdIsMail(name_id.to_owned()),
            NameIdMode::Mail => Failure::NameIdIsUpn(name_id.to_owned()),
        });
    }
    let released = people::released_login(conn, &account.id, name_id)?;
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
