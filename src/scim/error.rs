//! SCIM errors (RFC 7644 section 3.12): `status` as a string, a `scimType` where one applies,
//! and a detail that names the attribute at fault.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};

use crate::directory::DirectoryError;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const CONTENT_TYPE: &str = "application/scim+json";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {scim_type:?}: {detail}")]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> ScimError {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    pub fn syntax(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), detail)
    }

    pub fn value(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)
    }

    pub fn filter(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("invalidFilter"), detail)
    }

    pub fn path(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("invalidPath"), detail)
    }

    pub fn no_target(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::BAD_REQUEST, Some("noTarget"), detail)
    }

    pub fn uniqueness(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::CONFLICT, Some("uniqueness"), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ScimError {
        ScimError::new(StatusCode::NOT_FOUND, None, detail)
    }

    pub fn unauthorized() -> ScimError {
        ScimError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "a valid bearer token is required",
        )
    }

    pub fn method_not_allowed() -> ScimError {
        ScimError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            None,
            "this method is not allowed on this resource",
        )
    }

    pub fn too_large(limit: usize) -> ScimError {
        ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
            format!("the request body is larger than {limit} bytes"),
        )
    }

    pub fn uri_too_long(limit: usize) -> ScimError {
        ScimError::new(
            StatusCode::URI_TOO_LONG,
            Some("invalidValue"),
            format!("the request URL is longer than {limit} bytes"),
        )
    }

    /// The provisioning log's text: the scimType first, so the admin pages can tell a refused
    /// filter from a refused value.
    pub fn logged(&self) -> String {
        match self.scim_type {
            Some(kind) => format!("{kind}: {}", self.detail),
            None => self.detail.clone(),
        }
    }

    pub fn unavailable() -> ScimError {
        ScimError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            "the directory is unavailable, try again",
        )
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type);
        }
        body
    }

    pub fn response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            builder.insert_header(("WWW-Authenticate", "Bearer"));
        }
        builder
            .content_type(CONTENT_TYPE)
            .body(self.body().to_string())
    }
}

impl From<DirectoryError> for ScimError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::NotFound { what } => ScimError::not_found(format!("{what} not found")),
            DirectoryError::Conflict { field, value } => ScimError::uniqueness(format!(
                "{} {value:?} is already used by another user",
                scim_name(field)
            )),
            DirectoryError::Invalid { field, message } => {
                ScimError::value(format!("{}: {message}", scim_name(field)))
            }
            DirectoryError::Refused(refusal) => ScimError::value(refusal.to_string()),
            DirectoryError::Db(db) => {
                log::error!("scim: database error: {db}");
                ScimError::unavailable()
            }
            DirectoryError::Randomness(error) => {
                log::error!("scim: no randomness: {error}");
                ScimError::unavailable()
            }
        }
    }
}

impl From<crate::db::DbError> for ScimError {
    fn from(error: crate::db::DbError) -> Self {
        DirectoryError::Db(error).into()
    }
}

impl From<diesel::result::Error> for ScimError {
    fn from(error: diesel::result::Error) -> Self {
        DirectoryError::from(error).into()
    }
}

/// Our field names as SCIM attribute names, for messages Entra's logs show to admins.
fn scim_name(field: &str) -> &str {
    match field {
        "user_name" => "userName",
        "email" => "emails[type eq \"work\"].value",
        "given_name" => "name.givenName",
        "family_name" => "name.familyName",
        "manager" => "manager",
        "display_name" => "displayName",
        other => other,
    }
}
