//! /Groups: optional for Entra, offered with unique display names per account, members as
//! SCIM-visible users, `excludedAttributes=members`, and member Add/Remove in both forms.

use actix_web::http::StatusCode;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use scim_v2::filter::{AttrExp, CompValue, CompareOp, Filter, PatchPath, ValFilter};
use serde_json::{Map, Value, json};

use super::error::ScimError;
use super::input::{self, field};
use super::operations::{ListQuery, Outcome, Reply, Resource};
use super::patch;
use super::resource::{self, GROUP};
use crate::db::schema::{employees, scim_group_members as members, scim_groups as g};
use crate::db::{self, DbConnection, is_unique_violation};
use crate::directory::accounts::Account;
use crate::directory::employees as people;
use crate::directory::groups::{self, GroupState};
use crate::directory::history::Source;
use crate::directory::{DirectoryError, clock, keys};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = g)]
struct Group {
    id: String,
    display_name: String,
    external_id: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn find(conn: &mut DbConnection, account: &Account, id: &str) -> Result<Group, ScimError> {
    g::table
        .filter(g::account_id.eq(&account.id))
        .filter(g::id.eq(id))
        .select(Group::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ScimError::not_found(format!("Group {id} not found")))
}

fn render(
    conn: &mut DbConnection,
    group: &Group,
    base: &str,
    with_members: bool,
) -> Result<Value, ScimError> {
    let mut doc = json!({
        "schemas": [GROUP],
        "id": group.id,
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": resource::time(group.created_at),
            "lastModified": resource::time(group.updated_at),
            "location": format!("{base}/Groups/{}", group.id),
        },
    });
    if let Some(external_id) = &group.external_id {
        doc["externalId"] = json!(external_id);
    }
    if with_members {
        let rows: Vec<(String, Option<String>)> = members::table
            .inner_join(employees::table)
            .filter(members::group_id.eq(&group.id))
            .filter(employees::released_at.is_null())
            .order(employees::user_name_key)
            .select((employees::id, employees::user_name_key))
            .load(conn)?;
        doc["members"] = Value::Array(
            rows.into_iter()
                .map(|(id, _)| json!({ "value": id, "$ref": format!("{base}/Users/{id}"), "type": "User" }))
                .collect(),
        );
    }
    Ok(doc)
}

fn wants_members(query: &ListQuery) -> bool {
    let excluded = query.excluded_attributes.as_deref().unwrap_or_default();
    !excluded
        .split(',')
        .any(|a| a.trim().eq_ignore_ascii_case("members"))
}

/// The SCIM resource type `Group`: the account's groups of SCIM-visible users.
pub struct Groups;

impl Resource for Groups {
    const NAMES_A_PERSON: bool = false;

