//! Employees and their master data; lookups that respect "released" (hard-deleted) people.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::history::Change;
use super::{DirectoryError, Result, keys};
use crate::db::DbConnection;
use crate::db::schema::employees;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = employees)]
pub struct Employee {
    pub id: String,
    pub account_id: String,
    pub external_id: Option<String>,
    pub entra_object_id: Option<String>,
    pub user_name: String,
    pub user_name_key: Option<String>,
    pub email: String,
    pub email_key: Option<String>,
    pub given_name: String,
    pub family_name: String,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub mobile_phone: Option<String>,
    pub work_phone: Option<String>,
    pub country: Option<String>,
    /// The instant of employment as Entra sent it (UTC); a date typed by a person is the start
    /// of that day in the account's zone (`zones`).
    pub employment_date: Option<NaiveDateTime>,
    pub payroll_number: Option<String>,
    pub employee_number: Option<String>,
    pub subsidiary: Option<String>,
    /// The manager as Entra named them (our id or their external id), kept even while unknown.
    pub manager_ref: Option<String>,
    /// The direct approver: the Entra manager once resolved, or one set by an admin or CSV.
    pub approver_id: Option<String>,
    pub active: bool,
    pub termination_date: Option<NaiveDate>,
    /// Managed by Entra ID (provisioned by SCIM, or signed in through SSO).
    pub federated: bool,
    /// Removed from the federation by an admin: Entra neither sees nor signs in this person.
    pub defederated: bool,
    /// Set by a hard delete: login name and email are free for someone new.
    pub released_at: Option<NaiveDateTime>,
    pub is_setup_admin: bool,
    pub is_approver: bool,
    pub approves_self: bool,
    pub only_selected_approver: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The displayName Entra sent, if it sent one.
    pub display_name: Option<String>,
}

impl Employee {
    pub fn is_released(&self) -> bool {
        self.released_at.is_some()
    }

    /// The name shown for the person: the displayName Entra sent, else one made of the given
    /// and family names, else the login name.
    pub fn display_name(&self) -> String {
        if let Some(name) = self
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            return name.to_owned();
        }
        self.composed_name()
    }

    /// The name made of the given and family names (or the login name), ignoring displayName.
    pub fn composed_name(&self) -> String {
        let name = format!("{} {}", self.given_name, self.family_name);
        match name.trim() {
            "" => self.user_name.clone(),
            trimmed => trimmed.to_owned(),
        }
    }

    pub fn profile(&self) -> Profile {
        Profile {
            external_id: self.external_id.clone(),
            user_name: self.user_name.clone(),
            email: self.email.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            display_name: self.display_name.clone(),
            job_title: self.job_title.clone(),
            department: self.department.clone(),
            mobile_phone: self.mobile_phone.clone(),
            work_phone: self.work_phone.clone(),
            country: self.country.clone(),
            employment_date: self.employment_date,
            payroll_number: self.payroll_number.clone(),
            employee_number: self.employee_number.clone(),
            subsidiary: self.subsidiary.clone(),
        }
    }
}

/// The master data of a person, as a whole: callers build the desired state and the lifecycle
/// functions work out (and record) what changed.
#[derive(Debug, Clone, Default, PartialEq, AsChangeset, Insertable, Serialize)]
#[diesel(table_name = employees, treat_none_as_null = true)]
pub struct Profile {
    pub external_id: Option<String>,
    pub user_name: String,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    /// As Entra sent it; none means "composed of the given and family names".
    pub display_name: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub mobile_phone: Option<String>,
    pub work_phone: Option<String>,
    pub country: Option<String>,
    pub employment_date: Option<NaiveDateTime>,
    pub payroll_number: Option<String>,
    pub employee_number: Option<String>,
    pub subsidiary: Option<String>,
}

