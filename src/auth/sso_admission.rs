//! Whether the person a NameID matched may sign in through SSO: not once an admin removed them
//! from the federation, not while inactive; their Entra object id pinned per tenant; and the
//! first SSO sign-in of someone who came another way puts them under Entra's management.

use crate::db::DbConnection;
use crate::directory::employees::Employee;
use crate::directory::history::{Actor, Source};
use crate::directory::{Refusal, Result, entra_pins, lifecycle};

pub fn admit(
    conn: &mut DbConnection,
    person: Employee,
    idp_entity_id: &str,
    object_id: Option<&str>,
) -> Result<Employee> {
    if person.defederated {
        return Err(Refusal::Defederated {
            user_name: person.user_name,
        }
        .into());
    }
    if !person.active {
        return Err(Refusal::Inactive {
            user_name: person.user_name,
        }
        .into());
    }
    let by = Actor::new(Source::Sso);
    if let Some(object_id) = object_id {
        entra_pins::pin(conn, &person, idp_entity_id, object_id, &by)?;
    }
    // Someone already federated needs nothing more (and no second read of their row).
    match person.federated {
        true => Ok(person),
        false => lifecycle::mark_federated(conn, &person.account_id, &person.id, &by),
    }
}
