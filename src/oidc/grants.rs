//! One sign-in handed to one client: the grant, its one-time authorization code (60 s, bound to
//! the client, the redirect URI and the PKCE challenge), and its opaque tokens (only hashes
//! stored). A code used twice revokes its grant; so does a refresh token used twice (RFC 9700
//! section 4.14: refresh tokens rotate, and a replay ends the grant).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use openssl::sha::sha256;

use super::error::OAuthError;
use crate::auth::sessions::SessionFacts;
use crate::auth::tokens;
use crate::db::DbConnection;
use crate::db::schema::{employees, oidc_codes as codes, oidc_grants as g, oidc_tokens as t};
use crate::directory::sessions as directory_sessions;
use crate::directory::{DirectoryError, Result, clock};

pub const CODE_LIFETIME: Duration = Duration::seconds(60);
pub const ACCESS_LIFETIME: Duration = Duration::minutes(10);
pub const ID_TOKEN_LIFETIME: Duration = Duration::minutes(10);
/// A refresh token not used for this long expires; each use gives a new one.
pub const REFRESH_LIFETIME: Duration = Duration::days(30);

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub account_id: String,
    pub employee_id: String,
    pub sid: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: NaiveDateTime,
    pub method: String,
}

impl Grant {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|s| s == scope)
    }
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    NaiveDateTime,
    String,
);

fn columns() -> (
    g::id,
    g::client_id,
    g::account_id,
    g::employee_id,
    g::sid,
    g::scope,
    g::nonce,
    g::auth_time,
    g::method,
) {
    (
        g::id,
        g::client_id,
        g::account_id,
        g::employee_id,
        g::sid,
        g::scope,
        g::nonce,
        g::auth_time,
        g::method,
    )
}

fn from_row(r: Row) -> Grant {
    Grant {
        id: r.0,
        client_id: r.1,
        account_id: r.2,
        employee_id: r.3,
        sid: r.4,
        scope: r.5,
        nonce: r.6,
        auth_time: r.7,
        method: r.8,
    }
}

/// A grant that is not revoked and whose person may still sign in.
fn live(conn: &mut DbConnection, id: &str) -> Result<Option<Grant>> {
    Ok(g::table
        .inner_join(employees::table.on(employees::id.eq(g::employee_id)))
        .filter(g::id.eq(id))
        .filter(g::revoked_at.is_null())
        .filter(employees::active.eq(true))
        .filter(employees::released_at.is_null())
        .select(columns())
        .first::<Row>(conn)
        .optional()?
        .map(from_row))
}

/// What the authorization request asked for.
pub struct Request<'a> {
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    /// The S256 PKCE challenge, when the client sent one.
    pub code_challenge: Option<&'a str>,
}

/// Starts a grant for the signed-in session and returns its one-time code.
pub fn begin(conn: &mut DbConnection, session: &SessionFacts, request: &Request) -> Result<String> {
    let now = clock::now();
    let grant_id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(g::table)
        .values((
            g::id.eq(&grant_id),
            g::client_id.eq(request.client_id),
            g::account_id.eq(&session.account_id),
            g::employee_id.eq(&session.employee_id),
            g::sid.eq(&session.sid),
            g::scope.eq(request.scope),
            g::nonce.eq(request.nonce),
            g::auth_time.eq(session.auth_time),
            g::method.eq(&session.method),
            g::created_at.eq(now),
        ))
        .execute(conn)?;
    let code = tokens::new_secret()?;
    diesel::insert_into(codes::table)
        .values((
            codes::code_hash.eq(tokens::digest(&code)),
            codes::grant_id.eq(&grant_id),
            codes::redirect_uri.eq(request.redirect_uri),
            codes::code_challenge.eq(request.code_challenge),
            codes::expires_at.eq(now + CODE_LIFETIME),
        ))
        .execute(conn)?;
    Ok(code)
}

/// A stored code: its grant, redirect URI, challenge, expiry and use.
type CodeRow = (
    String,
    String,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// RFC 7636 S256: BASE64URL(SHA256(verifier)) equals the challenge.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let valid_verifier = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    use base64::Engine;
    let computed =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
    valid_verifier && tokens::same(&computed, challenge)
}

/// Redeems a code: once, within its lifetime, by its client, for its redirect URI, with the
/// verifier of its challenge. A second use revokes the grant and every token it issued.
pub fn redeem(
    conn: &mut DbConnection,
    client_id: &str,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
) -> std::result::Result<Grant, OAuthError> {
    let hash = tokens::digest(code);
    let found: Option<CodeRow> = codes::table
        .find(&hash)
        .select((
            codes::grant_id,
            codes::redirect_uri,
            codes::code_challenge,
            codes::expires_at,
            codes::used_at,
        ))
        .first(conn)
        .optional()
        .map_err(DirectoryError::from)?;
    let refused =
        || OAuthError::invalid_grant("the authorization code is invalid, expired or used");
    let Some((grant_id, bound_uri, challenge, expires_at, used_at)) = found else {
        return Err(refused());
    };
    let owner: String = g::table
        .find(&grant_id)
        .select(g::client_id)
        .first(conn)
        .map_err(DirectoryError::from)?;
    if owner != client_id {
        return Err(refused());
    }
    // Used up now, whatever follows: a code is never good twice. Spent only if no other
    // request spent it first (PostgreSQL reads committed rows: two parallel redemptions both
    // read it unused, and the second's update waits for the first to commit, then finds it
    // used). A code spent before, or meanwhile, is a second use.
    let spent = match used_at {
        Some(_) => 0,
        None => diesel::update(codes::table.find(&hash).filter(codes::used_at.is_null()))
            .set(codes::used_at.eq(Some(clock::now())))
            .execute(conn)
            .map_err(DirectoryError::from)?,
    };
    if spent == 0 {
        revoke_grant(conn, &grant_id)?;
        return Err(refused());
    }
    if expires_at <= clock::now() || redirect_uri != Some(bound_uri.as_str()) {
        return Err(refused());
    }
    match (challenge.as_deref(), verifier) {
        (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => {}
        (None, None) => {}
        _ => return Err(OAuthError::invalid_grant("PKCE verification failed")),
    }
    live(conn, &grant_id)?.ok_or_else(refused)
}

/// The tokens of one response.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
}

