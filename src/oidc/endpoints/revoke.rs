//! `POST /oauth/revoke` (RFC 7009): the client says a token is no longer needed. Always 200
//! for an authenticated client, known token or not.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::presented;
use crate::db::{self, Db};
use crate::oidc::clients;
use crate::oidc::error::OAuthError;
use crate::oidc::grants;

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

pub async fn revoke(
    request: HttpRequest,
    form: web::Form<RevokeForm>,
    db: web::Data<Db>,
) -> Result<HttpResponse, OAuthError> {
    let form = form.into_inner();
    let who = presented(
        &request,
        form.client_id.as_deref(),
        form.client_secret.as_deref(),
    )?;
    let token = form
        .token
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    db.run(move |conn| {
        db::write(conn, |c| -> Result<(), OAuthError> {
            let client = clients::authenticate(c, &who)?;
            Ok(grants::revoke_token(c, &client.id, &token)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().finish())
}