impl Profile {
    /// Trims every field, turns blank optional fields into "none" and checks the required ones.
    pub fn cleaned(mut self) -> Result<Profile> {
        fn opt(value: &mut Option<String>) {
            *value = value
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
        }
        self.user_name = self.user_name.trim().to_owned();
        self.email = self.email.trim().to_owned();
        self.given_name = self.given_name.trim().to_owned();
        self.family_name = self.family_name.trim().to_owned();
        for field in [
            &mut self.external_id,
            &mut self.display_name,
            &mut self.job_title,
            &mut self.department,
            &mut self.mobile_phone,
            &mut self.work_phone,
            &mut self.country,
            &mut self.payroll_number,
            &mut self.employee_number,
            &mut self.subsidiary,
        ] {
            opt(field);
        }
        if self.user_name.is_empty() {
            return Err(DirectoryError::invalid("user_name", "is required"));
        }
        if self.user_name.chars().any(char::is_control) {
            return Err(DirectoryError::invalid(
                "user_name",
                "contains control characters",
            ));
        }
        if self.email.is_empty() {
            return Err(DirectoryError::invalid("email", "is required"));
        }
        if !looks_like_email(&self.email) {
            return Err(DirectoryError::invalid(
                "email",
                format!("{:?} is not an email address", self.email),
            ));
        }
        Ok(self)
    }

