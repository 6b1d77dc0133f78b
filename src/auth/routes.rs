//! `GET /api/me` and `POST /logout`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde_json::json;

use super::{csrf, session_cookie, sessions};
use crate::config::Settings;
use crate::db::Db;
use crate::error::HttpError;
use crate::web::pages;

/// The landing page after sign-in: who you are, and a way out.
#[get("/")]
pub async fn home(
    request: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let person = match session_cookie::secret_of(&request) {
        Some(secret) => db.run(move |conn| sessions::find(conn, &secret)).await?,
        None => None,
    };
    let (token, cookie) = csrf::token_for(&request, settings.is_https());
    let mut context = tera::Context::new();
    context.insert("person", &person);
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

#[get("/api/me")]
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

#[post("/logout")]
pub async fn logout(
    request: HttpRequest,
    form: web::Form<LogoutForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    if csrf::check(&request, &form.csrf, &settings.public_url).is_err() {
        return Ok(super::password_routes::forged());
    }
    if let Some(secret) = session_cookie::secret_of(&request) {
        db.run(move |conn| sessions::revoke(conn, &secret)).await?;
    }
    Ok(HttpResponse::SeeOther()
        .cookie(session_cookie::clear(settings.is_https()))
        .insert_header((header::LOCATION, "/"))
        .finish())
}
