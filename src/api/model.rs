//! What the read endpoints answer: the JSON bodies, each with its OpenAPI schema (the document
//! at `/api/v1/openapi.json` is generated from these types). Instants are RFC 3339 in UTC,
//! days are `YYYY-MM-DD`. Nothing secret is in any of them: no password hash, session or token.

use chrono::{NaiveDate, NaiveDateTime, SecondsFormat};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::directory::approvers::Via;
use crate::directory::reads::{self, Entry, Named};
use crate::directory::zones;

pub fn instant(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A person named in another record. `id` is the person's id, the `sub` of OpenID Connect.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub active: bool,
}

impl From<&Named> for PersonRef {
    fn from(named: &Named) -> PersonRef {
        PersonRef {
            id: named.id.clone(),
            user_name: named.user_name.clone(),
            display_name: named.display_name.clone(),
            active: named.active,
        }
    }
}

/// Whether the person may sign in, and how Entra ID manages them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// May sign in. Deactivated (Entra's `active` false) and released people are inactive.
    pub active: bool,
    /// The day the person left (set by a deactivation or a release, cleared on reactivation).
    #[schema(required = true, format = Date)]
    pub termination_date: Option<String>,
    /// Managed by Entra ID: provisioned over SCIM or signed in through SSO.
    pub federated: bool,
    /// Removed from the federation by an admin: Entra neither sees nor signs in this person.
    pub defederated: bool,
    /// Hard-deleted (SCIM DELETE or an admin's "Release"): inactive for good, and the login
    /// name and email are free for a new, separate person.
    pub released: bool,
    #[schema(required = true, format = DateTime)]
    pub released_at: Option<String>,
}

/// What the person may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct Roles {
    /// May use the admin pages of the account.
    pub setup_admin: bool,
    /// Has the approver role (every Entra manager gets it).
    pub approver: bool,
    /// Approves their own requests; the Entra manager is ignored.
    pub approves_self: bool,
    /// Only the direct approver decides their requests; department approvers are not asked.
    pub only_selected_approver: bool,
    /// The departments whose people this person approves.
    pub department_approver_of: Vec<String>,
}

/// How the person's requests are approved, as set up. `GET .../employees/{id}/approvers`
/// gives who actually decides, with the rules applied.
#[derive(Debug, Serialize, ToSchema)]
pub struct Approval {
    /// The direct approver: the Entra manager once known, or one an admin set.
    #[schema(required = true)]
    pub approver: Option<PersonRef>,
    /// The approvers of the person's department (other than the person), by login name.
    pub department_approvers: Vec<PersonRef>,
    pub approves_self: bool,
    pub only_selected_approver: bool,
}

/// A person of the account: the master data, status, roles and approval set-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Employee {
    /// Gatehouse's id of the person: a UUID, never reused, and the `sub` claim of OpenID
    /// Connect, so a signed-in user and a directory record match on it.
    pub id: String,
    /// Entra's `externalId` (SCIM), when Entra sent one.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// The login name (UPN).
    pub user_name: String,
    /// The work email.
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    /// The displayName Entra sent, else the given and family names, else the login name.
    pub display_name: String,
    #[schema(required = true)]
    pub job_title: Option<String>,
    #[schema(required = true)]
    pub department: Option<String>,
    #[schema(required = true)]
    pub mobile_phone: Option<String>,
    #[schema(required = true)]
    pub work_phone: Option<String>,
    /// The work address's country (also the calendar group).
    #[schema(required = true)]
    pub country: Option<String>,
    /// The employment date as a day in the account's time zone (as the CSV shows it).
    #[schema(required = true, format = Date)]
    pub employment_date: Option<String>,
    /// The employment date as the instant Entra sent (or the start of the typed day).
    #[schema(required = true, format = DateTime)]
    pub employment_instant: Option<String>,
    #[schema(required = true)]
    pub payroll_number: Option<String>,
    #[schema(required = true)]
    pub employee_number: Option<String>,
    /// The group company (subsidiary).
    #[schema(required = true)]
    pub subsidiary: Option<String>,
    pub status: Status,
    pub roles: Roles,
    pub approval: Approval,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The last change to any of the above.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl Employee {
    pub fn new(entry: Entry, zone: Tz) -> Employee {
        let Entry {
            person,
            approves_departments,
            approver,
            department_approvers,
        } = entry;
        Employee {
            display_name: person.display_name(),
            employment_date: person
                .employment_date
                .map(|at| day(zones::day_in(at, zone))),
            employment_instant: person.employment_date.map(instant),
            status: Status {
                active: person.active,
                termination_date: person.termination_date.map(day),
                federated: person.federated,
                defederated: person.defederated,
                released: person.released_at.is_some(),
                released_at: person.released_at.map(instant),
            },
            roles: Roles {
                setup_admin: person.is_setup_admin,
                approver: person.is_approver,
                approves_self: person.approves_self,
                only_selected_approver: person.only_selected_approver,
                department_approver_of: approves_departments,
            },
            approval: Approval {
                approver: approver.as_ref().map(PersonRef::from),
                department_approvers: department_approvers.iter().map(PersonRef::from).collect(),
                approves_self: person.approves_self,
                only_selected_approver: person.only_selected_approver,
            },
            created_at: instant(person.created_at),
            updated_at: instant(person.updated_at),
            id: person.id,
            external_id: person.external_id,
            user_name: person.user_name,
            email: person.email,
            given_name: person.given_name,
            family_name: person.family_name,
            job_title: person.job_title,
            department: person.department,
            mobile_phone: person.mobile_phone,
            work_phone: person.work_phone,
            country: person.country,
            payroll_number: person.payroll_number,
            employee_number: person.employee_number,
            subsidiary: person.subsidiary,
        }
    }
}

