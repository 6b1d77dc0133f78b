//! The list of people: search by name, login or email, a page at a time.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::{managed_by, status_of};
use crate::admin::guard::Admin;
use crate::admin::view;
use crate::db::Db;
use crate::directory::employees::Employee;
use crate::directory::search::{self, PeopleQuery};
use crate::error::HttpError;
use crate::web::urlencode;

const PAGE_SIZE: i64 = 25;

#[derive(Serialize)]
struct PersonRow {
    id: String,
    name: String,
    user_name: String,
    email: String,
    department: String,
    status: &'static str,
    managed_by: &'static str,
}

fn row(p: &Employee) -> PersonRow {
    PersonRow {
        id: p.id.clone(),
        name: p.display_name(),
        user_name: p.user_name.clone(),
        email: p.email.clone(),
        department: p.department.clone().unwrap_or_default(),
        status: status_of(p),
        managed_by: managed_by(p),
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
    inactive: Option<String>,
}

pub async fn list(
    admin: Admin,
    query: web::Query<ListQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let query = query.into_inner();
    let page = query.page.unwrap_or(1).max(1);
    let include_inactive = query.inactive.is_some();
    let people_query = PeopleQuery {
        text: query.q.clone(),
        include_inactive,
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let account_id = admin.account.id.clone();
    let found = db
        .run(move |c| search::people(c, &account_id, &people_query))
        .await?;
    let pages = (found.total + PAGE_SIZE - 1) / PAGE_SIZE;
    let link = |page: i64| {
        format!(
            "/admin/employees?q={}&page={page}{}",
            urlencode(&query.q),
            if include_inactive { "&inactive=on" } else { "" }
        )
    };
    let mut context = Context::new();
    context.insert("people", &found.people.iter().map(row).collect::<Vec<_>>());
    context.insert("total", &found.total);
    context.insert("q", &query.q);
    context.insert("inactive", &include_inactive);
    context.insert("page", &page);
    context.insert("pages", &pages.max(1));
    context.insert("previous", &(page > 1).then(|| link(page - 1)));
    context.insert("next", &(page < pages).then(|| link(page + 1)));
    Ok(view::render(
        &admin,
        StatusCode::OK,
        "admin/employees.html",
        "employees",
        None,
        context,
    ))
}
