//! What every SCIM resource type shares: the operations it offers (`Resource`, implemented by
//! `users::Users` and `groups::Groups`), the list parameters, and what an operation answers.

use actix_web::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::error::ScimError;
use super::input;
use crate::db::DbConnection;
use crate::directory::accounts::Account;

/// What an operation answers, or the SCIM error it refuses with.
pub type Outcome = Result<Reply, ScimError>;

/// The operations a SCIM resource type offers; `handlers` serves them over HTTP, each in one
/// blocking call (and one transaction when it writes).
pub trait Resource: 'static {
    /// Whether the path id names a person (it goes into the provisioning log).
    const NAMES_A_PERSON: bool;
    fn list(c: &mut DbConnection, a: &Account, q: &ListQuery, base: &str) -> Outcome;
    fn get(c: &mut DbConnection, a: &Account, id: &str, q: &ListQuery, base: &str) -> Outcome;
    fn create(c: &mut DbConnection, a: &Account, body: &Value, base: &str) -> Outcome;
    fn replace(c: &mut DbConnection, a: &Account, id: &str, body: &Value, base: &str) -> Outcome;
    fn patch(c: &mut DbConnection, a: &Account, id: &str, body: &Value, base: &str) -> Outcome;
    fn delete(c: &mut DbConnection, a: &Account, id: &str) -> Outcome;
}

/// What a SCIM operation answers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub location: Option<String>,
    /// The person concerned, for the provisioning log.
    pub employee_id: Option<String>,
    /// What the provisioning log line says about a request that succeeded (e.g. what it skipped).
    pub note: String,
}

impl Reply {
    pub fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            location: None,
            employee_id: None,
            note: String::new(),
        }
    }

    /// 204 No Content.
    pub fn empty() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
            location: None,
            employee_id: None,
            note: String::new(),
        }
    }

    /// The same reply, naming the person concerned for the provisioning log.
    pub fn about(self, employee_id: impl Into<String>) -> Reply {
        Reply {
            employee_id: Some(employee_id.into()),
            ..self
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub filter: Option<String>,
    #[serde(rename = "startIndex")]
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    pub excluded_attributes: Option<String>,
}

/// The most resources one list answers.
pub const MAX_PAGE: i64 = 1000;

impl ListQuery {
    /// A SearchRequest body (POST .search, RFC 7644 section 3.4.3) as list parameters.
    pub fn from_search(body: &Value) -> Result<ListQuery, ScimError> {
        let object = input::object(body)?;
        let get = |name: &str| input::field(object, name);
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Array(items)) => Ok(Some(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(","),
                )),
                Some(other) => Err(ScimError::value(format!(
                    "{name} must be a string, not {other}"
                ))),
            }
        };
        let number = |name: &str| -> Result<Option<i64>, ScimError> {
            match get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| ScimError::value(format!("{name} must be an integer"))),
            }
        };
        Ok(ListQuery {
            filter: text("filter")?,
            start_index: number("startIndex")?,
            count: number("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }

    /// The page asked for: the 1-based index of its first resource (at least 1) and how many
    /// resources it holds at the most (100 unless asked, never more than `MAX_PAGE`).
    pub fn page(&self) -> (i64, i64) {
        (
            self.start_index.unwrap_or(1).max(1),
            self.count.unwrap_or(100).clamp(0, MAX_PAGE),
        )
    }
}
