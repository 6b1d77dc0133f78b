//! RFC 9457 problem details: the one mapping from the API's errors to HTTP.

use actix_web::http::StatusCode;
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::db::DbError;
use crate::directory::DirectoryError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "send a current access token of the client_credentials grant: Authorization: Bearer TOKEN"
    )]
    Unauthorized,
    #[error("the access token lacks the scope {0}")]
    InsufficientScope(&'static str),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{parameter}: {message}")]
    InvalidParameter {
        parameter: &'static str,
        message: String,
    },
    /// A feed cursor from before what housekeeping purged.
    #[error("{0}")]
    CursorExpired(String),
    #[error("the directory could not be read; try again")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn invalid(parameter: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::InvalidParameter {
            parameter,
            message: message.into(),
        }
    }

    /// The machine-readable name clients switch on.
    fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "invalid_token",
            ApiError::InsufficientScope(_) => "insufficient_scope",
            ApiError::NotFound(_) => "not_found",
            ApiError::InvalidParameter { .. } => "invalid_parameter",
            ApiError::CursorExpired(_) => "cursor_expired",
            ApiError::Internal(_) => "internal",
        }
    }
}

impl From<DirectoryError> for ApiError {
    fn from(error: DirectoryError) -> ApiError {
        match error {
            DirectoryError::NotFound { what } => ApiError::NotFound(what.to_owned()),
            DirectoryError::Invalid {
                field: "after",
                message,
            } => ApiError::CursorExpired(message),
            DirectoryError::Invalid { field, message } => ApiError::InvalidParameter {
                parameter: field,
                message,
            },
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        ApiError::Internal(Box::new(error))
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> ApiError {
        ApiError::Internal(Box::new(error))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::CursorExpired(_) => StatusCode::GONE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let ApiError::Internal(cause) = self {
            log::error!("api: {cause}");
        }
        let mut body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.to_string(),
            "code": self.code(),
        });
        if let ApiError::InvalidParameter { parameter, .. } = self {
            body["parameter"] = json!(parameter);
        }
        let mut response = HttpResponse::build(status);
        response
            .content_type("application/problem+json")
            .insert_header(("Cache-Control", "no-store"));
        // RFC 6750 section 3: the challenge says what was wrong with the token.
        match self {
            ApiError::Unauthorized => {
                response.insert_header((WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
            }
            ApiError::InsufficientScope(scope) => {
                response.insert_header((
                    WWW_AUTHENTICATE,
                    format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\""),
                ));
            }
            _ => {}
        }
        response.body(body.to_string())
    }
}

/// Any path under `/api/v1` the API does not have.
pub async fn no_such_path(request: actix_web::HttpRequest) -> HttpResponse {
    ApiError::NotFound(format!("{} {}", request.method(), request.path())).error_response()
}
