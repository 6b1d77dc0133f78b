//! `GET .../departments`, `.../groups` and `.../groups/{id}`: how the account's people are
//! organised, as the people's department field and the SCIM groups Entra pushes say.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::access;
use super::model::{Department, DepartmentPage, Group, GroupPage};
use super::openapi::{AccountPath, GroupPath};
use super::params::{self, next_cursor, text};
use super::problem::ApiError;
use crate::db::Db;
use crate::directory::reads::{self, GroupFilter};

const DEPARTMENTS: &str = "departments";
const GROUPS: &str = "groups";

/// The filters of the department list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepartmentQuery {
    /// A piece of the name, in any case.
    q: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// The account's departments, by name: every department a current (not released) person is
/// in, with its head count and approvers.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/departments",
    tag = "organisation",
    operation_id = "list_departments",
    params(AccountPath, DepartmentQuery),
    responses((status = 200, description = "A page of departments", body = DepartmentPage)),
    security(("directory" = ["directory.read"]))
)]
pub async fn departments(
    request: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<DepartmentQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = text(query.q.as_deref());
    let keyset = params::keyset(DEPARTMENTS, query.after.as_deref(), query.limit.as_deref())?;
    access::answer(
        &request,
        &db,
        slug.into_inner(),
        move |conn, reader| -> Result<DepartmentPage, ApiError> {
            let page = reads::departments(conn, &reader.account.id, filter.as_deref(), &keyset)?;
            Ok(DepartmentPage {
                data: page.items.into_iter().map(Department::from).collect(),
                next_cursor: next_cursor(DEPARTMENTS, page.next),
            })
        },
    )
    .await
}

/// The filters of the group list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupQuery {
    /// A piece of the display name, in any case.
    q: Option<String>,
    /// Only the groups this person (by id) is a member of.
    member: Option<String>,
    /// The `next_cursor` of the page before.
    after: Option<String>,
    /// Rows per page, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// The SCIM groups Entra pushes, by id, with their members.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/groups",
    tag = "organisation",
    operation_id = "list_groups",
    params(AccountPath, GroupQuery),
    responses((status = 200, description = "A page of groups", body = GroupPage)),
    security(("directory" = ["directory.read"]))
)]
pub async fn groups(
    request: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<GroupQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let filter = GroupFilter {
        text: text(query.q.as_deref()),
        member: text(query.member.as_deref()),
    };
    let keyset = params::keyset(GROUPS, query.after.as_deref(), query.limit.as_deref())?;
    access::answer(
        &request,
        &db,
        slug.into_inner(),
        move |conn, reader| -> Result<GroupPage, ApiError> {
            let page = reads::groups(conn, &reader.account.id, &filter, &keyset)?;
            Ok(GroupPage {
                data: page.items.into_iter().map(Group::from).collect(),
                next_cursor: next_cursor(GROUPS, page.next),
            })
        },
    )
    .await
}

/// One group, with its members.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/groups/{id}",
    tag = "organisation",
    operation_id = "get_group",
    params(GroupPath),
    responses((status = 200, description = "The group", body = Group)),
    security(("directory" = ["directory.read"]))
)]
pub async fn group(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    access::answer(
        &request,
        &db,
        slug,
        move |conn, reader| -> Result<Group, ApiError> {
            Ok(Group::from(reads::group(conn, &reader.account.id, &id)?))
        },
    )
    .await
}