    fn list(conn: &mut DbConnection, account: &Account, query: &ListQuery, base: &str) -> Outcome {
        let mut select = g::table.filter(g::account_id.eq(&account.id)).into_boxed();
        if let Some(text) = query.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            let parsed: Filter = super::filter::parse(text)?;
            let Filter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(value))) =
                parsed
            else {
                return Err(ScimError::filter(
                    "groups filter on displayName, externalId or id with eq",
                ));
            };
            select = match path.name.to_ascii_lowercase().as_str() {
                "displayname" => select.filter(g::display_name_key.eq(keys::normalise(&value))),
                "externalid" => select.filter(g::external_id.eq(value)),
                "id" => select.filter(g::id.eq(value)),
                other => {
                    return Err(ScimError::filter(format!(
                        "filtering groups on {other} is not supported"
                    )));
                }
            };
        }
        let all: Vec<Group> = select
            .order(g::display_name_key)
            .select(Group::as_select())
            .load(conn)?;
        let (start, count) = query.page();
        let (start, count) = (start as usize, count as usize);
        let with_members = wants_members(query);
        let page: Vec<Value> = all
            .iter()
            .skip(start - 1)
            .take(count)
            .map(|group| render(conn, group, base, with_members))
            .collect::<Result<_, _>>()?;
        Ok(Reply::json(
            StatusCode::OK,
            resource::list_response(all.len(), start, page),
        ))
    }

    fn get(
        conn: &mut DbConnection,
        account: &Account,
        id: &str,
        query: &ListQuery,
        base: &str,
    ) -> Outcome {
        let group = find(conn, account, id)?;
        Ok(Reply::json(
            StatusCode::OK,
            render(conn, &group, base, wants_members(query))?,
        ))
    }

    fn create(conn: &mut DbConnection, account: &Account, body: &Value, base: &str) -> Outcome {
        input::check_schemas(body, GROUP)?;
        let object = input::object(body)?;
        let name = display_name(field(object, "displayName"))?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = clock::now();
        diesel::insert_into(g::table)
            .values((
                g::id.eq(&id),
                g::account_id.eq(&account.id),
                g::display_name.eq(&name),
                g::display_name_key.eq(keys::normalise(&name)),
                g::external_id.eq(external_id(object)),
                g::created_at.eq(now),
                g::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(|e| unique(e, &name))?;
        let group = find(conn, account, &id)?;
        let skipped = add_members(conn, account, &group, field(object, "members"))?;
        published(conn, account, &id, None)?;
        let mut reply = Reply::json(StatusCode::CREATED, render(conn, &group, base, true)?);
        reply.location = Some(format!("{base}/Groups/{id}"));
        reply.note = skipped_note(&skipped);
        Ok(reply)
    }

    fn replace(
        conn: &mut DbConnection,
        account: &Account,
        id: &str,
        body: &Value,
        base: &str,
    ) -> Outcome {
        let group = find(conn, account, id)?;
        let before = groups::state(conn, &account.id, id)?;
        input::check_schemas(body, GROUP)?;
        let object = input::object(body)?;
        rename(conn, &group, &display_name(field(object, "displayName"))?)?;
        set_external_id(conn, &group, external_id(object))?;
        clear_members(conn, &group)?;
        let skipped = add_members(conn, account, &group, field(object, "members"))?;
        published(conn, account, id, before.as_ref())?;
        let group = find(conn, account, id)?;
        Ok(Reply {
            note: skipped_note(&skipped),
            ..Reply::json(StatusCode::OK, render(conn, &group, base, true)?)
        })
    }

    fn patch(
        conn: &mut DbConnection,
        account: &Account,
        id: &str,
        body: &Value,
        _base: &str,
    ) -> Outcome {
        let group = find(conn, account, id)?;
        let before = groups::state(conn, &account.id, id)?;
        let mut skipped = Vec::new();
        for operation in patch::operations(body)? {
            let operation = patch::operation(operation)?;
            let op = field(operation, "op")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let path = field(operation, "path")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|p| !p.is_empty());
            let value = field(operation, "value");
            match (op.as_str(), path) {
                ("add" | "replace", None) => {
                    let Some(Value::Object(values)) = value else {
                        return Err(ScimError::syntax(
                            "an operation without a path needs an object value",
                        ));
                    };
                    if let Some(name) = field(values, "displayName") {
                        rename(conn, &group, &display_name(Some(name))?)?;
                    }
                    if let Some(list) = field(values, "members") {
                        if op == "replace" {
                            clear_members(conn, &group)?;
                        }
                        skipped.extend(add_members(conn, account, &group, Some(list))?);
                    }
                }
                ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case("displayName") => {
                    rename(conn, &group, &display_name(value)?)?;
                }
                ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case("externalId") => {
                    set_external_id(conn, &group, value.and_then(Value::as_str))?;
                }
                ("add" | "replace", Some(p)) if p.eq_ignore_ascii_case("members") => {
                    if op == "replace" {
                        clear_members(conn, &group)?;
                    }
                    skipped.extend(add_members(conn, account, &group, value)?);
                }
                ("remove", Some(p)) if p.eq_ignore_ascii_case("externalId") => {
                    set_external_id(conn, &group, None)?;
                }
                ("remove", Some(p)) => remove_members(conn, &group, p, value)?,
                ("add" | "replace", Some(p)) => {
                    return Err(ScimError::path(format!(
                        "{p:?} is not a Group attribute we change"
                    )));
                }
                ("remove", None) => return Err(ScimError::no_target("remove needs a path")),
                (other, _) => {
                    return Err(ScimError::syntax(format!(
                        "op {other:?} is not add, replace or remove"
                    )));
                }
            }
        }
        diesel::update(g::table.find(&group.id))
            .set(g::updated_at.eq(clock::now()))
            .execute(conn)?;
        published(conn, account, id, before.as_ref())?;
        // 204 without a body: re-reading every member after each batch would make a large group's
        // provisioning quadratic (RFC 7644 section 3.5.2 allows it).
        Ok(Reply {
            note: skipped_note(&skipped),
            ..Reply::empty()
        })
    }

    fn delete(conn: &mut DbConnection, account: &Account, id: &str) -> Outcome {
        let group = find(conn, account, id)?;
        let before = groups::state(conn, &account.id, id)?;
        diesel::delete(g::table.find(&group.id)).execute(conn)?;
        published(conn, account, id, before.as_ref())?;
        Ok(Reply::empty())
    }
}

/// Publishes what the request changed in the group to the account's feed.
fn published(
    conn: &mut DbConnection,
    account: &Account,
    id: &str,
    before: Option<&GroupState>,
) -> Result<(), ScimError> {
    let after = groups::state(conn, &account.id, id)?;
    groups::record_change(conn, &account.id, id, Source::Scim, before, after.as_ref())?;
    Ok(())
}

