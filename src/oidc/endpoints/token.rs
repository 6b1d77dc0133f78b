//! `POST /oauth/token` (RFC 6749 section 3.2): `authorization_code` (with PKCE),
//! `refresh_token` (rotating) and `client_credentials` (a confidential client reading the
//! directory API on its own behalf). Answers are never cached.

use actix_web::http::header::{CACHE_CONTROL, PRAGMA};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::presented;
use crate::auth::client_tokens;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::oidc::clients;
use crate::oidc::error::OAuthError;
use crate::oidc::grants::{self, ACCESS_LIFETIME, Grant};
use crate::oidc::id_token;

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

pub async fn token(
    request: HttpRequest,
    form: web::Form<TokenForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, OAuthError> {
    let form = form.into_inner();
    let who = presented(
        &request,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let issuer = settings.public_url.clone();
    let body = db
        .run(move |conn| {
            // A refusal commits (a replayed code or refresh token has just revoked its grant);
            // only a store failure rolls back.
            db::write(conn, |c| match exchange(c, &issuer, &who, &form) {
                Err(error) if error.is_store_failure() => Err(error),
                outcome => Ok(outcome),
            })
            .and_then(|outcome| outcome)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((PRAGMA, "no-cache"))
        .json(body))
}

fn exchange(
    c: &mut crate::db::DbConnection,
    issuer: &str,
    who: &clients::Presented,
    form: &TokenForm,
) -> Result<serde_json::Value, OAuthError> {
    let client = clients::authenticate(c, who)?;
    let grant_type = form.grant_type.as_deref().unwrap_or_default();
    let grant = match grant_type {
        "authorization_code" => {
            let code = form
                .code
                .as_deref()
                .ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
            grants::redeem(
                c,
                &client.id,
                code,
                form.redirect_uri.as_deref(),
                form.code_verifier.as_deref(),
            )?
        }
        "refresh_token" => {
            let token = form
                .refresh_token
                .as_deref()
                .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
            grants::refresh(c, &client.id, token)?
        }
        "client_credentials" => return client_credentials(c, &client, form.scope.as_deref()),
        "" => return Err(OAuthError::invalid_request("grant_type is missing")),
        other => return Err(OAuthError::unsupported_grant_type(other)),
    };
    answer(c, issuer, &grant)
}

/// RFC 6749 section 4.4: only a confidential client, only the directory scope, no refresh
/// token and no ID token (there is no person).
fn client_credentials(
    c: &mut crate::db::DbConnection,
    client: &clients::Client,
    scope: Option<&str>,
) -> Result<serde_json::Value, OAuthError> {
    if client.public {
        return Err(OAuthError::unauthorized_client(
            "client_credentials needs a confidential client (one with a secret)",
        ));
    }
    let scope = scope.map(str::trim).filter(|s| !s.is_empty());
    let scope = scope.unwrap_or(client_tokens::DIRECTORY_READ);
    if let Some(unknown) = scope
        .split(' ')
        .find(|s| !client_tokens::SCOPES.contains(s))
    {
        return Err(OAuthError::invalid_scope(format!(
            "{unknown:?} is not a scope of client_credentials (use {})",
            client_tokens::DIRECTORY_READ
        )));
    }
    let token = client_tokens::issue(c, &client.id, scope)?;
    Ok(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": client_tokens::LIFETIME.num_seconds(),
        "scope": scope,
    }))
}

fn answer(
    c: &mut crate::db::DbConnection,
    issuer: &str,
    grant: &Grant,
) -> Result<serde_json::Value, OAuthError> {
    let issued = grants::issue(c, grant)?;
    let id_token = id_token::issue(c, issuer, grant, &issued.access_token)?;
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_LIFETIME.num_seconds(),
        "id_token": id_token,
        "scope": grant.scope,
    });
    if let Some(refresh) = issued.refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    Ok(body)
}
