//! What an application learns about the person, alike in the ID token and at userinfo
//! (README "Connect your application" lists every claim).

use serde::{Deserialize, Serialize};

use super::grants::Grant;
use crate::db::DbConnection;
use crate::directory::employees::{self, Employee};
use crate::directory::{Result, accounts, approvers};

/// The person's claims. `sub` is the employee id: stable across login name, email and domain
/// changes, never reused.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Person {
    pub sub: String,
    pub preferred_username: String,
    pub email: String,
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    /// The account's slug.
    pub account: String,
    /// `setup_admin`, `approver`, `department_approver`, `self_approver`.
    pub roles: Vec<String>,
    #[serde(flatten)]
    pub directory: Option<Directory>,
}

/// With the `directory` scope: where the person sits and who approves their requests.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Directory {
    pub department: Option<String>,
    pub job_title: Option<String>,
    /// The direct approver's `sub`.
    pub approver: Option<String>,
}

/// The sign-in itself: when, how, which browser session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignIn {
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub sid: String,
}

pub fn sign_in(grant: &Grant) -> SignIn {
    SignIn {
        auth_time: grant.auth_time.and_utc().timestamp(),
        amr: vec![grant.method.clone()],
        sid: grant.sid.clone(),
    }
}

pub fn person(conn: &mut DbConnection, grant: &Grant) -> Result<Person> {
    let who: Employee = employees::get(conn, &grant.account_id, &grant.employee_id)?;
    let account = accounts::by_id(conn, &grant.account_id)?;
    let held = approvers::roles_of(conn, &who)?;
    let mut roles = Vec::new();
    for (has, role) in [
        (held.setup_admin, "setup_admin"),
        (held.approver, "approver"),
        (!held.departments.is_empty(), "department_approver"),
        (held.approves_self, "self_approver"),
    ] {
        if has {
            roles.push(role.to_owned());
        }
    }
    let directory = grant.has_scope("directory").then(|| Directory {
        department: who.department.clone(),
        job_title: who.job_title.clone(),
        approver: who.approver_id.clone(),
    });
    Ok(Person {
        sub: who.id.clone(),
        preferred_username: who.user_name.clone(),
        email: who.email.clone(),
        name: who.display_name(),
        given_name: who.given_name.clone(),
        family_name: who.family_name.clone(),
        account: account.slug,
        roles,
        directory,
    })
}
