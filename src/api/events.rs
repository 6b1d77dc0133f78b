//! `GET /api/v1/accounts/{slug}/events`: the change feed, in commit order. An empty page with
//! the same cursor means the reader has caught up. `.../events/cursor` gives the newest
//! position, to take before a full read of the directory.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::access;
use super::cursor;
use super::problem::ApiError;
use crate::db::Db;
use crate::directory::events::{self, Event};

const KIND: &str = "events";
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `next_cursor` of the page before, or a cursor from `.../events/cursor`; absent:
    /// from the oldest event kept.
    after: Option<String>,
    /// Events per page, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

#[derive(Serialize)]
struct Page {
    data: Vec<Event>,
    next_cursor: String,
}

/// A `limit` parameter: absent is `default`, otherwise a whole number from 1 to `max`.
pub fn limit(given: Option<&str>, default: i64, max: i64) -> Result<i64, ApiError> {
    let Some(given) = given else {
        return Ok(default);
    };
    match given.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid(
            "limit",
            format!("a whole number from 1 to {max}"),
        )),
    }
}

fn position(after: Option<&str>) -> Result<i64, ApiError> {
    match after {
        None | Some("") => Ok(0),
        Some(cursor) => cursor::decode("after", KIND, cursor)?
            .parse::<i64>()
            .map_err(|_| ApiError::invalid("after", "not a cursor this API gave out")),
    }
}

/// The account's changes in commit order, after `after`.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/events",
    tag = "events",
    operation_id = "list_events",
    params(super::openapi::AccountPath, FeedQuery),
    responses((status = 200, description = "A page of events", body = super::model::EventPage)),
    security(("directory" = ["directory.read"]))
)]
pub async fn feed(
    request: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<FeedQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let after = position(query.after.as_deref())?;
    let limit = limit(query.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    access::answer(&request, &db, slug.into_inner(), move |conn, reader| {
        let data = events::after(conn, &reader.account.id, after, limit)?;
        let last = data.last().map_or(after, |event| event.seq);
        Ok(Page {
            data,
            next_cursor: cursor::encode(KIND, &last.to_string()),
        })
    })
    .await
}

#[derive(Serialize)]
struct Newest {
    cursor: String,
}

/// The feed's newest position: take it before a full read, then follow the feed from it.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{slug}/events/cursor",
    tag = "events",
    operation_id = "newest_event_cursor",
    params(super::openapi::AccountPath),
    responses((status = 200, description = "The newest cursor", body = super::model::FeedCursor)),
    security(("directory" = ["directory.read"]))
)]
pub async fn newest(
    request: HttpRequest,
    slug: web::Path<String>,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    access::answer(&request, &db, slug.into_inner(), move |conn, reader| {
        let seq = events::newest(conn, &reader.account.id)?;
        Ok(Newest {
            cursor: cursor::encode(KIND, &seq.to_string()),
        })
    })
    .await
}