/// The `externalId` a POST or PUT sends (none when absent or not a string).
fn external_id(object: &Map<String, Value>) -> Option<&str> {
    field(object, "externalId").and_then(Value::as_str)
}

fn set_external_id(
    conn: &mut DbConnection,
    group: &Group,
    external_id: Option<&str>,
) -> Result<(), ScimError> {
    diesel::update(g::table.find(&group.id))
        .set(g::external_id.eq(external_id))
        .execute(conn)?;
    Ok(())
}

fn display_name(value: Option<&Value>) -> Result<String, ScimError> {
    match value {
        Some(Value::String(name)) if !name.trim().is_empty() => Ok(name.trim().to_owned()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ScimError::value("displayName is required"))
        }
        Some(other) => Err(ScimError::value(format!(
            "displayName must be a string, not {other}"
        ))),
    }
}

fn rename(conn: &mut DbConnection, group: &Group, name: &str) -> Result<(), ScimError> {
    diesel::update(g::table.find(&group.id))
        .set((
            g::display_name.eq(name),
            g::display_name_key.eq(keys::normalise(name)),
            g::updated_at.eq(clock::now()),
        ))
        .execute(conn)
        .map_err(|e| unique(e, name))?;
    Ok(())
}

fn unique(error: diesel::result::Error, name: &str) -> ScimError {
    match is_unique_violation(&error) {
        true => ScimError::uniqueness(format!("a group named {name:?} already exists")),
        false => error.into(),
    }
}

fn member_ids(value: Option<&Value>) -> Result<Vec<String>, ScimError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(_)) => vec![value.cloned().unwrap_or_default()],
        Some(_) => {
            return Err(ScimError::value(
                "members must be an array of {\"value\": id}",
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            item.as_object()
                .and_then(|m| field(m, "value"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| ScimError::value("each member needs a value (a User id)"))
        })
        .collect()
}

/// Adds members; returns the ids it skipped because SCIM deleted those people (Entra may
/// still list them in a batch sent just after the DELETE).
fn add_members(
    conn: &mut DbConnection,
    account: &Account,
    group: &Group,
    value: Option<&Value>,
) -> Result<Vec<String>, ScimError> {
    let mut skipped = Vec::new();
    for id in member_ids(value)? {
        let person = match people::get(conn, &account.id, &id) {
            Ok(person) if person.is_released() && person.federated => {
                log::info!("scim: group {}: member {id} was deleted, skipped", group.id);
                skipped.push(id);
                continue;
            }
            Ok(person) if person.federated && !person.defederated => person,
            Ok(_) | Err(DirectoryError::NotFound { .. }) => {
                return Err(ScimError::value(format!(
                    "member {id} is not a User of this tenant"
                )));
            }
            Err(other) => return Err(other.into()),
        };
        // Two batches adding the same member at once: the second finds it there, no error.
        let row = (
            members::group_id.eq(&group.id),
            members::employee_id.eq(&person.id),
        );
        db::insert_unless_present(conn, |c| {
            diesel::insert_into(members::table).values(row).execute(c)
        })?;
    }
    Ok(skipped)
}

/// Removes every member of `group`.
fn clear_members(conn: &mut DbConnection, group: &Group) -> Result<(), ScimError> {
    diesel::delete(members::table.filter(members::group_id.eq(&group.id))).execute(conn)?;
    Ok(())
}

fn skipped_note(skipped: &[String]) -> String {
    match skipped.is_empty() {
        true => String::new(),
        false => format!("skipped member(s) deleted earlier: {}", skipped.join(", ")),
    }
}

/// `members` with a value array (Entra), `members[value eq "id"]`, or `members` alone (all).
fn remove_members(
    conn: &mut DbConnection,
    group: &Group,
    path: &str,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let parsed: PatchPath = path
        .parse()
        .map_err(|_| ScimError::path(format!("{path:?} is not a valid path")))?;
    let ids = match parsed {
        PatchPath::Attr(attr) if attr.name.eq_ignore_ascii_case("members") => match value {
            None | Some(Value::Null) => return clear_members(conn, group),
            some => member_ids(some)?,
        },
        PatchPath::Value(vp) if vp.attr.name.eq_ignore_ascii_case("members") => match vp.filter {
            ValFilter::Attr(AttrExp::Comparison(p, CompareOp::Eq, CompValue::Str(id)))
                if p.name.eq_ignore_ascii_case("value") =>
            {
                vec![id]
            }
            _ => return Err(ScimError::filter("members filters support value eq \"id\"")),
        },
        _ => {
            return Err(ScimError::path(format!(
                "{path:?} is not a Group attribute we change"
            )));
        }
    };
    diesel::delete(
        members::table
            .filter(members::group_id.eq(&group.id))
            .filter(members::employee_id.eq_any(ids)),
    )
    .execute(conn)?;
    Ok(())
}
