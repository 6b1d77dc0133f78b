//! What the directory API reads: pages of people (with their roles and approval set-up),
//! who approves whom, departments and SCIM groups. Every list is a keyset page in a fixed
//! order (employees and groups by id, departments by name): a page continues strictly after the
//! last key of the one before, so writes between two pages never repeat or skip anyone who
//! was there all along. The rules themselves are `approvers`'s and `search`'s.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::Result;
use super::approvers::{self, Via};
use super::employees::{self, Employee};
use super::search;
use crate::db::DbConnection;
use crate::db::schema::{
    department_approvers as d, employees as e, scim_group_members as m, scim_groups as g,
};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Where a page starts (after this key; `None`: at the beginning) and how long it is.
#[derive(Debug, Clone, Default)]
pub struct Keyset {
    pub after: Option<String>,
    pub limit: i64,
}

/// One page, and the key to continue after when more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

/// `rows` were read with `limit + 1`: the extra row only says that more follow.
fn page<T>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more { rows.last().map(key) } else { None };
    Page { items: rows, next }
}

/// A person named in someone else's record (an approver, a group member).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub active: bool,
}

impl From<&Employee> for Named {
    fn from(person: &Employee) -> Named {
        Named {
            id: person.id.clone(),
            user_name: person.user_name.clone(),
            display_name: person.display_name(),
            active: person.active,
        }
    }
}

/// A person with their roles and approval set-up, as the API shows them.
#[derive(Debug, Clone)]
pub struct Entry {
    pub person: Employee,
    /// The departments whose people this person approves.
    pub approves_departments: Vec<String>,
    /// The direct approver (the Entra manager once known, or one an admin set), if current.
    pub approver: Option<Named>,
    /// The current approvers of the person's department, other than the person.
    pub department_approvers: Vec<Named>,
}

/// The filters of the employee list; all of them hold at once.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    pub active: Option<bool>,
    /// Changed at or after this instant.
    pub updated_since: Option<NaiveDateTime>,
    /// Exactly this department.
    pub department: Option<String>,
    /// A piece of the name, login or email (as the admin pages search).
    pub text: Option<String>,
    /// Also released (hard-deleted) people, who are left out otherwise.
    pub include_released: bool,
}

/// A page of the account's people by id.
pub fn employees(
    conn: &mut DbConnection,
    account_id: &str,
    filter: &EmployeeFilter,
    keyset: &Keyset,
) -> Result<Page<Entry>> {
    let mut query = e::table.filter(e::account_id.eq(account_id)).into_boxed();
    if !filter.include_released {
        query = query.filter(e::released_at.is_null());
    }
    if let Some(active) = filter.active {
        query = query.filter(e::active.eq(active));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(e::updated_at.ge(since));
    }
    if let Some(department) = &filter.department {
        query = query.filter(e::department.eq(department.clone()));
    }
    if let Some(matches) = filter.text.as_deref().and_then(search::text_matches) {
        query = query.filter(matches);
    }
    if let Some(after) = &keyset.after {
        query = query.filter(e::id.gt(after.clone()));
    }
    let rows: Vec<Employee> = query
        .order(e::id)
        .limit(keyset.limit + 1)
        .select(Employee::as_select())
        .load(conn)?;
    let people = page(rows, keyset.limit, |p| p.id.clone());
    Ok(Page {
        items: entries(conn, account_id, people.items)?,
        next: people.next,
    })
}

/// One person of the account by id, released or not.
pub fn employee(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Entry> {
    let person = employees::get(conn, account_id, id)?;
    let mut found = entries(conn, account_id, vec![person])?;
    found
        .pop()
        .ok_or(super::DirectoryError::NotFound { what: "employee" })
}

/// Roles and approval set-up for a page of people, in three queries whatever its length.
fn entries(conn: &mut DbConnection, account_id: &str, people: Vec<Employee>) -> Result<Vec<Entry>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
    let mut approves: HashMap<String, Vec<String>> = HashMap::new();
    for (id, department) in d::table
        .filter(d::employee_id.eq_any(&ids))
        .order((d::employee_id, d::department))
        .select((d::employee_id, d::department))
        .load::<(String, String)>(conn)?
    {
        approves.entry(id).or_default().push(department);
    }
    let approver_ids: BTreeSet<&str> = people
        .iter()
        .filter_map(|p| p.approver_id.as_deref())
        .collect();
    let direct: HashMap<String, Named> = if approver_ids.is_empty() {
        HashMap::new()
    } else {
        current(account_id)
            .filter(e::id.eq_any(approver_ids))
            .select(Employee::as_select())
            .load::<Employee>(conn)?
            .iter()
            .map(|a| (a.id.clone(), Named::from(a)))
            .collect()
    };
    let departments: BTreeSet<&str> = people
        .iter()
        .filter_map(|p| p.department.as_deref())
        .collect();
    let by_department = department_approvers(conn, account_id, departments)?;
    Ok(people
        .into_iter()
        .map(|person| {
            let department_approvers = person
                .department
                .as_ref()
                .and_then(|dep| by_department.get(dep))
                .map(|all| all.iter().filter(|a| a.id != person.id).cloned().collect())
                .unwrap_or_default();
            Entry {
                approves_departments: approves.remove(&person.id).unwrap_or_default(),
                approver: person
                    .approver_id
                    .as_ref()
                    .and_then(|id| direct.get(id))
                    .cloned(),
                department_approvers,
                person,
            }
        })
        .collect())
}