    /// Every field by its name (the CSV column names, plus `external_id`), as text.
    pub fn fields(&self) -> [(&'static str, Option<String>); 15] {
        let text = |s: &String| Some(s.clone());
        [
            ("external_id", self.external_id.clone()),
            ("user_name", text(&self.user_name)),
            ("email", text(&self.email)),
            ("given_name", text(&self.given_name)),
            ("family_name", text(&self.family_name)),
            ("display_name", self.display_name.clone()),
            ("job_title", self.job_title.clone()),
            ("department", self.department.clone()),
            ("mobile_phone", self.mobile_phone.clone()),
            ("work_phone", self.work_phone.clone()),
            ("country", self.country.clone()),
            (
                "employment_date",
                self.employment_date.map(crate::directory::zones::rfc3339),
            ),
            ("payroll_number", self.payroll_number.clone()),
            ("employee_number", self.employee_number.clone()),
            ("subsidiary", self.subsidiary.clone()),
        ]
    }

    /// This profile with the named `fields` (by their `fields` names) taken from `from`.
    pub fn overlaid(mut self, from: &Profile, fields: &[&str]) -> Profile {
        for field in fields {
            match *field {
                "external_id" => self.external_id = from.external_id.clone(),
                "user_name" => self.user_name = from.user_name.clone(),
                "email" => self.email = from.email.clone(),
                "given_name" => self.given_name = from.given_name.clone(),
                "family_name" => self.family_name = from.family_name.clone(),
                "display_name" => self.display_name = from.display_name.clone(),
                "job_title" => self.job_title = from.job_title.clone(),
                "department" => self.department = from.department.clone(),
                "mobile_phone" => self.mobile_phone = from.mobile_phone.clone(),
                "work_phone" => self.work_phone = from.work_phone.clone(),
                "country" => self.country = from.country.clone(),
                "employment_date" => self.employment_date = from.employment_date,
                "payroll_number" => self.payroll_number = from.payroll_number.clone(),
                "employee_number" => self.employee_number = from.employee_number.clone(),
                "subsidiary" => self.subsidiary = from.subsidiary.clone(),
                _ => {}
            }
        }
        self
    }

    /// Field-by-field differences from `before`, in a stable order, for the history.
    pub fn changes_from(&self, before: &Profile) -> Vec<Change> {
        before
            .fields()
            .into_iter()
            .zip(self.fields())
            .filter(|((_, old), (_, new))| old != new)
            .map(|((field, old), (_, new))| Change::new(field, old, new))
            .collect()
    }
}

fn looks_like_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Any person of the account by our id, released or not.
pub fn get(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Employee> {
    employees::table
        .filter(employees::account_id.eq(account_id))
        .filter(employees::id.eq(id))
        .select(Employee::as_select())
        .first(conn)
        .optional()?
        .ok_or(DirectoryError::NotFound { what: "employee" })
}

/// A person who is not released, by our id.
pub fn get_current(conn: &mut DbConnection, account_id: &str, id: &str) -> Result<Employee> {
    match get(conn, account_id, id)? {
        person if person.is_released() => Err(DirectoryError::NotFound { what: "employee" }),
        person => Ok(person),
    }
}

/// The person who currently holds this login name (case-insensitive), if any.
pub fn find_by_user_name(
    conn: &mut DbConnection,
    account_id: &str,
    user_name: &str,
) -> Result<Option<Employee>> {
    holder(conn, account_id, Held::UserName, user_name)
}

/// The person who currently holds this work email (case-insensitive), if any.
pub fn find_by_email(
    conn: &mut DbConnection,
    account_id: &str,
    email: &str,
) -> Result<Option<Employee>> {
    holder(conn, account_id, Held::Email, email)
}

enum Held {
    UserName,
    Email,
}

/// The login name of a released person who had this login name or email, for explaining why
/// a sign-in found nobody.
pub fn released_login(
    conn: &mut DbConnection,
    account_id: &str,
    name: &str,
) -> Result<Option<String>> {
    Ok(employees::table
        .filter(employees::account_id.eq(account_id))
        .filter(employees::released_at.is_not_null())
        .filter(employees::user_name.eq(name).or(employees::email.eq(name)))
        .select(employees::user_name)
        .first::<String>(conn)
        .optional()?)
}

fn holder(
    conn: &mut DbConnection,
    account_id: &str,
    held: Held,
    value: &str,
) -> Result<Option<Employee>> {
    let key = keys::normalise(value);
    let mine = employees::table.filter(employees::account_id.eq(account_id));
    // Two plain queries, not one boxed: a boxed query has no static id, so its SQL would be
    // built again on every sign-in just to find its prepared statement.
    let found = match held {
        Held::UserName => mine
            .filter(employees::user_name_key.eq(key))
            .select(Employee::as_select())
            .first(conn),
        Held::Email => mine
            .filter(employees::email_key.eq(key))
            .select(Employee::as_select())
            .first(conn),
    };
    Ok(found.optional()?)
}

/// Everyone who is not released, ordered by login name.
pub fn list_current(conn: &mut DbConnection, account_id: &str) -> Result<Vec<Employee>> {
    Ok(employees::table
        .filter(employees::account_id.eq(account_id))
        .filter(employees::released_at.is_null())
        .order(employees::user_name_key)
        .select(Employee::as_select())
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(user_name: &str, email: &str) -> Profile {
        Profile {
            user_name: user_name.into(),
            email: email.into(),
            ..Profile::default()
        }
    }

    #[test]
    fn cleaning_trims_and_requires_login_and_email() {
        let mut p = profile(" ann@x.com ", "ann@x.com");
        p.job_title = Some("   ".into());
        let p = p.cleaned().expect("valid");
        assert_eq!(p.user_name, "ann@x.com");
        assert_eq!(p.job_title, None);
        assert!(matches!(
            profile("", "a@x.com").cleaned(),
            Err(DirectoryError::Invalid {
                field: "user_name",
                ..
            })
        ));
        assert!(matches!(
            profile("a", "not-an-email").cleaned(),
            Err(DirectoryError::Invalid { field: "email", .. })
        ));
    }

    #[test]
    fn changes_list_only_differing_fields() {
        let before = profile("a@x.com", "a@x.com");
        let mut after = before.clone();
        after.department = Some("Sales".into());
        let changes = after.changes_from(&before);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "department");
        assert_eq!(changes[0].new.as_deref(), Some("Sales"));
        assert!(before.changes_from(&before).is_empty());
    }
}
