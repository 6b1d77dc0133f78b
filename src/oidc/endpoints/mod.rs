//! The provider's HTTP endpoints (paths in `crate::routes`); each reads its request, calls the
//! flow in `oidc`, and answers in OAuth's terms.

pub mod authorize;
pub mod discovery;
pub mod logout;
pub mod revoke;
pub mod token;
pub mod userinfo;

use actix_web::HttpRequest;
use actix_web::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::clients::Presented;
use super::error::OAuthError;

/// `uri` with these parameters added to its query (a registered URI may have one already).
pub(crate) fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return uri.to_owned();
    }
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let joiner = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{joiner}{query}")
}

/// The answer to a CORS preflight of the endpoints a browser app calls from its own origin.
pub async fn cors_preflight() -> actix_web::HttpResponse {
    actix_web::HttpResponse::NoContent()
        .insert_header(("Access-Control-Allow-Methods", "GET, POST, OPTIONS"))
        .insert_header((
            "Access-Control-Allow-Headers",
            "Authorization, Content-Type, DPoP",
        ))
        .insert_header(("Access-Control-Max-Age", "600"))
        .finish()
}

/// How the client authenticated: HTTP Basic (RFC 6749 2.3.1: both parts form-urlencoded) or
/// `client_id`/`client_secret` in the body, never both.
pub(crate) fn presented(
    request: &HttpRequest,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<Presented, OAuthError> {
    let basic = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    match basic {
        Some(encoded) => {
            if form_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "use one client authentication method, not two",
                ));
            }
            let decoded = STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or_else(|| OAuthError::invalid_client(true))?;
            let unescape = |s: &str| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
                    .ok()
                    .and_then(|mut v| v.pop())
                    .map(|(_, v)| v)
            };
            let id = unescape(id).ok_or_else(|| OAuthError::invalid_client(true))?;
            if form_id.is_some_and(|f| f != id) {
                return Err(OAuthError::invalid_client(true));
            }
            Ok(Presented {
                id: Some(id),
                secret: unescape(secret),
                basic: true,
            })
        }
        None => Ok(Presented {
            id: form_id.map(str::to_owned),
            secret: form_secret.map(str::to_owned),
            basic: false,
        }),
    }
}
