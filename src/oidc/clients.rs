//! The relying parties Gatehouse signs people in to, installation-wide: their redirect URIs
//! (exact, or RFC 8252's loopback rule for native apps), their secret (only its hash, with the
//! previous one honoured for a grace period after a rotation), and the accounts they may serve.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::error::OAuthError;
use crate::auth::tokens;
use crate::db::DbConnection;
use crate::db::schema::{accounts, oidc_client_use as usage, oidc_clients as c};
use crate::directory::{DirectoryError, Result, clock};

/// How long the secret before a rotation keeps working, so a deployment can switch over.
pub const SECRET_GRACE: Duration = Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// A public client (mobile app, single-page app) has no secret and must use PKCE (S256).
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Account ids this client may sign in; `None` is every account.
    pub accounts: Option<Vec<String>>,
    pub created_at: NaiveDateTime,
}

type Row = (
    String,
    String,
    bool,
    String,
    String,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

fn columns() -> (
    c::id,
    c::name,
    c::public,
    c::redirect_uris,
    c::post_logout_uris,
    c::backchannel_logout_uri,
    c::accounts,
    c::created_at,
) {
    (
        c::id,
        c::name,
        c::public,
        c::redirect_uris,
        c::post_logout_uris,
        c::backchannel_logout_uri,
        c::accounts,
        c::created_at,
    )
}

fn from_row(row: Row) -> Client {
    let list = |text: &str| serde_json::from_str::<Vec<String>>(text).unwrap_or_default();
    Client {
        id: row.0,
        name: row.1,
        public: row.2,
        redirect_uris: list(&row.3),
        post_logout_uris: list(&row.4),
        backchannel_logout_uri: row.5,
        accounts: row.6.as_deref().map(list),
        created_at: row.7,
    }
}

/// What the operator registers.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    /// Account slugs; empty is every account.
    pub accounts: Vec<String>,
}

/// Registers a client. Returns it and, for a confidential client, its secret (shown once).
pub fn create(conn: &mut DbConnection, new: &NewClient) -> Result<(Client, Option<String>)> {
    if new.name.trim().is_empty() {
        return Err(DirectoryError::invalid("name", "a client needs a name"));
    }
    if new.redirect_uris.is_empty() {
        return Err(DirectoryError::invalid(
            "redirect_uri",
            "a client needs at least one redirect URI",
        ));
    }
    for uri in &new.redirect_uris {
        check_redirect_uri(uri, new.public)?;
    }
    for uri in &new.post_logout_uris {
        check_redirect_uri(uri, new.public)?;
    }
    if let Some(uri) = &new.backchannel_logout_uri {
        check_backchannel_uri(uri)?;
    }
    let account_ids = match new.accounts.is_empty() {
        true => None,
        false => Some(account_ids(conn, &new.accounts)?),
    };
    let id = format!("gh_{}", uuid::Uuid::new_v4().simple());
    let secret = match new.public {
        true => None,
        false => Some(format!("ghs_{}", tokens::new_secret()?)),
    };
    let json = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
    diesel::insert_into(c::table)
        .values((
            c::id.eq(&id),
            c::name.eq(new.name.trim()),
            c::public.eq(new.public),
            c::redirect_uris.eq(json(&new.redirect_uris)),
            c::post_logout_uris.eq(json(&new.post_logout_uris)),
            c::backchannel_logout_uri.eq(&new.backchannel_logout_uri),
            c::accounts.eq(account_ids.as_deref().map(json)),
            c::secret_hash.eq(secret.as_deref().map(tokens::digest)),
            c::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok((get(conn, &id)?, secret))
}

fn account_ids(conn: &mut DbConnection, slugs: &[String]) -> Result<Vec<String>> {
    slugs
        .iter()
        .map(|slug| {
            accounts::table
                .filter(accounts::slug.eq(slug.trim()))
                .select(accounts::id)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| {
                    DirectoryError::invalid(
                        "accounts",
                        format!("no account with the slug {slug:?}"),
                    )
                })
        })
        .collect()
}

/// https anywhere; http only on a loopback host (RFC 8252 section 7.3); a private-use scheme
/// with a dot (`com.example.hr:/callback`, section 7.1) only for public clients; never a
/// fragment.
pub fn check_redirect_uri(uri: &str, public: bool) -> Result<()> {
    let invalid = |why: &str| DirectoryError::invalid("redirect_uri", format!("{uri:?}: {why}"));
    if uri.contains('#') {
        return Err(invalid("a redirect URI has no fragment"));
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(invalid("not an absolute URI"));
    };
    match scheme {
        "https" if rest.starts_with("//") && rest.len() > 2 => Ok(()),
        "http" if loopback_authority(rest).is_some() => Ok(()),
        "http" => Err(invalid(
            "http is allowed only for 127.0.0.1, [::1] or localhost",
        )),
        private if private.contains('.') && is_scheme(private) => match public {
            true => Ok(()),
            false => Err(invalid(
                "private-use URI schemes are for public (native) clients only",
            )),
        },
        _ => Err(invalid(
            "use https, a loopback http address, or a private-use scheme like com.example.app",
        )),
    }
}

fn check_backchannel_uri(uri: &str) -> Result<()> {
    let ok = uri.starts_with("https://")
        || (uri.starts_with("http:") && loopback_authority(&uri[5..]).is_some());
    match ok && !uri.contains('#') {
        true => Ok(()),
        false => Err(DirectoryError::invalid(
            "backchannel_logout_uri",
            format!("{uri:?}: use https (or http on a loopback address), without a fragment"),
        )),
    }
}

fn is_scheme(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// For `//HOST[:PORT]/path...` on a loopback host: (host, path after the port).
fn loopback_authority(rest: &str) -> Option<(&str, &str)> {
    let after = rest.strip_prefix("//")?;
    let (authority, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after, ""),
    };
    let host = match authority.strip_prefix('[') {
        Some(v6) => &authority[..v6.find(']')? + 2],
        None => authority.split(':').next()?,
    };
    matches!(host, "127.0.0.1" | "[::1]" | "localhost").then_some((host, path))
}

impl Client {
    /// Exact match; for a loopback IP literal the port may differ (RFC 8252 section 7.3: native
    /// apps listen on whatever port is free).
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| same_redirect(registered, uri))
    }

    pub fn allows_post_logout(&self, uri: &str) -> bool {
        self.post_logout_uris
            .iter()
            .any(|registered| same_redirect(registered, uri))
    }

    /// Whether the client may sign in people of this account.
    pub fn serves(&self, account_id: &str) -> bool {
        self.accounts
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|id| id == account_id))
    }

    /// The only account this client serves, if it serves exactly one.
    pub fn single_account(&self) -> Option<&str> {
        match self.accounts.as_deref() {
            Some([only]) => Some(only.as_str()),
            _ => None,
        }
    }
}

