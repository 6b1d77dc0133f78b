//! `GET|POST /oauth/userinfo` (OpenID Connect Core 5.3): the same claims as the ID token, for a
//! current access token; 401 with a Bearer challenge otherwise.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::db::Db;
use crate::oidc::claims::{self, Person, SignIn};
use crate::oidc::error::OAuthError;
use crate::oidc::grants;

#[derive(Serialize)]
struct UserInfo {
    #[serde(flatten)]
    person: Person,
    #[serde(flatten)]
    sign_in: SignIn,
}

pub async fn userinfo(request: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, OAuthError> {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
        .ok_or_else(OAuthError::invalid_token)?;
    let info = db
        .run(move |c| -> Result<Option<UserInfo>, OAuthError> {
            let Some(grant) = grants::by_access_token(c, &token)? else {
                return Ok(None);
            };
            Ok(Some(UserInfo {
                person: claims::person(c, &grant)?,
                sign_in: claims::sign_in(&grant),
            }))
        })
        .await?
        .ok_or_else(OAuthError::invalid_token)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(info))
}
