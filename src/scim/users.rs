//! /Users: each operation over a connection, returning what the handler sends back. All
//! changes go through the directory's lifecycle functions.

use actix_web::http::StatusCode;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::error::ScimError;
use super::filter::{self, Condition};
use super::input::{UserInput, check_schemas, parse_user};
use super::patch;
use super::resource;
use crate::db::DbConnection;
use crate::db::schema::employees as e;
use crate::directory::accounts::Account;
use crate::directory::employees::{self as people, Employee};
use crate::directory::history::{Actor, Source};
use crate::directory::{approvers, lifecycle};

/// What a SCIM operation answers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub location: Option<String>,
    /// The person concerned, for the provisioning log.
    pub employee_id: Option<String>,
    /// What the provisioning log line says about a request that succeeded (e.g. what it skipped).
    pub note: String,
}

impl Reply {
    pub fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            location: None,
            employee_id: None,
            note: String::new(),
        }
    }

    /// 204 No Content.
    pub fn empty() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
            employee_id: None,
            note: String::new(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub filter: Option<String>,
    #[serde(rename = "startIndex")]
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    pub excluded_attributes: Option<String>,
}

pub const MAX_PAGE: i64 = 1000;

impl ListQuery {
    /// A SearchRequest body (POST .search, RFC 7644 section 3.4.3) as list parameters.
    pub fn from_search(body: &Value) -> Result<ListQuery, ScimError> {
        let object = body
            .as_object()
            .ok_or_else(|| ScimError::syntax("the body must be a JSON object"))?;
        let get = |name: &str| super::input::field(object, name);
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Array(items)) => Ok(Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                )),
                Some(other) => Err(ScimError::value(format!(
                    "{name} must be a string, not {other}"
                ))),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| ScimError::value(format!("{name} must be an integer"))),
            }
        };
        Ok(ListQuery {
            filter: text("filter")?,
            start_index: number("startIndex")?,
            count: number("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }
}

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

pub fn list(
    conn: &mut DbConnection,
    account: &Account,
    query: &ListQuery,
    base: &str,
) -> Result<Reply, ScimError> {
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
    let start = query.start_index.unwrap_or(1).max(1);
    let count = query.count.unwrap_or(100).clamp(0, MAX_PAGE);
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
    let resources: Vec<Value> = people
        .iter()
        .map(|p| {
            resource::project(
                resource::user(p, base),
                query.attributes.as_deref(),
                query.excluded_attributes.as_deref(),
            )
        })
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        resource::list_response(total as usize, start as usize, resources),
    ))
}

pub fn get(
    conn: &mut DbConnection,
    account: &Account,
    id: &str,
    query: &ListQuery,
    base: &str,
) -> Result<Reply, ScimError> {
    let person = visible(conn, account, id)?;
    let body = resource::project(
        resource::user(&person, base),
        query.attributes.as_deref(),
        query.excluded_attributes.as_deref(),
    );
    Ok(Reply {
        employee_id: Some(person.id),
        ..Reply::json(StatusCode::OK, body)
    })
}

pub fn create(
    conn: &mut DbConnection,
    account: &Account,
    body: &Value,
    base: &str,
) -> Result<Reply, ScimError> {
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
        person = approvers::set_manager(conn, &account.id, &person.id, manager.as_deref(), &by())?;
    }
    let location = format!("{base}/Users/{}", person.id);
    Ok(Reply {
        status: StatusCode::CREATED,
        body: Some(resource::user(&person, base)),
        location: Some(location),
        employee_id: Some(person.id),
        note: String::new(),
    })
}

pub fn replace(
    conn: &mut DbConnection,
    account: &Account,
    id: &str,
    body: &Value,
    base: &str,
) -> Result<Reply, ScimError> {
    let person = visible(conn, account, id)?;
    check_schemas(body, resource::USER)?;
    let input = parse_user(body, account.zone())?;
    let person = apply(conn, account, person, input)?;
    Ok(Reply {
        employee_id: Some(person.id.clone()),
        ..Reply::json(StatusCode::OK, resource::user(&person, base))
    })
}

pub fn patch(
    conn: &mut DbConnection,
    account: &Account,
    id: &str,
    body: &Value,
    base: &str,
) -> Result<Reply, ScimError> {
    let person = visible(conn, account, id)?;
    let before = resource::user(&person, base);
    let mut doc = before.clone();
    patch::apply(&mut doc, body)?;
    patch::sync_employee_number(&before, &mut doc);
    let mut input = parse_user(&doc, account.zone())?;
    // The displayName we showed was composed, not sent: it stays composed unless changed.
    if person.display_name.is_none() && input.profile.display_name == Some(person.composed_name()) {
        input.profile.display_name = None;
    }
    let person = apply(conn, account, person, input)?;
    Ok(Reply {
        employee_id: Some(person.id.clone()),
        ..Reply::json(StatusCode::OK, resource::user(&person, base))
    })
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

pub fn delete(conn: &mut DbConnection, account: &Account, id: &str) -> Result<Reply, ScimError> {
    let person = visible(conn, account, id)?;
    lifecycle::release(conn, &account.id, &person.id, &by())?;
    Ok(Reply {
        employee_id: Some(person.id),
        ..Reply::empty()
    })
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
