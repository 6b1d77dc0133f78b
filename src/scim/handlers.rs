//! HTTP for SCIM: authenticate the bearer token, run one operation in one blocking call (in a
//! transaction when it writes), record it in the provisioning log, answer in SCIM JSON.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::discovery;
use super::error::{CONTENT_TYPE, ScimError};
use super::groups::Groups;
use super::log_writer::{Line, LogWriter};
use super::operations::{ListQuery, MAX_PAGE, Outcome, Reply, Resource};
use super::users::Users;
use crate::auth::scim_tokens;
use crate::config::Settings;
use crate::db::{self, Db, DbConnection};
use crate::directory::accounts::{self, Account};
use crate::directory::provisioning_log::{self, Request};
use crate::web::body::{BodyError, read_limited};

/// Request bodies are capped: Entra's largest (a group with many members) stay well below.
pub const MAX_BODY_BYTES: usize = 512 * 1024;

/// Longer request targets get a SCIM error here. Entra's (one filter on one attribute) are a
/// few hundred bytes; past 64 KiB actix-http itself refuses the request line with an empty
/// 400, before any handler runs.
pub const MAX_URL_BYTES: usize = 8 * 1024;

fn bearer(request: &HttpRequest) -> Option<String> {
    let header = request.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

async fn run<F>(
    request: &HttpRequest,
    db: &Db,
    settings: &Settings,
    writes: bool,
    subject: Option<String>,
    operation: F,
) -> HttpResponse
where
    F: FnOnce(&mut DbConnection, &Account, &str) -> Outcome + Send + 'static,
{
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URL_BYTES {
        return ScimError::uri_too_long(MAX_URL_BYTES).response();
    }
    let token = bearer(request);
    let log_writer = request
        .app_data::<web::Data<LogWriter>>()
        .map(|w| w.get_ref().clone());
    let method = request.method().to_string();
    let path = request.path().to_owned();
    let base = format!("{}/scim/v2", settings.public_url);
    let outcome = db
        .run(move |conn| -> Result<Outcome, ScimError> {
            let account_id = match token {
                Some(token) => scim_tokens::account_of(conn, &token)?,
                None => None,
            };
            let Some(account_id) = account_id else {
                return Ok(Err(ScimError::unauthorized()));
            };
            let account = accounts::by_id(conn, &account_id)?;
            let summary = |outcome: &Outcome| match outcome {
                Ok(reply) => (
                    reply.status,
                    reply.employee_id.clone().or(subject.clone()),
                    reply.note.clone(),
                ),
                Err(error) => (error.status, subject.clone(), error.logged()),
            };
            let record =
                |c: &mut DbConnection,
                 (status, employee, detail): (StatusCode, Option<String>, String)| {
                    let entry = Request {
                        method: &method,
                        path: &path,
                        employee_id: employee.as_deref(),
                        status: status.as_u16(),
                        detail: &detail,
                    };
                    provisioning_log::record(c, &account.id, &entry)
                };
            // A change and its log line commit together; a refused change is rolled back and
            // its log line written on its own.
            let outcome = match writes {
                true => db::write(conn, |c| {
                    let done = Ok(operation(c, &account, &base)?);
                    record(c, summary(&done))?;
                    done
                }),
                false => operation(conn, &account, &base),
            };
            let logged = match (&outcome, writes) {
                (Ok(_), true) => Ok(()),
                (_, true) => db::write(conn, |c| record(c, summary(&outcome))),
                (_, false) => {
                    let (status, employee_id, detail) = summary(&outcome);
                    let Some(log_writer) = &log_writer else {
                        return Ok(outcome);
                    };
                    log_writer.send(Line {
                        account_id: account.id.clone(),
                        method: method.clone(),
                        path: path.clone(),
                        employee_id,
                        status: status.as_u16(),
                        detail,
                    });
                    Ok(())
                }
            };
            if let Err(error) = logged {
                log::warn!("scim: the provisioning log could not be written: {error}");
            }
            Ok(outcome)
        })
        .await;
    match outcome.and_then(|inner| inner) {
        Ok(reply) => respond(reply),
        Err(error) => error.response(),
    }
}

fn respond(reply: Reply) -> HttpResponse {
    let mut builder = HttpResponse::build(reply.status);
    if let Some(location) = &reply.location {
        builder.insert_header(("Location", location.as_str()));
    }
    match reply.body {
        Some(body) => builder.content_type(CONTENT_TYPE).body(body.to_string()),
        None => builder.finish(),
    }
}

async fn json_body(payload: web::Payload) -> Result<Value, ScimError> {
    let bytes = read_limited(payload, MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::TooLarge => ScimError::too_large(MAX_BODY_BYTES),
            BodyError::Unreadable(e) => {
                ScimError::syntax(format!("the body could not be read: {e}"))
            }
        })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ScimError::syntax(format!("the body is not valid JSON: {e}")))
}

/// The list parameters; one that does not parse (`count=abc`) is refused, not dropped, since
/// dropping it would answer a filtered query with unfiltered users. Parameters we do not know
/// (Entra's `aadOptscim062020` feature flag) are ignored.
fn query(request: &HttpRequest) -> Result<ListQuery, ScimError> {
    serde_urlencoded::from_str::<ListQuery>(request.query_string())
        .map_err(|e| ScimError::value(format!("the query string is not valid: {e}")))
}

fn subject<R: Resource>(id: &str) -> Option<String> {
    R::NAMES_A_PERSON.then(|| id.to_owned())
}

async fn list<R: Resource>(
    request: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let q = query(&request);
    run(&request, &db, &settings, false, None, move |c, a, base| {
        R::list(c, a, &q?, base)
    })
    .await
}

