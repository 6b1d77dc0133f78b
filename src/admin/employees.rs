//! The people of the account: search and pages, master data (read-only where Entra owns it),
//! roles, activation, release (hard delete), removal from the federation, password links,
//! history.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tera::Context;

use super::form::Posted;
use super::guard::Admin;
use super::view::{self, Flash};
use crate::auth::credentials::LinkPurpose;
use crate::auth::password_links;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::approvers::{self, Roles};
use crate::directory::employees::{self, Employee, Profile};
use crate::directory::history::{self, HistoryEntry};
use crate::directory::search::{self, PeopleQuery};
use crate::directory::{DirectoryError, Result as DirResult, lifecycle, zones};
use crate::error::HttpError;
use crate::web::{see_other, urlencode};

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

fn status_of(p: &Employee) -> &'static str {
    match (p.is_released(), p.active) {
        (true, _) => "released",
        (false, true) => "active",
        (false, false) => "inactive",
    }
}

/// Who changes the person: a released (hard-deleted) person is Entra's no longer, whatever
/// their federation flag says, since SCIM answers 404 for them from then on.
fn managed_by(p: &Employee) -> &'static str {
    if p.is_released() {
        return "nobody (released)";
    }
    match (p.federated, p.defederated) {
        (true, _) => "Entra ID",
        (false, true) => "Gatehouse (removed from federation)",
        (false, false) => "Gatehouse",
    }
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

#[get("/employees")]
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
pub struct Done {
    done: Option<String>,
    /// The page of the history to show.
    history: Option<i64>,
}

#[get("/employees/{id}")]
pub async fn detail(
    admin: Admin,
    path: web::Path<String>,
    query: web::Query<Done>,
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
async fn show(
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

/// Runs one change to a person; on success redirects back to their page with `done`, on a
/// refusal shows the page again with the reason.
async fn act(
    admin: Admin,
    db: web::Data<Db>,
    id: String,
    done: &str,
    work: impl FnOnce(&mut db::DbConnection, &str, &str) -> DirResult<()> + Send + 'static,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let target = id.clone();
    let result = db
        .run(move |conn| db::write(conn, |c| work(c, &account_id, &target)))
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/employees/{id}?done={done}"))),
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, &id, status, Some(flash), None).await
        }
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    user_name: String,
    email: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    job_title: Option<String>,
    department: Option<String>,
    mobile_phone: Option<String>,
    work_phone: Option<String>,
    country: Option<String>,
    employment_date: Option<String>,
    payroll_number: Option<String>,
    employee_number: Option<String>,
    subsidiary: Option<String>,
    approver_login: Option<String>,
}

impl EditForm {
    fn profile(self, before: Profile, zone: chrono_tz::Tz) -> DirResult<Profile> {
        let employment_date = match self.employment_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                DirectoryError::invalid(
                    "employment_date",
                    format!("{text:?} is not a date like 2024-03-01"),
                )
            })?),
        };
        // Re-saving the page keeps the stored instant when its day is unchanged.
        let employment_date = zones::instant_for(employment_date, before.employment_date, zone);
        Ok(Profile {
            external_id: before.external_id,
            user_name: self.user_name,
            email: self.email,
            given_name: self.given_name,
            family_name: self.family_name,
            display_name: before.display_name,
            job_title: self.job_title,
            department: self.department,
            mobile_phone: self.mobile_phone,
            work_phone: self.work_phone,
            country: self.country,
            employment_date,
            payroll_number: self.payroll_number,
            employee_number: self.employee_number,
            subsidiary: self.subsidiary,
        })
    }
}