/// A new access token and, when the grant has `offline_access`, a new refresh token.
pub fn issue(conn: &mut DbConnection, grant: &Grant) -> Result<Issued> {
    let now = clock::now();
    let mut store = |kind: &str, lifetime: Duration| -> Result<String> {
        let token = tokens::new_secret()?;
        diesel::insert_into(t::table)
            .values((
                t::token_hash.eq(tokens::digest(&token)),
                t::grant_id.eq(&grant.id),
                t::kind.eq(kind),
                t::expires_at.eq(now + lifetime),
                t::created_at.eq(now),
            ))
            .execute(conn)?;
        Ok(token)
    };
    let access_token = store(ACCESS, ACCESS_LIFETIME)?;
    let refresh_token = match grant.has_scope("offline_access") {
        true => Some(store(REFRESH, REFRESH_LIFETIME)?),
        false => None,
    };
    Ok(Issued {
        access_token,
        refresh_token,
    })
}

/// Uses a refresh token (it is rotated: this one is spent). A spent one presented again is a
/// replay: the whole grant ends.
pub fn refresh(
    conn: &mut DbConnection,
    client_id: &str,
    refresh_token: &str,
) -> std::result::Result<Grant, OAuthError> {
    let hash = tokens::digest(refresh_token);
    let refused = || OAuthError::invalid_grant("the refresh token is invalid, expired or revoked");
    let found: Option<(String, NaiveDateTime, Option<NaiveDateTime>)> = t::table
        .find(&hash)
        .filter(t::kind.eq(REFRESH))
        .select((t::grant_id, t::expires_at, t::used_at))
        .first(conn)
        .optional()
        .map_err(DirectoryError::from)?;
    let Some((grant_id, expires_at, used_at)) = found else {
        return Err(refused());
    };
    let owner: String = g::table
        .find(&grant_id)
        .select(g::client_id)
        .first(conn)
        .map_err(DirectoryError::from)?;
    if owner != client_id {
        return Err(refused());
    }
    if used_at.is_some() {
        log::warn!("oidc: a rotated refresh token was replayed; grant {grant_id} revoked");
        revoke_grant(conn, &grant_id)?;
        return Err(refused());
    }
    // Spent only if no other request spent it first: two parallel refreshes, one wins.
    let spent = diesel::update(t::table.find(&hash).filter(t::used_at.is_null()))
        .set(t::used_at.eq(Some(clock::now())))
        .execute(conn)
        .map_err(DirectoryError::from)?;
    if spent == 0 || expires_at <= clock::now() {
        return Err(refused());
    }
    live(conn, &grant_id)?.ok_or_else(refused)
}

/// The grant behind a current access token.
pub fn by_access_token(conn: &mut DbConnection, token: &str) -> Result<Option<Grant>> {
    let found: Option<(String, NaiveDateTime)> = t::table
        .find(tokens::digest(token))
        .filter(t::kind.eq(ACCESS))
        .select((t::grant_id, t::expires_at))
        .first(conn)
        .optional()?;
    match found {
        Some((grant_id, expires_at)) if expires_at > clock::now() => live(conn, &grant_id),
        _ => Ok(None),
    }
}

/// RFC 7009: revokes a token of this client. Revoking a refresh token ends its grant (and so
/// the access tokens it issued); revoking an access token ends only that token. Unknown
/// tokens are not an error.
pub fn revoke_token(conn: &mut DbConnection, client_id: &str, token: &str) -> Result<()> {
    let hash = tokens::digest(token);
    let found: Option<(String, String, String)> = t::table
        .inner_join(g::table)
        .filter(t::token_hash.eq(&hash))
        .select((t::grant_id, t::kind, g::client_id))
        .first(conn)
        .optional()?;
    match found {
        Some((grant_id, kind, owner)) if owner == client_id => match kind.as_str() {
            REFRESH => revoke_grant(conn, &grant_id),
            _ => {
                diesel::delete(t::table.find(&hash)).execute(conn)?;
                Ok(())
            }
        },
        _ => Ok(()),
    }
}

/// Ends a grant: every token it issued stops working at once (and its client hears of it on
/// its back-channel).
pub fn revoke_grant(conn: &mut DbConnection, grant_id: &str) -> Result<()> {
    directory_sessions::end_grants(conn, &[grant_id.to_owned()])?;
    Ok(())
}

/// Ends every grant of a browser session (RP-initiated logout); every client of that session
/// with a back-channel URI is told.
pub fn revoke_session(conn: &mut DbConnection, sid: &str) -> Result<usize> {
    let ids: Vec<String> = g::table
        .filter(g::sid.eq(sid))
        .filter(g::revoked_at.is_null())
        .select(g::id)
        .load(conn)?;
    directory_sessions::end_grants(conn, &ids)
}

/// `at_hash` (OpenID Connect Core 3.1.3.6): the left half of SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    let digest = sha256(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
        // A challenge of another length (authorize takes 43 to 128 characters) is a mismatch,
        // never a panic in the constant-time comparison.
        assert!(!pkce_matches(verifier, &format!("{challenge}A")));
    }
}
