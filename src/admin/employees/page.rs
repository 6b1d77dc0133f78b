//! One person's page: master data, roles, approver and a page of their history.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::{managed_by, status_of};
use crate::admin::guard::Admin;
use crate::admin::view::{self, Flash};
use crate::db::{self, Db};
use crate::directory::approvers::{self, Roles};
use crate::directory::employees::{self, Employee};
use crate::directory::history::{self, HistoryEntry};
use crate::directory::{Result as DirResult, zones};
use crate::error::HttpError;

#[derive(Serialize)]
struct HistoryView {
    at: String,
    action: String,
    source: String,
    by: String,
    changes: Vec<history::Change>,
}

struct Loaded {
    person: Employee,
    roles: Roles,
    approver: Option<Employee>,
    /// One page of the history, newest first.
    history: Vec<HistoryEntry>,
    history_total: i64,
    actors: HashMap<String, String>,
}

/// History entries per page of a person's page.
const HISTORY_PAGE: i64 = 50;

fn load(
    conn: &mut db::DbConnection,
    account_id: &str,
    id: &str,
    history_page: i64,
) -> DirResult<Loaded> {
    let person = employees::get(conn, account_id, id)?;
    let person_roles = approvers::roles_of(conn, &person)?;
    let approver = match &person.approver_id {
        Some(approver) => employees::get(conn, account_id, approver).ok(),
        None => None,
    };
    let (history, history_total) = history::page_of_employee(
        conn,
        account_id,
        id,
        (history_page - 1) * HISTORY_PAGE,
        HISTORY_PAGE,
    )?;
    let mut actors = HashMap::new();
    for actor in history.iter().filter_map(|h| h.actor.as_deref()) {
        if !actors.contains_key(actor)
            && let Ok(who) = employees::get(conn, account_id, actor)
        {
            actors.insert(actor.to_owned(), who.display_name());
        }
    }
    Ok(Loaded {
        person,
        roles: person_roles,
        approver,
        history,
        history_total,
        actors,
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    done: Option<String>,
    /// The page of the history to show.
    history: Option<i64>,
}

pub async fn detail(
    admin: Admin,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let flash = Flash::done(query.done.as_deref());
    let page = query.history.unwrap_or(1).clamp(1, 1_000_000);
    show_page(
        &admin,
        &db,
        &path.into_inner(),
        StatusCode::OK,
        flash,
        None,
        page,
    )
    .await
}

/// The person's page with a message and, right after it was made, a password link (shown once).
pub(super) async fn show(
    admin: &Admin,
    db: &Db,
    id: &str,
    status: StatusCode,
    flash: Option<Flash>,
    link: Option<String>,
) -> Result<HttpResponse, HttpError> {
    show_page(admin, db, id, status, flash, link, 1).await
}

/// `show`, with page `history_page` of the history.
async fn show_page(
    admin: &Admin,
    db: &Db,
    id: &str,
    status: StatusCode,
    flash: Option<Flash>,
    link: Option<String>,
    history_page: i64,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let id = id.to_owned();
    let loaded = db
        .run(move |c| load(c, &account_id, &id, history_page))
        .await?;
    let person = &loaded.person;
    let mut context = Context::new();
    context.insert("person", person);
    context.insert("name", &person.display_name());
    context.insert("status", status_of(person));
    context.insert("managed_by", managed_by(person));
    context.insert("entra_owned", &(person.federated && !person.is_released()));
    context.insert("released", &person.is_released());
    context.insert("is_self", &(person.id == admin.person.id));
    context.insert("sso_enabled", &admin.account.sso_enabled);
    // The instant Entra sent, as a day in the account's zone.
    let zone = admin.account.zone();
    context.insert(
        "employment_date",
        &person
            .employment_date
            .map(|d| zones::day_in(d, zone).to_string()),
    );
    context.insert(
        "approver",
        &loaded.approver.as_ref().map(|a| a.user_name.clone()),
    );
    context.insert("roles", &RolesView::of(&loaded.roles));
    let history: Vec<HistoryView> = loaded
        .history
        .iter()
        .map(|h| HistoryView {
            at: h.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            action: h.action.replace('_', " "),
            source: h.source.clone(),
            by: h
                .actor
                .as_ref()
                .map(|a| loaded.actors.get(a).cloned().unwrap_or_else(|| a.clone()))
                .unwrap_or_default(),
            changes: h.changes.clone(),
        })
        .collect();
    context.insert("history", &history);
    let pages = ((loaded.history_total + HISTORY_PAGE - 1) / HISTORY_PAGE).max(1);
    let page_link = |page: i64| format!("/admin/employees/{}?history={page}#history", person.id);
    context.insert("history_page", &history_page);
    context.insert("history_pages", &pages);
    context.insert(
        "history_newer",
        &(history_page > 1).then(|| page_link(history_page - 1)),
    );
    context.insert(
        "history_older",
        &(history_page < pages).then(|| page_link(history_page + 1)),
    );
    context.insert("link", &link);
    Ok(view::render(
        admin,
        status,
        "admin/employee.html",
        "employees",
        flash,
        context,
    ))
}

#[derive(Serialize)]
struct RolesView {
    setup_admin: bool,
    approver: bool,
    approves_self: bool,
    only_selected_approver: bool,
    departments: String,
}

impl RolesView {
    fn of(roles: &Roles) -> RolesView {
        RolesView {
            setup_admin: roles.setup_admin,
            approver: roles.approver,
            approves_self: roles.approves_self,
            only_selected_approver: roles.only_selected_approver,
            departments: roles.departments.join(", "),
        }
    }
}
