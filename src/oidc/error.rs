//! OAuth 2.0 error answers (RFC 6749 section 5.2, RFC 6750 section 3): the one place that maps
//! what went wrong to an error code, a status and the JSON body a client library reads.

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, PRAGMA, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::db::DbError;
use crate::directory::DirectoryError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    pub code: &'static str,
    pub description: String,
    pub status: StatusCode,
    /// `Basic` when the client authenticated (or should have) with HTTP Basic, `Bearer` for a
    /// protected resource: the `WWW-Authenticate` challenge to send with a 401.
    pub challenge: Option<&'static str>,
}

impl OAuthError {
    fn new(code: &'static str, status: StatusCode, description: impl Into<String>) -> OAuthError {
        OAuthError {
            code,
            description: description.into(),
            status,
            challenge: None,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_request", StatusCode::BAD_REQUEST, description)
    }

    pub fn invalid_client(basic: bool) -> OAuthError {
        OAuthError {
            challenge: basic.then_some("Basic"),
            ..OAuthError::new(
                "invalid_client",
                StatusCode::UNAUTHORIZED,
                "client authentication failed",
            )
        }
    }

    pub fn invalid_grant(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_grant", StatusCode::BAD_REQUEST, description)
    }

    pub fn unauthorized_client(description: impl Into<String>) -> OAuthError {
        OAuthError::new("unauthorized_client", StatusCode::BAD_REQUEST, description)
    }

    pub fn unsupported_grant_type(grant_type: &str) -> OAuthError {
        OAuthError::new(
            "unsupported_grant_type",
            StatusCode::BAD_REQUEST,
            format!("grant_type {grant_type:?} is not supported"),
        )
    }

    pub fn invalid_scope(description: impl Into<String>) -> OAuthError {
        OAuthError::new("invalid_scope", StatusCode::BAD_REQUEST, description)
    }

    /// A bearer token that is missing, expired or revoked (RFC 6750 section 3.1).
    pub fn invalid_token() -> OAuthError {
        OAuthError {
            challenge: Some("Bearer"),
            ..OAuthError::new(
                "invalid_token",
                StatusCode::UNAUTHORIZED,
                "the access token is missing, expired or revoked",
            )
        }
    }

    /// The store failed: the transaction rolls back. Every other error is an answer, and what it
    /// wrote (a revocation) commits.
    pub fn is_store_failure(&self) -> bool {
        self.code == "server_error"
    }

    pub fn server_error() -> OAuthError {
        OAuthError::new(
            "server_error",
            StatusCode::SERVICE_UNAVAILABLE,
            "the provider cannot reach its store right now; try again",
        )
    }
}

impl From<DirectoryError> for OAuthError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::NotFound { what } => {
                OAuthError::invalid_request(format!("{what} not found"))
            }
            DirectoryError::Invalid { .. } | DirectoryError::Conflict { .. } => {
                OAuthError::invalid_request(error.to_string())
            }
            DirectoryError::Refused(refusal) => OAuthError::invalid_grant(refusal.to_string()),
            DirectoryError::Db(db) => db.into(),
            DirectoryError::Randomness(error) => {
                log::error!("oidc: no randomness: {error}");
                OAuthError::server_error()
            }
        }
    }
}

impl From<diesel::result::Error> for OAuthError {
    fn from(error: diesel::result::Error) -> Self {
        DbError::Query(error).into()
    }
}

impl From<DbError> for OAuthError {
    fn from(error: DbError) -> Self {
        log::error!("oidc: database error: {error}");
        OAuthError::server_error()
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response
            .insert_header((CACHE_CONTROL, "no-store"))
            .insert_header((PRAGMA, "no-cache"));
        if let Some(scheme) = self.challenge {
            let value = match scheme {
                "Bearer" => format!(
                    "Bearer error=\"{}\", error_description=\"{}\"",
                    self.code, self.description
                ),
                _ => format!("{scheme} realm=\"gatehouse\""),
            };
            response.insert_header((WWW_AUTHENTICATE, value));
        }
        response.json(json!({ "error": self.code, "error_description": self.description }))
    }
}
