//! Who is reading: the bearer token of a client, the scope it holds, and the account it may
//! read. An account the client does not serve is answered as one that does not exist, so a
//! client learns nothing of other companies.

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::problem::ApiError;
use crate::auth::client_tokens::{self, ClientAccess, DIRECTORY_READ};
use crate::db::{self, Db, DbConnection};
use crate::directory::accounts::{self, Account};

/// The bearer token of the request (RFC 6750 section 2.1).
pub fn bearer(request: &HttpRequest) -> Result<String, ApiError> {
    request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized)
}

/// A client allowed to read one account.
pub struct Reader {
    pub client: ClientAccess,
    pub account: Account,
}

/// Checks the token, its scope and the client's right to the account named by `slug`.
pub fn reader(conn: &mut DbConnection, token: &str, slug: &str) -> Result<Reader, ApiError> {
    let client = client_tokens::verify(conn, token)?.ok_or(ApiError::Unauthorized)?;
    if !client.has_scope(DIRECTORY_READ) {
        return Err(ApiError::InsufficientScope(DIRECTORY_READ));
    }
    let not_found = || ApiError::NotFound(format!("account {slug:?}"));
    let account = accounts::find_by_slug(conn, slug)?.ok_or_else(not_found)?;
    if !client.serves(&account.id) {
        return Err(not_found());
    }
    Ok(Reader { client, account })
}

/// What every read endpoint does around its own query: the token of `request`, then `read` for
/// the reader of `slug` on one consistent snapshot of the store, answered as uncached JSON.
pub async fn answer<T>(
    request: &HttpRequest,
    db: &Db,
    slug: String,
    read: impl FnOnce(&mut DbConnection, &Reader) -> Result<T, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize + Send + 'static,
{
    let token = bearer(request)?;
    let body = db
        .run(move |conn| {
            db::snapshot(conn, |conn| {
                let reader = reader(conn, &token, &slug)?;
                read(conn, &reader)
            })
        })
        .await?;
    Ok(super::params::json(body))
}
