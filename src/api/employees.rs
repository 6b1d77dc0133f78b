//! `GET .../employees`, `.../employees/{id}`, `.../employees/{id}/approvers` and
//! `.../approvers/{id}/employees`: people, and who approves whom by the product's rules.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::access;
use super::model::{ApprovalLink, ApprovalLinkPage, Employee, EmployeePage};
use super::openapi::{AccountPath, PersonPath};
use super::params::{self, boolean, instant, next_cursor, text};
use super::problem::ApiError;
use crate::db::Db;
use crate::directory::reads::{self, EmployeeFilter};

const KIND: &str = "employees";
const APPROVED_KIND: &str = "approved";

/// The filters of the employee list; all given ones hold at once, and each works with `after`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeeQuery {
    /// Only active (`true`) or only inactive (`false`) people.
    #[param(value_type = Option<bool>)]
    active: Option<String>,
    /// Only people changed at or after this RFC 3339 instant.
    #[param(value_type = Option<String>, format = DateTime)]
    updated_since: Option<String>,
    /// Only people of exactly this department.
    department: Option<String>,
    /// A piece of the name, login name or email, in any case.
    q: Option<String>,
    /// Also released (hard-deleted) people, left out otherwise.
    #[param(value_type = Option<bool>)]
    include_released: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

impl EmployeeQuery {
    fn filter(&self) -> Result<EmployeeFilter, ApiError> {
        Ok(EmployeeFilter {
            active: boolean("active", self.active.as_deref())?,
            updated_since: instant("updated_since", self.updated_since.as_deref())?,
            department: text(self.department.as_deref()),
            text: text(self.q.as_deref()),
            include_released: boolean("include_released", self.include_released.as_deref())?
                .unwrap_or(false),
        })
    }
}

/// The account's people, by id.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/employees",
    tag = "employees",
    operation_id = "list_employees",
    params(AccountPath, EmployeeQuery),
    responses((status = 200, description = "A page of people", body = EmployeePage)),
    security(("directory" = ["directory.read"]))
)]
pub async fn list(
    request: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<EmployeeQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let keyset = params::keyset(KIND, query.after.as_deref(), query.limit.as_deref())?;
    access::answer(
        &request,
        &db,
        slug.into_inner(),
        move |conn, reader| -> Result<EmployeePage, ApiError> {
            let zone = reader.account.zone();
            let page = reads::employees(conn, &reader.account.id, &filter, &keyset)?;
            Ok(EmployeePage {
                data: page
                    .items
                    .into_iter()
                    .map(|entry| Employee::new(entry, zone))
                    .collect(),
                next_cursor: next_cursor(KIND, page.next),
            })
        },
    )
    .await
}

/// One person, released or not.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/employees/{id}",
    tag = "employees",
    operation_id = "get_employee",
    params(PersonPath),
    responses((status = 200, description = "The person", body = Employee)),
    security(("directory" = ["directory.read"]))
)]
pub async fn detail(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    access::answer(
        &request,
        &db,
        slug,
        move |conn, reader| -> Result<Employee, ApiError> {
            let entry = reads::employee(conn, &reader.account.id, &id)?;
            Ok(Employee::new(entry, reader.account.zone()))
        },
    )
    .await
}

/// Who decides this person's requests, in order: the person alone when they approve
/// themselves (their manager is then ignored); otherwise the direct approver, then, unless the
/// person has "only the selected approver", the department's approvers by login name.
/// Inactive and released approvers are left out; a released person has none.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/employees/{id}/approvers",
    tag = "approvals",
    operation_id = "list_approvers_of_employee",
    params(PersonPath),
    responses((status = 200, description = "The approvers, in order (one page)", body = ApprovalLinkPage)),
    security(("directory" = ["directory.read"]))
)]
pub async fn approvers(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    access::answer(
        &request,
        &db,
        slug,
        move |conn, reader| -> Result<ApprovalLinkPage, ApiError> {
            let links = reads::approvers_of(conn, &reader.account.id, &id)?;
            Ok(ApprovalLinkPage {
                data: links.iter().map(ApprovalLink::from).collect(),
                next_cursor: None,
            })
        },
    )
    .await
}

/// The filters of an approver's people.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovedQuery {
    /// Only active (`true`) or only inactive (`false`) people.
    #[param(value_type = Option<bool>)]
    active: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// Whose requests this person decides, by id: exactly the people whose
/// `employees/{id}/approvers` names them. An inactive or released person decides nobody's.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/approvers/{id}/employees",
    tag = "approvals",
    operation_id = "list_employees_of_approver",
    params(PersonPath, ApprovedQuery),
    responses((status = 200, description = "A page of the people this person approves", body = ApprovalLinkPage)),
    security(("directory" = ["directory.read"]))
)]
pub async fn approved(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<ApprovedQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let active = boolean("active", query.active.as_deref())?;
    let keyset = params::keyset(
        APPROVED_KIND,
        query.after.as_deref(),
        query.limit.as_deref(),
    )?;
    access::answer(
        &request,
        &db,
        slug,
        move |conn, reader| -> Result<ApprovalLinkPage, ApiError> {
            let page = reads::approved_by(conn, &reader.account.id, &id, active, &keyset)?;
            Ok(ApprovalLinkPage {
                data: page.items.iter().map(ApprovalLink::from).collect(),
                next_cursor: next_cursor(APPROVED_KIND, page.next),
            })
        },
    )
    .await
}