#[post("/employees/{id}")]
pub async fn edit(
    admin: Admin,
    path: web::Path<String>,
    form: Posted<EditForm>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let by = admin.actor();
    let zone = admin.account.zone();
    act(
        admin,
        db,
        path.into_inner(),
        "saved",
        move |c, account, id| {
            let person = employees::get_current(c, account, id)?;
            let approver = form.0.approver_login.clone();
            let profile = form.0.profile(person.profile(), zone)?;
            lifecycle::edit_by_admin(c, account, id, profile, approver.as_deref(), &by)?;
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct RolesForm {
    setup_admin: Option<String>,
    approver: Option<String>,
    approves_self: Option<String>,
    only_selected_approver: Option<String>,
    #[serde(default)]
    departments: String,
}

#[post("/employees/{id}/roles")]
pub async fn change_roles(
    admin: Admin,
    path: web::Path<String>,
    form: Posted<RolesForm>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    let wanted = Roles {
        setup_admin: form.setup_admin.is_some(),
        approver: form.approver.is_some(),
        approves_self: form.approves_self.is_some(),
        only_selected_approver: form.only_selected_approver.is_some(),
        departments: form.departments.split(',').map(str::to_owned).collect(),
    };
    let by = admin.actor();
    act(
        admin,
        db,
        path.into_inner(),
        "roles",
        move |c, account, id| approvers::set_roles(c, account, id, wanted, &by).map(|_| ()),
    )
    .await
}

/// What a confirmation page says, and where its button posts.
struct Confirmation {
    title: &'static str,
    consequences: Vec<String>,
    button: &'static str,
    action: String,
}

async fn confirm(
    admin: &Admin,
    db: &Db,
    id: String,
    make: impl FnOnce(&Employee) -> Confirmation + Send + 'static,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let person = db
        .run(move |c| employees::get_current(c, &account_id, &id))
        .await?;
    let confirmation = make(&person);
    let mut context = Context::new();
    context.insert("title", confirmation.title);
    context.insert("name", &person.display_name());
    context.insert("user_name", &person.user_name);
    context.insert("consequences", &confirmation.consequences);
    context.insert("button", confirmation.button);
    context.insert("action", &confirmation.action);
    context.insert("back", &format!("/admin/employees/{}", person.id));
    Ok(view::render(
        admin,
        StatusCode::OK,
        "admin/confirm.html",
        "employees",
        None,
        context,
    ))
}

#[get("/employees/{id}/release")]
pub async fn release_confirm(
    admin: Admin,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    confirm(&admin, &db, path.into_inner(), |p| Confirmation {
        title: "Release this person?",
        consequences: vec![
            format!(
                "{} can no longer sign in; their open sessions end now.",
                p.display_name()
            ),
            "Their termination date becomes today (or stays, if Entra already suspended them)."
                .into(),
            format!(
                "The login name {} and the email {} are released: a new person can be created with \
                 them later, and that will be someone separate.",
                p.user_name, p.email
            ),
            "Their record and history stay. You can activate them again while nobody else has \
             taken their login name or email."
                .into(),
            match p.federated {
                true => "They are managed by Entra ID: unassign them there as well, or Entra will \
                         create them again as a new person on its next cycle."
                    .into(),
                false => "They are not managed by Entra ID.".into(),
            },
        ],
        button: "Release",
        action: format!("/admin/employees/{}/release", p.id),
    })
    .await
}

#[get("/employees/{id}/defederate")]
pub async fn defederate_confirm(
    admin: Admin,
    path: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    confirm(&admin, &db, path.into_inner(), |p| Confirmation {
        title: "Remove this person from the federation?",
        consequences: vec![
            format!(
                "Entra ID stops managing {}: provisioning no longer sees them (Entra gets \"not \
                 found\"), and changes made in Entra no longer reach Gatehouse.",
                p.display_name()
            ),
            "They can no longer sign in through Microsoft; their open sessions end now.".into(),
            "Their master data becomes editable here, and they can set a local password through \
             a one-time link you send from their page."
                .into(),
            "Their active status does not change: activate or release them separately.".into(),
            "They keep their login name and email, so Entra cannot provision that address again \
             (it gets a conflict) unless you release them first; keep this for people who \
             leave the federation for good."
                .into(),
        ],
        button: "Remove from federation",
        action: format!("/admin/employees/{}/defederate", p.id),
    })
    .await
}

/// Activate, release (hard delete) or remove from the federation; the last two come
/// from their confirmation pages.
#[post("/employees/{id}/{action}")]
pub async fn change_status(
    admin: Admin,
    path: web::Path<(String, String)>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let (id, action) = path.into_inner();
    let done = match action.as_str() {
        "activate" => "activated",
        "release" => "released",
        "defederate" => "defederated",
        _ => return Err(HttpError::NotFound),
    };
    let by = admin.actor();
    act(admin, db, id, done, move |c, account, id| {
        match action.as_str() {
            "activate" => lifecycle::activate_by_admin(c, account, id, &by)?,
            "release" => lifecycle::release(c, account, id, &by)?,
            _ => lifecycle::remove_from_federation(c, account, id, &by)?,
        };
        Ok(())
    })
    .await
}

/// A one-time password setup link: mailed (or queued in the outbox) and shown to the admin once,
/// for companies without a mail server.
#[post("/employees/{id}/password-link")]
pub async fn password_link(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let id = path.into_inner();
    let account = admin.account.clone();
    let target = id.clone();
    let public_url = settings.public_url.clone();
    // With a mail server the link goes only to the person; without one the admin passes it on.
    let reveal = settings.smtp.is_none();
    let result = db
        .run(move |conn| {
            db::write(conn, |c| {
                let person = employees::get_current(c, &account.id, &target)?;
                password_links::send(c, &account, &person, LinkPurpose::Setup, &public_url)
                    .map(|(link, _)| link)
            })
        })
        .await;
    match result {
        Ok(link) => {
            let flash = Flash::ok(match reveal {
                true => {
                    "No mail server is set, so the link is shown here, once: pass it to the \
                         person. It works once, within 24 hours."
                }
                false => "Password link mailed to the person. It works once, within 24 hours.",
            });
            let link = reveal.then_some(link);
            show(&admin, &db, &id, StatusCode::OK, Some(flash), link).await
        }
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, &id, status, Some(flash), None).await
        }
    }
}