type Boxed<'a> = e::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// The account's people who are not released.
fn current(account_id: &str) -> Boxed<'_> {
    e::table
        .filter(e::account_id.eq(account_id))
        .filter(e::released_at.is_null())
        .into_boxed()
}

/// The current approvers of each of `departments`, by login name.
fn department_approvers(
    conn: &mut DbConnection,
    account_id: &str,
    departments: BTreeSet<&str>,
) -> Result<HashMap<String, Vec<Named>>> {
    let mut found: HashMap<String, Vec<Named>> = HashMap::new();
    if departments.is_empty() {
        return Ok(found);
    }
    let rows: Vec<(String, Employee)> = d::table
        .inner_join(e::table)
        .filter(e::account_id.eq(account_id))
        .filter(e::released_at.is_null())
        .filter(d::department.eq_any(departments))
        .order((d::department, e::user_name_key))
        .select((d::department, Employee::as_select()))
        .load(conn)?;
    for (department, approver) in rows {
        found
            .entry(department)
            .or_default()
            .push(Named::from(&approver));
    }
    Ok(found)
}

/// Someone who approves a person, or whom a person approves, and through which rule.
#[derive(Debug, Clone)]
pub struct Link {
    pub person: Named,
    pub via: Via,
}

/// Who decides this person's requests, in `approvers::approvers_of`'s order. A released person
/// has no requests left to decide: nobody.
pub fn approvers_of(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Vec<Link>> {
    let person = employees::get(conn, account_id, id)?;
    if person.is_released() {
        return Ok(Vec::new());
    }
    Ok(approvers::approvers_of(conn, account_id, id)?
        .iter()
        .map(|approver| Link {
            person: Named::from(approver),
            via: approvers::via(&person, &approver.id),
        })
        .collect())
}

/// A page (by id) of the people whose requests this person decides: exactly those whose
/// `approvers_of` names them. `active` keeps only active (or only inactive) people.
pub fn approved_by(
    conn: &mut DbConnection,
    account_id: &str,
    approver_id: &str,
    active: Option<bool>,
    keyset: &Keyset,
) -> Result<Page<Link>> {
    let approver = employees::get(conn, account_id, approver_id)?;
    let Some(condition) = approvers::approved_by(conn, &approver)? else {
        return Ok(Page {
            items: Vec::new(),
            next: None,
        });
    };
    let mut query = e::table.filter(condition).into_boxed();
    if let Some(active) = active {
        query = query.filter(e::active.eq(active));
    }
    if let Some(after) = &keyset.after {
        query = query.filter(e::id.gt(after.clone()));
    }
    let rows: Vec<Employee> = query
        .order(e::id)
        .limit(keyset.limit + 1)
        .select(Employee::as_select())
        .load(conn)?;
    let people = page(rows, keyset.limit, |p| p.id.clone());
    Ok(Page {
        items: people
            .items
            .iter()
            .map(|person| Link {
                person: Named::from(person),
                via: approvers::via(person, &approver.id),
            })
            .collect(),
        next: people.next,
    })
}

/// A department: a name current people have in their `department` field. (A name only an
/// approver names, with nobody in it, is no department yet: it shows in that approver's roles.)
#[derive(Debug, Clone)]
pub struct Department {
    pub name: String,
    /// Current (not released) people in it.
    pub employees: i64,
    pub active_employees: i64,
    /// Its current approvers, by login name.
    pub approvers: Vec<Named>,
}

/// A page of the account's departments by name; `text` keeps names containing it (any case).
/// One query orders and pages the names, so the store's collation decides both.
pub fn departments(
    conn: &mut DbConnection,
    account_id: &str,
    text: Option<&str>,
    keyset: &Keyset,
) -> Result<Page<Department>> {
    let mut names = current(account_id)
        .filter(e::department.is_not_null())
        .select(e::department.assume_not_null())
        .distinct()
        .order(e::department)
        .limit(keyset.limit + 1);
    if let Some(after) = &keyset.after {
        names = names.filter(e::department.gt(after.clone()));
    }
    if let Some(pattern) = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(search::contains_pattern)
    {
        names = names.filter(
            lower(e::department.assume_not_null())
                .like(pattern)
                .escape('\\'),
        );
    }
    let names: Vec<String> = names.load(conn)?;
    let names = page(names, keyset.limit, Clone::clone);
    let in_page = e::table
        .filter(e::account_id.eq(account_id))
        .filter(e::released_at.is_null())
        .filter(e::department.eq_any(names.items.clone()));
    let counts = |rows: Vec<(String, i64)>| -> HashMap<String, i64> { rows.into_iter().collect() };
    let all = counts(
        in_page
            .clone()
            .group_by(e::department)
            .select((e::department.assume_not_null(), count_star()))
            .load(conn)?,
    );
    let active = counts(
        in_page
            .filter(e::active.eq(true))
            .group_by(e::department)
            .select((e::department.assume_not_null(), count_star()))
            .load(conn)?,
    );
    let mut approvers = department_approvers(
        conn,
        account_id,
        names.items.iter().map(String::as_str).collect(),
    )?;
    Ok(Page {
        items: names
            .items
            .iter()
            .map(|name| Department {
                name: name.clone(),
                employees: all.get(name).copied().unwrap_or(0),
                active_employees: active.get(name).copied().unwrap_or(0),
                approvers: approvers.remove(name).unwrap_or_default(),
            })
            .collect(),
        next: names.next,
    })
}

/// A group Entra pushes over SCIM, with its current members by login name.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: Vec<Named>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

type GroupRow = (String, String, Option<String>, NaiveDateTime, NaiveDateTime);

/// The filters of the group list.
#[derive(Debug, Clone, Default)]
pub struct GroupFilter {
    /// A piece of the display name (any case).
    pub text: Option<String>,
    /// Only groups this person (by id) is a member of.
    pub member: Option<String>,
}

/// A page of the account's groups by id.
pub fn groups(
    conn: &mut DbConnection,
    account_id: &str,
    filter: &GroupFilter,
    keyset: &Keyset,
) -> Result<Page<Group>> {
    let mut query = g::table.filter(g::account_id.eq(account_id)).into_boxed();
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        query = query.filter(
            lower(g::display_name)
                .like(search::contains_pattern(text))
                .escape('\\'),
        );
    }
    if let Some(member) = &filter.member {
        query = query.filter(
            g::id.eq_any(
                m::table
                    .filter(m::employee_id.eq(member.clone()))
                    .select(m::group_id),
            ),
        );
    }
    if let Some(after) = &keyset.after {
        query = query.filter(g::id.gt(after.clone()));
    }
    let rows: Vec<GroupRow> = query
        .order(g::id)
        .limit(keyset.limit + 1)
        .select((
            g::id,
            g::display_name,
            g::external_id,
            g::created_at,
            g::updated_at,
        ))
        .load(conn)?;
    let rows = page(rows, keyset.limit, |r| r.0.clone());
    Ok(Page {
        items: with_members(conn, rows.items)?,
        next: rows.next,
    })
}

