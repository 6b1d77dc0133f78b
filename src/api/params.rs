//! The query parameters every list shares, read strictly: a value the API cannot use is a 400
//! problem naming the parameter, never silently ignored. And the one way a list answers.

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;

use super::cursor;
use super::events::{DEFAULT_LIMIT, MAX_LIMIT, limit};
use super::problem::ApiError;
use crate::directory::reads::Keyset;

/// `after` (a cursor of this `kind`) and `limit` as a keyset for the directory.
pub fn keyset(
    kind: &str,
    after: Option<&str>,
    given_limit: Option<&str>,
) -> Result<Keyset, ApiError> {
    let limit = limit(given_limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let after = match after {
        None | Some("") => None,
        Some(cursor) => Some(cursor::decode("after", kind, cursor)?),
    };
    Ok(Keyset { after, limit })
}

/// The cursor that continues after `next`, or none on the last page.
pub fn next_cursor(kind: &str, next: Option<String>) -> Option<String> {
    next.map(|position| cursor::encode(kind, &position))
}

/// `true` or `false`; absent is none.
pub fn boolean(parameter: &'static str, given: Option<&str>) -> Result<Option<bool>, ApiError> {
    match given {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ApiError::invalid(parameter, "true or false")),
    }
}

/// An RFC 3339 date-time (`2026-12-01T08:00:00Z`, or with an offset), as UTC.
pub fn instant(
    parameter: &'static str,
    given: Option<&str>,
) -> Result<Option<NaiveDateTime>, ApiError> {
    match given {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text.trim())
            .map(|at| Some(at.naive_utc()))
            .map_err(|_| {
                ApiError::invalid(
                    parameter,
                    "an RFC 3339 date-time such as 2026-12-01T08:00:00Z",
                )
            }),
    }
}

/// A text filter: absent or blank is none.
pub fn text(given: Option<&str>) -> Option<String> {
    given
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A 200 JSON answer; directory data is never cached on the way.
pub fn json(body: impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(body)
}

/// A query string that does not parse at all (a parameter given twice, say).
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _request: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::invalid("query", error.to_string()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_instants_are_strict() {
        assert_eq!(boolean("active", Some("true")).ok(), Some(Some(true)));
        assert_eq!(boolean("active", None).ok(), Some(None));
        assert!(boolean("active", Some("yes")).is_err());
        assert!(boolean("active", Some("TRUE")).is_err());
        let at = instant("updated_since", Some("2026-12-01T09:00:00+01:00"))
            .ok()
            .flatten()
            .map(|t| t.to_string());
        assert_eq!(at.as_deref(), Some("2026-12-01 08:00:00"));
        assert!(instant("updated_since", Some("2026-12-01")).is_err());
    }

    #[test]
    fn a_keyset_takes_only_its_own_cursors() {
        let cursor = cursor::encode("employees", "abc");
        let read = keyset("employees", Some(&cursor), Some("5")).ok();
        assert_eq!(
            read.map(|k| (k.after, k.limit)),
            Some((Some("abc".to_owned()), 5))
        );
        assert!(keyset_is_refused("groups", &cursor));
        assert!(keyset("employees", None, Some("0")).is_err());
    }

    fn keyset_is_refused(kind: &str, cursor: &str) -> bool {
        keyset(kind, Some(cursor), None).is_err()
    }
}
