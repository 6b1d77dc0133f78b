//! The start page, `GET /api/me` and `POST /logout`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::{csrf, session_cookie, sessions};
use crate::config::Settings;
use crate::db::Db;
use crate::directory::accounts;
use crate::error::HttpError;
use crate::web::{pages, urlencode};

#[derive(serde::Deserialize, Default)]
pub struct HomeQuery {
    account: Option<String>,
}

/// How a person who is not signed in gets in: always a password sign-in, and Microsoft when
/// the company (named by `?account=`, as the sign-in links carry it) has SSO on.
#[derive(serde::Serialize, Default)]
struct WaysIn {
    account: String,
    /// The company asked for does not exist.
    unknown: bool,
    password_url: String,
    microsoft_url: Option<String>,
}

/// The start page: who you are and a way out, or else the ways in.
pub async fn home(
    request: HttpRequest,
    query: web::Query<HomeQuery>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let person = match session_cookie::secret_of(&request) {
        Some(secret) => db.run(move |conn| sessions::find(conn, &secret)).await?,
        None => None,
    };
    let slug = query
        .into_inner()
        .account
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty() && a.len() <= 100);
    let ways = match (&person, slug) {
        (None, Some(slug)) => {
            let asked = slug.clone();
            let account = db
                .run(move |conn| accounts::find_by_slug(conn, &asked))
                .await?;
            WaysIn {
                password_url: format!("/a/{}/login", urlencode(&slug)),
                microsoft_url: account
                    .as_ref()
                    .filter(|a| a.sso_enabled && a.idp_sso_url.is_some())
                    .map(|a| format!("/saml/{}/login", urlencode(&a.slug))),
                unknown: account.is_none(),
                account: slug,
            }
        }
        _ => WaysIn {
            password_url: "/login".into(),
            ..WaysIn::default()
        },
    };
    let (token, cookie) = csrf::token_for(&request, settings.is_https())?;
    let mut context = tera::Context::new();
    context.insert("person", &person);
    context.insert("ways", &ways);
    context.insert("csrf", &token);
    let mut response = pages::page("home.html", &context);
    if let Some(cookie) = cookie {
        let _ = response.add_cookie(&cookie);
    }
    Ok(response)
}

#[derive(serde::Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn me(request: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, HttpError> {
    let Some(secret) = session_cookie::secret_of(&request) else {
        return Ok(not_signed_in());
    };
    let found = db.run(move |conn| sessions::find(conn, &secret)).await?;
    Ok(match found {
        Some(person) => HttpResponse::Ok().json(json!({
            "account": person.account,
            "user_id": person.user_id,
            "user_name": person.user_name,
            "email": person.email,
            "display_name": person.display_name,
        })),
        None => not_signed_in(),
    })
}

fn not_signed_in() -> HttpResponse {
    HttpResponse::Unauthorized().json(json!({ "error": "not signed in" }))
}

pub async fn logout(
    request: HttpRequest,
    form: web::Form<LogoutForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    if csrf::check(&request, &form.csrf, &settings.public_url).is_err() {
        return Ok(crate::web::pages::forged());
    }
    if let Some(secret) = session_cookie::secret_of(&request) {
        db.run(move |conn| sessions::revoke(conn, &secret)).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session_cookie::clear(settings.is_https()))
        .insert_header((header::LOCATION, "/"))
        .finish())
}
