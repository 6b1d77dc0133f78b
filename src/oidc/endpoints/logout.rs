//! `GET|POST /oauth/logout`: RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). With
//! an `id_token_hint` we signed, the browser session it names ends at once; without one the
//! person confirms on a page (a stranger's link must not sign anyone out). The grants of that
//! session end with it, and the person goes back to a registered `post_logout_redirect_uri`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use crate::auth::{csrf, session_cookie, sessions};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::DirectoryError;
use crate::error::HttpError;
use crate::oidc::clients::{self, Client};
use crate::oidc::grants;
use crate::oidc::id_token::Hint;
use crate::oidc::keys;
use crate::web::{pages, see_other};

#[derive(Debug, Deserialize, Clone)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    client_id: Option<String>,
    #[serde(default)]
    csrf: String,
}

fn bad_request(message: &str) -> HttpResponse {
    pages::error_page(StatusCode::BAD_REQUEST, message)
}

pub async fn logout_get(
    request: HttpRequest,
    params: web::Query<LogoutParams>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let params = params.into_inner();
    let issuer = settings.public_url.clone();
    let (hint, client) = {
        let params = params.clone();
        db.run(move |c| -> Result<_, DirectoryError> {
            let hint: Option<Hint> = match &params.id_token_hint {
                Some(token) => keys::verify_ours(c, token, &issuer)?,
                None => None,
            };
            let client_id = hint.as_ref().map(|h| h.aud.clone()).or(params.client_id);
            let client = match client_id {
                Some(id) => clients::find(c, &id)?,
                None => None,
            };
            Ok((hint, client))
        })
        .await?
    };
    if params.id_token_hint.is_some() && hint.is_none() {
        return Ok(bad_request(
            "The sign-out request carries an ID token Gatehouse did not issue.",
        ));
    }
    if let Some(response) = refuse_return(&params, client.as_ref()) {
        return Ok(response);
    }
    match hint.and_then(|h| h.sid) {
        Some(sid) => end(&request, &db, &settings, Some(sid), &params).await,
        None => Ok(confirm(&request, &settings, &params, client.as_ref())),
    }
}

/// The confirmation page's post: the browser's own session ends.
pub async fn logout_post(
    request: HttpRequest,
    form: web::Form<LogoutParams>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let params = form.into_inner();
    if csrf::check(&request, &params.csrf, &settings.public_url).is_err() {
        return Ok(pages::forged());
    }
    let client_id = params.client_id.clone();
    let client = match client_id {
        Some(id) => db.run(move |c| clients::find(c, &id)).await?,
        None => None,
    };
    if let Some(response) = refuse_return(&params, client.as_ref()) {
        return Ok(response);
    }
    end(&request, &db, &settings, None, &params).await
}

/// A `post_logout_redirect_uri` must be registered by the client the request names.
fn refuse_return(params: &LogoutParams, client: Option<&Client>) -> Option<HttpResponse> {
    let uri = params.post_logout_redirect_uri.as_deref()?;
    match client {
        Some(client) if client.allows_post_logout(uri) => None,
        _ => Some(bad_request(
            "The application asked to return to an address it has not registered for sign-out.",
        )),
    }
}

async fn end(
    request: &HttpRequest,
    db: &Db,
    settings: &Settings,
    sid: Option<String>,
    params: &LogoutParams,
) -> Result<HttpResponse, HttpError> {
    let secret = session_cookie::secret_of(request);
    db.run(move |conn| {
        db::write(conn, |c| -> Result<(), DirectoryError> {
            let mut sids: Vec<String> = sid.into_iter().collect();
            if let Some(secret) = &secret {
                if let Some(facts) = sessions::facts(c, secret)? {
                    sids.push(facts.sid);
                }
                sessions::revoke(c, secret)?;
            }
            for sid in &sids {
                sessions::revoke_sid(c, sid)?;
                grants::revoke_session(c, sid)?;
            }
            Ok(())
        })
    })
    .await?;
    let clear = session_cookie::clear(settings.is_https());
    let mut response = match &params.post_logout_redirect_uri {
        Some(uri) => {
            let state: Vec<(&str, &str)> =
                params.state.iter().map(|s| ("state", s.as_str())).collect();
            see_other(&super::with_query(uri, &state))
        }
        None => pages::notice(
            StatusCode::OK,
            "Signed out",
            "You are signed out of Gatehouse.",
            Some(("/", "Sign in again")),
        ),
    };
    if let Err(error) = response.add_cookie(&clear) {
        log::warn!("cannot clear the session cookie: {error}");
    }
    Ok(response)
}

fn confirm(
    request: &HttpRequest,
    settings: &Settings,
    params: &LogoutParams,
    client: Option<&Client>,
) -> HttpResponse {
    let (token, cookie) = match csrf::token_for(request, settings.is_https()) {
        Ok(token) => token,
        Err(error) => {
            return actix_web::ResponseError::error_response(&HttpError::from(error));
        }
    };
    let mut context = Context::new();
    context.insert("csrf", &token);
    context.insert("client_name", &client.map(|c| c.name.clone()));
    context.insert("client_id", &client.map(|c| c.id.clone()));
    context.insert("post_logout_redirect_uri", &params.post_logout_redirect_uri);
    context.insert("state", &params.state);
    let mut response = pages::page_with(StatusCode::OK, "logout_confirm.html", &context);
    if let Some(cookie) = cookie
        && let Err(error) = response.add_cookie(&cookie)
    {
        log::warn!("cannot set the form cookie: {error}");
    }
    response
}