async fn search<R: Resource>(
    request: HttpRequest,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let body = json_body(payload).await;
    run(&request, &db, &settings, false, None, move |c, a, base| {
        R::list(c, a, &ListQuery::from_search(&body?)?, base)
    })
    .await
}

async fn create<R: Resource>(
    request: HttpRequest,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let body = json_body(payload).await;
    run(&request, &db, &settings, true, None, move |c, a, base| {
        R::create(c, a, &body?, base)
    })
    .await
}

async fn get<R: Resource>(
    request: HttpRequest,
    id: web::Path<String>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let (id, q) = (id.into_inner(), query(&request));
    run(
        &request,
        &db,
        &settings,
        false,
        subject::<R>(&id),
        move |c, a, base| R::get(c, a, &id, &q?, base),
    )
    .await
}

async fn replace<R: Resource>(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    change::<R>(request, id, payload, db, settings, R::replace).await
}

async fn patch<R: Resource>(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    change::<R>(request, id, payload, db, settings, R::patch).await
}

/// An operation that changes one resource by the body it is sent (PUT, PATCH).
type Change = fn(&mut DbConnection, &Account, &str, &Value, &str) -> Outcome;

async fn change<R: Resource>(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    operation: Change,
) -> HttpResponse {
    let id = id.into_inner();
    let body = json_body(payload).await;
    run(
        &request,
        &db,
        &settings,
        true,
        subject::<R>(&id),
        move |c, a, base| operation(c, a, &id, &body?, base),
    )
    .await
}

async fn delete<R: Resource>(
    request: HttpRequest,
    id: web::Path<String>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let id = id.into_inner();
    run(
        &request,
        &db,
        &settings,
        true,
        subject::<R>(&id),
        move |c, a, _| R::delete(c, a, &id),
    )
    .await
}

/// Root search across Users and Groups: each type answers the filter it understands.
async fn search_all(
    request: HttpRequest,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let body = json_body(payload).await;
    run(&request, &db, &settings, false, None, move |c, a, base| {
        let query = ListQuery::from_search(&body?)?;
        let everything = ListQuery {
            filter: query.filter.clone(),
            start_index: Some(1),
            count: Some(MAX_PAGE),
            attributes: query.attributes.clone(),
            excluded_attributes: query.excluded_attributes.clone(),
        };
        let mut found = Vec::new();
        let mut first_error = None;
        for outcome in [
            Users::list(c, a, &everything, base),
            Groups::list(c, a, &everything, base),
        ] {
            match outcome {
                Ok(reply) => found.extend(
                    reply
                        .body
                        .and_then(|b| b["Resources"].as_array().cloned())
                        .unwrap_or_default(),
                ),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        if let (true, Some(error)) = (found.is_empty(), first_error) {
            return Err(error);
        }
        let (start, count) = query.page();
        let (start, count) = (start as usize, count as usize);
        let total = found.len();
        let page: Vec<Value> = found.into_iter().skip(start - 1).take(count).collect();
        Ok(Reply::json(
            StatusCode::OK,
            super::resource::list_response(total, start, page),
        ))
    })
    .await
}

async fn discovery_doc(
    request: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let path = request.match_info().get("id").map(str::to_owned);
    let kind = request
        .path()
        .trim_start_matches("/scim/v2/")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    run(&request, &db, &settings, false, None, move |_, _, base| {
        let (all, key) = match kind.as_str() {
            "ServiceProviderConfig" => {
                return Ok(Reply::json(
                    StatusCode::OK,
                    discovery::service_provider_config(base),
                ));
            }
            "Schemas" => (discovery::schemas(base), "id"),
            _ => (discovery::resource_types(base), "id"),
        };
        match path {
            None => Ok(Reply::json(StatusCode::OK, discovery::list(all))),
            Some(id) => all
                .into_iter()
                .find(|r| r[key].as_str() == Some(id.as_str()))
                .map(|r| Reply::json(StatusCode::OK, r))
                .ok_or_else(|| ScimError::not_found(format!("{kind}/{id} not found"))),
        }
    })
    .await
}

async fn not_allowed() -> HttpResponse {
    ScimError::method_not_allowed().response()
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    ScimError::not_found(format!("there is no SCIM endpoint at {}", request.path())).response()
}

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/scim/v2")
            .configure(resource::<Users>("/Users"))
            .configure(resource::<Groups>("/Groups"))
            .service(
                web::resource("/.search")
                    .route(web::post().to(search_all))
                    .default_service(web::to(not_allowed)),
            )
            .service(
                web::resource("/ServiceProviderConfig")
                    .route(web::get().to(discovery_doc))
                    .default_service(web::to(not_allowed)),
            )
            .service(
                web::resource(["/Schemas", "/ResourceTypes"])
                    .route(web::get().to(discovery_doc))
                    .default_service(web::to(not_allowed)),
            )
            .service(
                web::resource(["/Schemas/{id}", "/ResourceTypes/{id}"])
                    .route(web::get().to(discovery_doc))
                    .default_service(web::to(not_allowed)),
            )
            .default_service(web::to(not_found)),
    );
}

/// The routes of one resource type: collection, .search, and items.
fn resource<R: Resource>(path: &'static str) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        config
            .service(
                web::resource(format!("{path}/.search"))
                    .route(web::post().to(search::<R>))
                    .default_service(web::to(not_allowed)),
            )
            .service(
                web::resource(path)
                    .route(web::get().to(list::<R>))
                    .route(web::post().to(create::<R>))
                    .default_service(web::to(not_allowed)),
            )
            .service(
                web::resource(format!("{path}/{{id}}"))
                    .route(web::get().to(get::<R>))
                    .route(web::put().to(replace::<R>))
                    .route(web::patch().to(patch::<R>))
                    .route(web::delete().to(delete::<R>))
                    .default_service(web::to(not_allowed)),
            );
    }
}
