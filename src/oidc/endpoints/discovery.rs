//! OpenID Connect Discovery 1.0 and the JWKS.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::error::HttpError;
use crate::oidc::keys;

pub async fn configuration(settings: web::Data<Settings>) -> HttpResponse {
    let issuer = &settings.public_url;
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth/authorize"),
            "token_endpoint": format!("{issuer}/oauth/token"),
            "userinfo_endpoint": format!("{issuer}/oauth/userinfo"),
            "jwks_uri": format!("{issuer}/oauth/jwks"),
            "revocation_endpoint": format!("{issuer}/oauth/revoke"),
            "end_session_endpoint": format!("{issuer}/oauth/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access", "directory", "directory.read"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "prompt_values_supported": ["none", "login"],
            "claims_supported": [
                "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid",
                "preferred_username", "email", "name", "given_name", "family_name",
                "account", "roles", "department", "job_title", "approver"
            ],
            "authorization_response_iss_parameter_supported": true,
            "backchannel_logout_supported": true,
            "backchannel_logout_session_supported": true,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false
        }))
}

pub async fn jwks(db: web::Data<Db>) -> Result<HttpResponse, HttpError> {
    let set = db
        .run(move |conn| crate::db::write(conn, keys::jwks))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(set))
}