/// A page of people, by id. Pass `next_cursor` back as `after` for the next page; `null` on the
/// last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeePage {
    pub data: Vec<Employee>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The rule that links an approver and a person.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalRule {
    /// The person approves their own requests.
    #[serde(rename = "self")]
    SelfApproval,
    /// The direct approver (the Entra manager, or one an admin set).
    DirectApprover,
    /// An approver of the person's department.
    Department,
}

impl From<Via> for ApprovalRule {
    fn from(via: Via) -> ApprovalRule {
        match via {
            Via::Themselves => ApprovalRule::SelfApproval,
            Via::DirectApprover => ApprovalRule::DirectApprover,
            Via::Department => ApprovalRule::Department,
        }
    }
}

/// One approver of a person, or one person an approver decides for, with the rule between them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalLink {
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub active: bool,
    pub via: ApprovalRule,
}

impl From<&reads::Link> for ApprovalLink {
    fn from(link: &reads::Link) -> ApprovalLink {
        ApprovalLink {
            id: link.person.id.clone(),
            user_name: link.person.user_name.clone(),
            display_name: link.person.display_name.clone(),
            active: link.person.active,
            via: link.via.into(),
        }
    }
}

/// A list of approval links. `employees/{id}/approvers` answers the whole list at once (its
/// `next_cursor` is always `null`); `approvers/{id}/employees` pages by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalLinkPage {
    pub data: Vec<ApprovalLink>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A department: a name current people have in their `department` field.
#[derive(Debug, Serialize, ToSchema)]
pub struct Department {
    /// The name, exactly as the people's `department` field has it (also the department's key).
    pub name: String,
    /// Current (not released) people in the department.
    pub employees: i64,
    pub active_employees: i64,
    /// Its approvers, by login name.
    pub approvers: Vec<PersonRef>,
}

impl From<reads::Department> for Department {
    fn from(department: reads::Department) -> Department {
        Department {
            approvers: department.approvers.iter().map(PersonRef::from).collect(),
            name: department.name,
            employees: department.employees,
            active_employees: department.active_employees,
        }
    }
}

/// A page of departments, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentPage {
    pub data: Vec<Department>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A group Entra pushes over SCIM, with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct Group {
    /// The group's id (the SCIM id).
    pub id: String,
    pub display_name: String,
    /// Entra's `externalId`, when it sent one.
    #[schema(required = true)]
    pub external_id: Option<String>,
    /// The members who are not released, by login name.
    pub members: Vec<PersonRef>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<reads::Group> for Group {
    fn from(group: reads::Group) -> Group {
        Group {
            members: group.members.iter().map(PersonRef::from).collect(),
            created_at: instant(group.created_at),
            updated_at: instant(group.updated_at),
            id: group.id,
            display_name: group.display_name,
            external_id: group.external_id,
        }
    }
}

/// A page of groups, by id.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupPage {
    pub data: Vec<Group>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// What an event is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventSubject {
    /// `employee`, `group` or `account`.
    #[serde(rename = "type")]
    pub subject_type: String,
    /// The employee id (the OpenID Connect `sub`), the group id or the account id.
    pub id: String,
}

/// One change of the feed (`directory::events::Event` as the feed writes it).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventSchema {
    /// Unique and stable (`evt_...`): the same event delivered twice has the same id.
    pub id: String,
    /// `employee.created`, `employee.updated`, `employee.deactivated`, `employee.reactivated`,
    /// `employee.released`, `employee.defederated`, `approver.changed`, `roles.changed`,
    /// `group.created`, `group.updated`, `group.deleted`, ...
    #[serde(rename = "type")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// The channel of the change: `scim`, `sso`, `admin`, `csv`, `cli`, `system`.
    pub source: String,
    pub subject: EventSubject,
    /// The event's details (for changes: `changes`, each with `field`, `old`, `new`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A page of the change feed. An empty `data` with the same cursor means caught up.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub data: Vec<EventSchema>,
    /// Where to continue (`after`); never null, the feed has no last page.
    pub next_cursor: String,
}

/// The feed's newest position, to take before a full read of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedCursor {
    pub cursor: String,
}

/// An error, as RFC 9457 problem details (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` says what went wrong.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// For programs: `invalid_token`, `insufficient_scope`, `not_found`, `invalid_parameter`,
    /// `cursor_expired`, `internal`.
    pub code: String,
    /// The query parameter that was refused (with `invalid_parameter`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}