fn same_redirect(registered: &str, given: &str) -> bool {
    if registered == given {
        return true;
    }
    let (Some(r), Some(g)) = (
        registered.strip_prefix("http:"),
        given.strip_prefix("http:"),
    ) else {
        return false;
    };
    match (loopback_authority(r), loopback_authority(g)) {
        // `localhost` is a name, not an IP literal: RFC 8252 asks for exact ports there.
        (Some((rh, rp)), Some((gh, gp))) => rh == gh && rp == gp && rh != "localhost",
        _ => false,
    }
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Client> {
    find(conn, id)?.ok_or(DirectoryError::NotFound { what: "client" })
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Client>> {
    Ok(c::table
        .find(id)
        .select(columns())
        .first::<Row>(conn)
        .optional()?
        .map(from_row))
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<Client>> {
    Ok(c::table
        .order(c::created_at)
        .select(columns())
        .load::<Row>(conn)?
        .into_iter()
        .map(from_row)
        .collect())
}

/// A new secret; the old one keeps working for `SECRET_GRACE`.
pub fn rotate_secret(conn: &mut DbConnection, id: &str) -> Result<String> {
    let client = get(conn, id)?;
    if client.public {
        return Err(DirectoryError::invalid(
            "client",
            "a public client has no secret",
        ));
    }
    let current: Option<String> = c::table.find(id).select(c::secret_hash).first(conn)?;
    let secret = format!("ghs_{}", tokens::new_secret()?);
    diesel::update(c::table.find(id))
        .set((
            c::secret_hash.eq(Some(tokens::digest(&secret))),
            c::previous_secret_hash.eq(current),
            c::previous_secret_until.eq(Some(clock::now() + SECRET_GRACE)),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// Removes a client with every grant and token it holds.
pub fn delete(conn: &mut DbConnection, id: &str) -> Result<()> {
    match diesel::delete(c::table.find(id)).execute(conn)? {
        0 => Err(DirectoryError::NotFound { what: "client" }),
        _ => Ok(()),
    }
}

/// How a client presented itself at the token or revocation endpoint.
#[derive(Debug, Clone, Default)]
pub struct Presented {
    pub id: Option<String>,
    pub secret: Option<String>,
    /// Whether it used HTTP Basic (the 401 then carries a Basic challenge).
    pub basic: bool,
}

/// The client behind credentials: a confidential client by its secret (current, or the
/// previous one within its grace period), a public client by its id alone.
pub fn authenticate(
    conn: &mut DbConnection,
    presented: &Presented,
) -> std::result::Result<Client, OAuthError> {
    let refused = || OAuthError::invalid_client(presented.basic);
    let id = presented.id.as_deref().ok_or_else(refused)?;
    let row: Option<(Option<String>, Option<String>, Option<NaiveDateTime>)> = c::table
        .find(id)
        .select((
            c::secret_hash,
            c::previous_secret_hash,
            c::previous_secret_until,
        ))
        .first(conn)
        .optional()
        .map_err(DirectoryError::from)?;
    let Some((current, previous, until)) = row else {
        return Err(refused());
    };
    let client = get(conn, id)?;
    match (&presented.secret, client.public) {
        (None, true) => return Ok(client),
        (Some(_), true) | (None, false) => return Err(refused()),
        (Some(_), false) => {}
    }
    let given = tokens::digest(presented.secret.as_deref().unwrap_or_default());
    let matches =
        |stored: &Option<String>| stored.as_deref().is_some_and(|s| tokens::same(s, &given));
    let previous_valid = until.is_some_and(|until| clock::now() < until) && matches(&previous);
    match matches(&current) || previous_valid {
        true => Ok(client),
        false => Err(refused()),
    }
}

/// Notes that the client signed someone of this account in now (for the admin pages).
pub fn record_use(conn: &mut DbConnection, client_id: &str, account_id: &str) -> Result<()> {
    let now = clock::now();
    let updated = diesel::update(
        usage::table
            .filter(usage::client_id.eq(client_id))
            .filter(usage::account_id.eq(account_id)),
    )
    .set(usage::last_used_at.eq(now))
    .execute(conn)?;
    if updated == 0 {
        crate::db::insert_unless_present(conn, |c| {
            diesel::insert_into(usage::table)
                .values((
                    usage::client_id.eq(client_id),
                    usage::account_id.eq(account_id),
                    usage::last_used_at.eq(now),
                ))
                .execute(c)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str]) -> Client {
        Client {
            id: "c".into(),
            name: "c".into(),
            public: true,
            redirect_uris: uris.iter().map(|u| u.to_string()).collect(),
            post_logout_uris: vec![],
            backchannel_logout_uri: None,
            accounts: None,
            created_at: clock::now(),
        }
    }

    #[test]
    fn redirect_uris_match_exactly_except_the_loopback_port() {
        let c = client(&[
            "https://hr.example.com/cb",
            "http://127.0.0.1/cb",
            "http://[::1]/cb",
        ]);
        assert!(c.allows_redirect("https://hr.example.com/cb"));
        assert!(!c.allows_redirect("https://hr.example.com/cb/"));
        assert!(!c.allows_redirect("https://hr.example.com/cb?x=1"));
        assert!(!c.allows_redirect("https://HR.example.com/cb"));
        assert!(c.allows_redirect("http://127.0.0.1:53121/cb"));
        assert!(c.allows_redirect("http://[::1]:4000/cb"));
        assert!(!c.allows_redirect("http://127.0.0.1:53121/other"));
        assert!(!c.allows_redirect("http://127.0.0.2:53121/cb"));
        let named = client(&["http://localhost:8080/cb"]);
        assert!(named.allows_redirect("http://localhost:8080/cb"));
        assert!(!named.allows_redirect("http://localhost:9090/cb"));
    }

    #[test]
    fn registration_accepts_https_loopback_and_private_schemes_for_public_clients_only() {
        assert!(check_redirect_uri("https://hr.example.com/cb", false).is_ok());
        assert!(check_redirect_uri("http://127.0.0.1/cb", true).is_ok());
        assert!(check_redirect_uri("com.example.hr:/callback", true).is_ok());
        assert!(check_redirect_uri("com.example.hr:/callback", false).is_err());
        assert!(check_redirect_uri("http://hr.example.com/cb", false).is_err());
        assert!(check_redirect_uri("https://hr.example.com/cb#x", false).is_err());
        assert!(check_redirect_uri("javascript:alert(1)", true).is_err());
        assert!(check_redirect_uri("hr", true).is_err());
    }
}
