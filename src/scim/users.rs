//! /Users: each operation over a connection, returning what the handler sends back. All
//! changes go through the directory's lifecycle functions.

use actix_web::http::StatusCode;
use diesel::prelude::*;
use serde_json::Value;

use super::error::ScimError;
use super::filter::{self, Condition};
use super::input::{UserInput, check_schemas, parse_user};
use super::operations::{ListQuery, Outcome, Reply, Resource};
use super::patch;
use super::resource;
use crate::db::DbConnection;
use crate::db::schema::employees as e;
use crate::directory::accounts::Account;
use crate::directory::employees::{self as people, Employee};
use crate::directory::history::{Actor, Source};
use crate::directory::{approvers, lifecycle};

fn by() -> Actor {
    Actor::new(Source::Scim)
}

/// A person SCIM may see: of this account, federated, not released.
pub fn visible(
    conn: &mut DbConnection,
    account: &Account,
    id: &str,
) -> Result<Employee, ScimError> {
    match people::get(conn, &account.id, id) {
        Ok(person) if person.federated && !person.is_released() => Ok(person),
        Ok(_) | Err(crate::directory::DirectoryError::NotFound { .. }) => {
            Err(ScimError::not_found(format!("User {id} not found")))
        }
        Err(other) => Err(other.into()),
    }
}

/// The SCIM resource type `User`: the people of the account SCIM may see.
pub struct Users;

impl Resource for Users {
    const NAMES_A_PERSON: bool = true;

    fn list(conn: &mut DbConnection, account: &Account, query: &ListQuery, base: &str) -> Outcome {
        let parsed = query
            .filter
            .as_deref()
            .filter(|f| !f.trim().is_empty())
            .map(filter::parse)
            .transpose()?;
        let condition = || -> Result<Condition, ScimError> {
            let mut condition = filter::visible(&account.id);
            if let Some(parsed) = &parsed {
                condition = Box::new(condition.and(filter::condition(parsed)?));
            }
            Ok(condition)
        };
        let (start, count) = query.page();
        let people: Vec<Employee> = match count {
            0 => Vec::new(),
            _ => e::table
                .filter(condition()?)
                .order((e::user_name_key, e::id))
                .offset(start - 1)
                .limit(count)
                .select(Employee::as_select())
                .load(conn)?,
        };
        // A first page that is not full is the whole match (Entra's matching filters): no count.
        let total: i64 = match start == 1 && (people.len() as i64) < count {
            true => people.len() as i64,
            false => e::table.filter(condition()?).count().get_result(conn)?,
        };
        let resources: Vec<Value> = people.iter().map(|p| shown(p, query, base)).collect();
        Ok(Reply::json(
            StatusCode::OK,
            resource::list_response(total as usize, start as usize, resources),
        ))
    }

    fn get(
        conn: &mut DbConnection,
        account: &Account,
        id: &str,
        query: &ListQuery,
        base: &str,
    ) -> Outcome {
        let person = visible(conn, account, id)?;
        Ok(Reply::json(StatusCode::OK, shown(&person, query, base)).about(person.id))
    }

    fn create(conn: &mut DbConnection, account: &Account, body: &Value, base: &str) -> Outcome {
        check_schemas(body, resource::USER)?;
        let input = parse_user(body, account.zone())?;
        let user_name = input.profile.user_name.clone();
        let manager = input.manager.clone();
        let made = lifecycle::provision_sent(
            conn,
            &account.id,
            input.profile,
            &input.sent,
            input.active,
            &by(),
        )
        .map_err(|e| refused_create(e.into(), &user_name))?;
        let mut person = made.employee;
        // No manager sent keeps the approver an adopted person already had.
        if manager.is_some() && manager != person.manager_ref {
            person =
                approvers::set_manager(conn, &account.id, &person.id, manager.as_deref(), &by())?;
        }
        let location = format!("{base}/Users/{}", person.id);
        Ok(Reply {
            location: Some(location),
            ..Reply::json(StatusCode::CREATED, resource::user(&person, base)).about(person.id)
        })
    }

    fn replace(
        conn: &mut DbConnection,
        account: &Account,
        id: &str,
        body: &Value,
        base: &str,
    ) -> Outcome {
        let person = visible(conn, account, id)?;
        check_schemas(body, resource::USER)?;
        let input = parse_user(body, account.zone())?;
        let person = apply(conn, account, person, input)?;
        Ok(changed(person, base))
    }

    fn patch(
        conn: &mut DbConnection,
        account: &Account,
        id: &str,
        body: &Value,
        base: &str,
    ) -> Outcome {
        let person = visible(conn, account, id)?;
        let before = resource::user(&person, base);
        let mut doc = before.clone();
        patch::apply(&mut doc, body)?;
        patch::sync_employee_number(&before, &mut doc);
        let mut input = parse_user(&doc, account.zone())?;
        // The displayName we showed was composed, not sent: it stays composed unless changed.
        if person.display_name.is_none()
            && input.profile.display_name == Some(person.composed_name())
        {
            input.profile.display_name = None;
        }
        let person = apply(conn, account, person, input)?;
        Ok(changed(person, base))
    }

    fn delete(conn: &mut DbConnection, account: &Account, id: &str) -> Outcome {
        let person = visible(conn, account, id)?;
        lifecycle::release(conn, &account.id, &person.id, &by())?;
        Ok(Reply::empty().about(person.id))
    }
}

/// A person as the list parameters ask to see them.
fn shown(person: &Employee, query: &ListQuery, base: &str) -> Value {
    resource::project(
        resource::user(person, base),
        query.attributes.as_deref(),
        query.excluded_attributes.as_deref(),
    )
}

/// The answer to a PUT or PATCH: the person as they are now.
fn changed(person: Employee, base: &str) -> Reply {
    Reply::json(StatusCode::OK, resource::user(&person, base)).about(person.id)
}

/// A refused create names who was refused, for Entra's logs and ours.
fn refused_create(error: ScimError, user_name: &str) -> ScimError {
    match error.detail.contains(user_name) {
        true => error,
        false => ScimError {
            detail: format!("userName {user_name:?}: {}", error.detail),
            ..error
        },
    }
}

/// The desired state through the lifecycle rules: master data, then status, then manager.
fn apply(
    conn: &mut DbConnection,
    account: &Account,
    person: Employee,
    input: UserInput,
) -> Result<Employee, ScimError> {
    let mut current =
        lifecycle::update_profile(conn, &account.id, &person.id, input.profile, &by())?;
    if current.active != input.active {
        current = match input.active {
            true => lifecycle::reactivate(conn, &account.id, &person.id, &by())?,
            false => lifecycle::deactivate(conn, &account.id, &person.id, &by())?,
        };
    }
    if current.manager_ref != input.manager {
        current = approvers::set_manager(
            conn,
            &account.id,
            &person.id,
            input.manager.as_deref(),
            &by(),
        )?;
    }
    Ok(current)
}
