//! Who approves whom: the Entra manager as direct approver (also when the manager arrives
//! later), department approvers, and the roles an admin sets.

use diesel::prelude::*;

use super::employees::{self, Employee};
use super::history::{self, Action, Actor, Change};
use super::search::Condition;
use super::{DirectoryError, Refusal, Result, clock};
use crate::db::DbConnection;
use crate::db::schema::{department_approvers as d, employees as e};

/// Sets the person's manager from a reference (our id, or the manager's external id). An
/// unknown reference is kept and linked when that manager is created; the manager gets the
/// approver role. `None` clears it.
pub fn set_manager(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    reference: Option<&str>,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    let reference = reference.map(str::trim).filter(|r| !r.is_empty());
    let manager = match reference {
        Some(r) => resolve(conn, account_id, r)?,
        None => None,
    };
    if manager.as_ref().is_some_and(|m| m.id == person.id) {
        return Err(DirectoryError::invalid(
            "manager",
            "a person cannot be their own manager",
        ));
    }
    let approver_id = manager.as_ref().map(|m| m.id.clone());
    if person.manager_ref.as_deref() == reference && person.approver_id == approver_id {
        return Ok(person);
    }
    diesel::update(e::table.find(id))
        .set((
            e::manager_ref.eq(reference),
            e::approver_id.eq(&approver_id),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    let old = describe(
        conn,
        account_id,
        person.approver_id.as_deref(),
        person.manager_ref.as_deref(),
    )?;
    let new = describe(conn, account_id, approver_id.as_deref(), reference)?;
    history::record(
        conn,
        account_id,
        id,
        by,
        Action::ApproverChanged,
        &[Change::new("manager", old, new)],
    )?;
    if let Some(manager) = manager {
        grant_approver_role(conn, &manager, by)?;
    }
    employees::get(conn, account_id, id)
}

/// Links everyone who named `manager` before the manager existed (by our id or external id).
pub(super) fn link_reports_of(
    conn: &mut DbConnection,
    manager: &Employee,
    by: &Actor,
) -> Result<()> {
    let mut references = vec![manager.id.clone()];
    references.extend(manager.external_id.clone());
    let waiting: Vec<(String, Option<String>)> = e::table
        .filter(e::account_id.eq(&manager.account_id))
        .filter(e::released_at.is_null())
        .filter(e::approver_id.is_null())
        .filter(e::manager_ref.eq_any(&references))
        .filter(e::id.ne(&manager.id))
        .select((e::id, e::manager_ref))
        .load(conn)?;
    if waiting.is_empty() {
        return Ok(());
    }
    for (report_id, reference) in &waiting {
        diesel::update(e::table.find(report_id))
            .set((
                e::approver_id.eq(&manager.id),
                e::updated_at.eq(clock::now()),
            ))
            .execute(conn)?;
        let change = Change::new(
            "manager",
            reference.as_deref().map(pending),
            Some(manager.user_name.clone()),
        );
        history::record(
            conn,
            &manager.account_id,
            report_id,
            by,
            Action::ApproverChanged,
            &[change],
        )?;
    }
    grant_approver_role(conn, manager, by)
}

/// A reference names a current person of the account by our id or by their external id.
fn resolve(conn: &mut DbConnection, account_id: &str, reference: &str) -> Result<Option<Employee>> {
    Ok(e::table
        .filter(e::account_id.eq(account_id))
        .filter(e::released_at.is_null())
        .filter(e::id.eq(reference).or(e::external_id.eq(reference)))
        .select(Employee::as_select())
        .first(conn)
        .optional()?)
}

fn describe(
    conn: &mut DbConnection,
    account_id: &str,
    approver_id: Option<&str>,
    reference: Option<&str>,
) -> Result<Option<String>> {
    Ok(match (approver_id, reference) {
        (Some(id), _) => Some(employees::get(conn, account_id, id)?.user_name),
        (None, Some(reference)) => Some(pending(reference)),
        (None, None) => None,
    })
}

fn pending(reference: &str) -> String {
    format!("{reference} (not known yet)")
}

fn grant_approver_role(conn: &mut DbConnection, manager: &Employee, by: &Actor) -> Result<()> {
    let current = employees::get(conn, &manager.account_id, &manager.id)?;
    if current.is_approver {
        return Ok(());
    }
    diesel::update(e::table.find(&manager.id))
        .set((e::is_approver.eq(true), e::updated_at.eq(clock::now())))
        .execute(conn)?;
    let change = Change::flag("approver", false, true);
    history::record(
        conn,
        &manager.account_id,
        &manager.id,
        by,
        Action::RolesChanged,
        &[change],
    )
}

/// The roles an admin gives a person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    pub setup_admin: bool,
    pub approver: bool,
    /// Approves their own requests; the Entra manager is ignored.
    pub approves_self: bool,
    /// Only the direct approver decides; department approvers are not asked.
    pub only_selected_approver: bool,
    /// Departments whose people this person approves.
    pub departments: Vec<String>,
}

pub fn roles_of(conn: &mut DbConnection, person: &Employee) -> Result<Roles> {
    let departments = d::table
        .filter(d::employee_id.eq(&person.id))
        .order(d::department)
        .select(d::department)
        .load(conn)?;
    Ok(Roles {
        setup_admin: person.is_setup_admin,
        approver: person.is_approver,
        approves_self: person.approves_self,
        only_selected_approver: person.only_selected_approver,
        departments,
    })
}

pub fn set_roles(
    conn: &mut DbConnection,
    account_id: &str,
    id: &str,
    mut roles: Roles,
    by: &Actor,
) -> Result<Employee> {
    let person = employees::get_current(conn, account_id, id)?;
    roles.departments = roles
        .departments
        .iter()
        .map(|dep| dep.trim().to_owned())
        .filter(|dep| !dep.is_empty())
        .collect();
    roles.departments.sort();
    roles.departments.dedup();
    let before = roles_of(conn, &person)?;
    if before == roles {
        return Ok(person);
    }
    if before.setup_admin && !roles.setup_admin {
        refuse_losing_setup_admin(conn, &person, by)?;
    }
    diesel::update(e::table.find(id))
        .set((
            e::is_setup_admin.eq(roles.setup_admin),
            e::is_approver.eq(roles.approver),
            e::approves_self.eq(roles.approves_self),
            e::only_selected_approver.eq(roles.only_selected_approver),
            e::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    diesel::delete(d::table.filter(d::employee_id.eq(id))).execute(conn)?;
    for department in &roles.departments {
        diesel::insert_into(d::table)
            .values((d::employee_id.eq(id), d::department.eq(department)))
            .execute(conn)?;
    }
    let flags = [
        ("setup_admin", before.setup_admin, roles.setup_admin),
        ("approver", before.approver, roles.approver),
        ("approves_self", before.approves_self, roles.approves_self),
        (
            "only_selected_approver",
            before.only_selected_approver,
            roles.only_selected_approver,
        ),
    ];
    let mut changes: Vec<Change> = flags
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| Change::flag(field, old, new))
        .collect();
    if before.departments != roles.departments {
        changes.push(Change::new(
            "approves_departments",
            Some(before.departments.join(", ")),
            Some(roles.departments.join(", ")),
        ));
    }
    history::record(conn, account_id, id, by, Action::RolesChanged, &changes)?;
    employees::get(conn, account_id, id)
}

/// A setup admin cannot drop their own role, and an account never loses its last active one:
/// someone must always be able to reach its admin pages.
fn refuse_losing_setup_admin(conn: &mut DbConnection, person: &Employee, by: &Actor) -> Result<()> {
    if by.who.as_deref() == Some(person.id.as_str()) {
        return Err(Refusal::OwnSetupAdminRole.into());
    }
    let others: i64 = e::table
        .filter(e::account_id.eq(&person.account_id))
        .filter(e::id.ne(&person.id))
        .filter(e::is_setup_admin.eq(true))
        .filter(e::active.eq(true))
        .filter(e::released_at.is_null())
        .count()
        .get_result(conn)?;
    if person.active && others == 0 {
        return Err(Refusal::LastSetupAdmin {
            user_name: person.user_name.clone(),
        }
        .into());
    }
    Ok(())
}

/// Who decides this person's requests: themselves when they approve themselves; otherwise
/// their direct approver and, unless only that approver may decide, the approvers of their
/// department. Only active, current people approve.
pub fn approvers_of(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Vec<Employee>> {
    let person = employees::get_current(conn, account_id, id)?;
    if person.approves_self {
        // Inactive approvers are left out, a self-approver too.
        return Ok(if person.active { vec![person] } else { vec![] });
    }
    let mut found: Vec<Employee> = Vec::new();
    if let Some(approver_id) = &person.approver_id {
        found.extend(
            e::table
                .filter(e::id.eq(approver_id))
                .select(Employee::as_select())
                .first(conn)
                .optional()?,
        );
    }
    if let (false, Some(department)) = (person.only_selected_approver, &person.department) {
        let by_department: Vec<Employee> = e::table
            .inner_join(d::table)
            .filter(e::account_id.eq(account_id))
            .filter(d::department.eq(department))
            .filter(e::id.ne(&person.id))
            .order(e::user_name_key)
            .select(Employee::as_select())
            .load(conn)?;
        for approver in by_department {
            if !found.iter().any(|f| f.id == approver.id) {
                found.push(approver);
            }
        }
    }
    found.retain(|a| a.active && !a.is_released());
    Ok(found)
}

/// Why someone decides a person's requests (the branch of `approvers_of` that named them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The person approves their own requests.
    Themselves,
    /// The direct approver (the Entra manager, or one an admin set).
    DirectApprover,
    /// An approver of the person's department.
    Department,
}

/// The branch of `approvers_of` that makes `approver_id` an approver of `person`.
pub fn via(person: &Employee, approver_id: &str) -> Via {
    if person.approves_self {
        Via::Themselves
    } else if person.approver_id.as_deref() == Some(approver_id) {
        Via::DirectApprover
    } else {
        Via::Department
    }
}

/// The people whose requests `approver` decides, as a condition on `employees`: exactly those
/// whose `approvers_of` names them (not released; themselves when they approve themselves;
/// otherwise whose direct approver they are, or whose department they approve unless that
/// person has only the selected approver). `None` when `approver` decides nobody's: an
/// inactive or released person approves no one.
pub fn approved_by(conn: &mut DbConnection, approver: &Employee) -> Result<Option<Condition>> {
    if !approver.active || approver.is_released() {
        return Ok(None);
    }
    let departments: Vec<String> = d::table
        .filter(d::employee_id.eq(&approver.id))
        .select(d::department)
        .load(conn)?;
    let id = approver.id.clone();
    let own = e::approves_self.eq(true).and(e::id.eq(id.clone()));
    let direct = e::approver_id.eq(id.clone()).assume_not_null();
    let by_department = e::only_selected_approver
        .eq(false)
        .and(e::department.eq_any(departments).assume_not_null())
        .and(e::id.ne(id));
    Ok(Some(Box::new(
        e::account_id
            .eq(approver.account_id.clone())
            .and(e::released_at.is_null())
            .and(own.or(e::approves_self.eq(false).and(direct.or(by_department)))),
    )))
}
