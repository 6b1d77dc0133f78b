//! The provisioning log and the login journal, filtered by person, outcome and time, each
//! failure with what to do about it; the back-channel logouts and the webhook deliveries.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::guard::Admin;
use super::view::{self, Flash};
use crate::auth::journal;
use crate::db::Db;
use crate::directory::search::{self, LogQuery};
use crate::directory::{applications, provisioning_log, webhooks};
use crate::error::HttpError;
use crate::web::urlencode;

#[derive(Deserialize, Default)]
pub struct Filter {
    log: Option<String>,
    #[serde(default)]
    person: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    page: Option<i64>,
}

/// Lines per page: the logs are paged, never loaded whole.
const PAGE_SIZE: i64 = 100;

#[derive(Serialize)]
struct Line {
    at: String,
    outcome: String,
    what: String,
    who: String,
    reason: String,
    detail: String,
    hint: String,
    /// Identical refusals this line stands for (1 for most).
    repeats: i32,
}

fn day(text: &str, field: &str) -> Result<Option<NaiveDate>, String> {
    match text.trim() {
        "" => Ok(None),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{field}: {t:?} is not a date like 2026-11-22")),
    }
}

fn start_of(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).unwrap_or_default()
}

pub async fn page(
    admin: Admin,
    filter: web::Query<Filter>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let filter = filter.into_inner();
    if filter.log.as_deref() == Some("logouts") {
        return logouts(&admin, &db).await;
    }
    if filter.log.as_deref() == Some("webhooks") {
        return webhook_deliveries(&admin, &db).await;
    }
    let provisioning = filter.log.as_deref() == Some("provisioning");
    let dates = day(&filter.from, "From").and_then(|from| Ok((from, day(&filter.until, "Until")?)));
    let (flash, status, (from, until)) = match dates {
        Ok(dates) => (None, StatusCode::OK, dates),
        Err(message) => (
            Some(Flash::error(message)),
            StatusCode::BAD_REQUEST,
            (None, None),
        ),
    };
    let page = filter.page.unwrap_or(1).clamp(1, 1_000_000);
    let mut query = LogQuery {
        person: filter.person.clone(),
        outcome: filter.outcome.clone(),
        from: from.map(start_of),
        // "Until" includes that whole day.
        until: until.map(|d| start_of(d) + chrono::Duration::days(1)),
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        ..LogQuery::default()
    };
    let account_id = admin.account.id.clone();
    let (lines, total) = db
        .run(move |c| -> crate::directory::Result<(Vec<Line>, i64)> {
            if !query.person.trim().is_empty() {
                query.people = search::ids_matching(c, &account_id, &query.person)?;
            }
            let names = |c: &mut crate::db::DbConnection, id: &Option<String>| match id {
                Some(id) => crate::directory::employees::get(c, &account_id, id)
                    .map(|p| p.user_name)
                    .unwrap_or_default(),
                None => String::new(),
            };
            let mut lines = Vec::new();
            let total;
            if provisioning {
                total = provisioning_log::count(c, &account_id, &query)?;
                for e in provisioning_log::search(c, &account_id, &query)? {
                    let who = names(c, &e.employee_id);
                    lines.push(Line {
                        at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        hint: match e.outcome.as_str() {
                            "failure" => provisioning_log::hint(e.status, &e.detail).to_owned(),
                            _ => String::new(),
                        },
                        outcome: e.outcome,
                        what: format!("{} {}", e.method, e.path),
                        who,
                        reason: e.status.to_string(),
                        detail: e.detail,
                        repeats: 1,
                    });
                }
            } else {
                total = journal::count(c, &account_id, &query)?;
                for e in journal::search(c, &account_id, &query)? {
                    let who = match names(c, &e.employee_id) {
                        name if name.is_empty() => e.name_id.clone().unwrap_or_default(),
                        name => name,
                    };
                    lines.push(Line {
                        at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        outcome: e.outcome,
                        what: format!("{} ({})", e.method, e.flow),
                        who,
                        reason: e.reason,
                        detail: e.detail,
                        hint: e.hint,
                        repeats: e.repeats,
                    });
                }
            }
            Ok((lines, total))
        })
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |page: i64| {
        format!(
            "/admin/logs?{}person={}&outcome={}&from={}&until={}&page={page}",
            if provisioning {
                "log=provisioning&"
            } else {
                ""
            },
            urlencode(&filter.person),
            urlencode(&filter.outcome),
            urlencode(&filter.from),
            urlencode(&filter.until),
        )
    };
    let mut context = Context::new();
    context.insert("provisioning", &provisioning);
    context.insert("lines", &lines);
    context.insert("person", &filter.person);
    context.insert("outcome", &filter.outcome);
    context.insert("from", &filter.from);
    context.insert("until", &filter.until);
    context.insert("total", &total);
    context.insert("page", &page);
    context.insert("pages", &pages);
    context.insert("previous", &(page > 1).then(|| link(page - 1)));
    context.insert("next", &(page < pages).then(|| link(page + 1)));
    Ok(view::render(
        &admin,
        status,
        "admin/logs.html",
        "logs",
        flash,
        context,
    ))
}

/// The back-channel logouts sent to the applications, newest first.
async fn logouts(admin: &Admin, db: &Db) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let deliveries = db
        .run(move |c| applications::recent(c, &account_id, 100))
        .await?;
    let mut context = Context::new();
    context.insert("logouts", &deliveries);
    Ok(view::render(
        admin,
        StatusCode::OK,
        "admin/logs.html",
        "logs",
        None,
        context,
    ))
}

#[derive(Serialize)]
struct WebhookLine {
    event_type: String,
    event_id: String,
    url: String,
    status: String,
    attempts: i32,
    last_status: Option<i32>,
    last_error: Option<String>,
    last_attempt: String,
    next_attempt: Option<String>,
}

/// The webhook deliveries, the latest attempts first: one line per event and endpoint.
async fn webhook_deliveries(admin: &Admin, db: &Db) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let deliveries = db
        .run(move |c| webhooks::deliveries(c, &account_id, PAGE_SIZE))
        .await?;
    let when = |at: NaiveDateTime| at.format("%Y-%m-%d %H:%M:%S").to_string();
    let lines: Vec<WebhookLine> = deliveries
        .into_iter()
        .map(|d| WebhookLine {
            event_type: d.event_type,
            event_id: d.event_id,
            url: d.url,
            status: d.status,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            last_attempt: when(d.last_attempt_at),
            next_attempt: d.next_attempt_at.map(when),
        })
        .collect();
    let mut context = Context::new();
    // An empty list is false in a template: the tab is named on its own.
    context.insert("webhooks_tab", &true);
    context.insert("webhook_deliveries", &lines);
    Ok(view::render(
        admin,
        StatusCode::OK,
        "admin/logs.html",
        "logs",
        None,
        context,
    ))
}