/// One group of the account by id.
pub fn group(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Group> {
    let row: GroupRow = g::table
        .filter(g::account_id.eq(account_id))
        .filter(g::id.eq(id))
        .select((
            g::id,
            g::display_name,
            g::external_id,
            g::created_at,
            g::updated_at,
        ))
        .first(conn)
        .optional()?
        .ok_or(super::DirectoryError::NotFound { what: "group" })?;
    let mut found = with_members(conn, vec![row])?;
    found
        .pop()
        .ok_or(super::DirectoryError::NotFound { what: "group" })
}

fn with_members(conn: &mut DbConnection, rows: Vec<GroupRow>) -> Result<Vec<Group>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut members: BTreeMap<String, Vec<Named>> = BTreeMap::new();
    if !ids.is_empty() {
        for (group_id, person) in m::table
            .inner_join(e::table)
            .filter(m::group_id.eq_any(&ids))
            .filter(e::released_at.is_null())
            .order((m::group_id, e::user_name_key))
            .select((m::group_id, Employee::as_select()))
            .load::<(String, Employee)>(conn)?
        {
            members
                .entry(group_id)
                .or_default()
                .push(Named::from(&person));
        }
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, display_name, external_id, created_at, updated_at)| Group {
                members: members.remove(&id).unwrap_or_default(),
                id,
                display_name,
                external_id,
                created_at,
                updated_at,
            },
        )
        .collect())
}
