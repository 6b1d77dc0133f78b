//! Webhook subscriptions: one endpoint of one application (a confidential OpenID Connect
//! client that serves the account) for one account. Each follows the account's change feed
//! (`events`) with its own position, `delivered_seq`, starting at the newest event when it is
//! added; the delivery log has one row per event it attempted. The rules live here: who may
//! subscribe, which URLs (https, public addresses only: no server-side request forgery), the
//! signing secret (`whsec_...`, shown once, kept only in the store and never exported). Every
//! change is audited in the account's trail. `api::webhooks` sends; nothing here speaks HTTP.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::history::Actor;
use super::{DirectoryError, Result, audit, clock, events};
use crate::db::DbConnection;
use crate::db::schema::{
    accounts, oidc_clients, webhook_deliveries as d, webhook_subscriptions as w,
};

/// How a signing secret starts (the Standard Webhooks convention).
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a signing secret.
const SECRET_BYTES: usize = 24;
/// What a refused URL's message adds about the setting that allows it.
const ALLOW_HINT: &str = "webhooks go only to public addresses (GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE=1 \
     allows others, for tests and closed networks)";

/// A new signing secret: `whsec_` and the Base64 of 24 random bytes.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    openssl::rand::rand_bytes(&mut bytes)?;
    Ok(format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

fn bad_url(message: impl Into<String>) -> DirectoryError {
    DirectoryError::invalid("url", message)
}

/// Why webhooks may not go to this address, or `None` for a public one.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => "unspecified",
        (127, _, _) => "loopback",
        (10, _, _) | (192, 168, _) => "private",
        (172, 16..=31, _) => "private",
        (169, 254, _) => "link-local",
        (100, 64..=127, _) => "shared (carrier-grade NAT)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        (192, 0, 0) | (198, 18..=19, _) => "reserved",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let s = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses reach IPv4 hosts.
    if s[..6] == [0; 6] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [hi, lo] = [s[6], s[7]];
        let v4 = Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
        return forbidden_v4(v4);
    }
    Some(match s[0] {
        0xff00..=0xffff => "multicast",
        0xfc00..=0xfdff => "unique local (private)",
        0xfe80..=0xfebf => "link-local",
        0xfec0..=0xfeff => "site-local (private)",
        0x2001 if s[1] == 0x0db8 => "documentation",
        _ => return None,
    })
}

/// The URL's own rules, before its host is looked up: https (http only with `allow_private`),
/// a host that is not `localhost`, no user name or password, no fragment. Answers it written
/// one way (host lower-cased, default port dropped), as it is stored.
pub fn target(text: &str, allow_private: bool) -> Result<url::Url> {
    let text = text.trim();
    let url = url::Url::parse(text).map_err(|e| {
        bad_url(format!(
            "{text:?} is not a URL ({e}), e.g. https://hr.example.com/hooks"
        ))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(bad_url(format!("{text:?}: webhooks need an https:// URL"))),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad_url(format!(
            "{text:?}: a webhook URL carries no user name or password (requests are signed instead)"
        )));
    }
    if url.fragment().is_some() {
        return Err(bad_url(format!("{text:?}: a webhook URL has no #fragment")));
    }
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        return Err(bad_url(format!("{text:?} names no host")));
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if !allow_private && (name == "localhost" || name.ends_with(".localhost")) {
        return Err(bad_url(format!(
            "{text:?}: {host} is this machine; {ALLOW_HINT}"
        )));
    }
    Ok(url)
}

/// A webhook URL that passed `check_url`: the only thing `add` takes.
#[derive(Debug, Clone)]
pub struct CheckedUrl(url::Url);

impl CheckedUrl {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// `target`, then the host looked up: refused when it does not resolve, or when any of its
/// addresses is loopback, private, link-local or otherwise not public (unless `allow_private`).
/// A lookup can take seconds: call it before the write transaction, never inside one.
pub fn check_url(text: &str, allow_private: bool) -> Result<CheckedUrl> {
    let url = target(text, allow_private)?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let addresses = url
        .socket_addrs(|| None)
        .map_err(|e| bad_url(format!("{host} cannot be resolved: {e}")))?;
    if addresses.is_empty() {
        return Err(bad_url(format!("{host} resolves to no address")));
    }
    if !allow_private {
        for address in &addresses {
            if let Some(why) = forbidden(address.ip()) {
                return Err(bad_url(format!(
                    "{host} is a {why} address ({}): {ALLOW_HINT}",
                    address.ip()
                )));
            }
        }
    }
    Ok(CheckedUrl(url))
}

/// The addresses a delivery may connect to for `netloc` ("host:port"), looked up again at every
/// delivery (a name that resolved to a public address when it was added may not any more):
/// only the public ones, unless `allow_private`. The sender's HTTP client connects only to
/// what this answers.
pub fn resolve(netloc: &str, allow_private: bool) -> std::io::Result<Vec<SocketAddr>> {
    let found: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
    if allow_private {
        return Ok(found);
    }
    let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = found
        .into_iter()
        .partition(|address| forbidden(address.ip()).is_none());
    match (public.is_empty(), refused.first()) {
        (false, _) => Ok(public),
        (true, Some(address)) => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{netloc} resolves to a {} address ({}): {ALLOW_HINT}",
                forbidden(address.ip()).unwrap_or("refused"),
                address.ip()
            ),
        )),
        (true, None) => Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{netloc} resolves to no address"),
        )),
    }
}

/// One delivery of one event to one subscription, as the delivery log shows it (the fields in
/// the order of `delivery_columns!`).
#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Delivery {
    pub subscription_id: String,
    pub url: String,
    pub event_id: String,
    pub event_type: String,
    pub seq: i64,
    /// delivering (retries are due), delivered, or failed (given up after 24 hours).
    pub status: String,
    pub attempts: i32,
    /// The HTTP status of the last answer, when there was one.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub first_attempt_at: NaiveDateTime,
    pub last_attempt_at: NaiveDateTime,
    pub next_attempt_at: Option<NaiveDateTime>,
}

macro_rules! delivery_columns {
    () => {
        (
            d::subscription_id,
            w::url,
            d::event_id,
            d::event_type,
            d::seq,
            d::status,
            d::attempts,
            d::last_status,
            d::last_error,
            d::first_attempt_at,
            d::last_attempt_at,
            d::next_attempt_at,
        )
    };
}

/// The account's latest delivery attempts, the most recent first.
pub fn deliveries(conn: &mut DbConnection, account_id: &str, limit: i64) -> Result<Vec<Delivery>> {
    let rows: Vec<Delivery> = d::table
        .inner_join(w::table)
        .filter(d::account_id.eq(account_id))
        .order((d::last_attempt_at.desc(), d::seq.desc()))
        .limit(limit)
        .select(delivery_columns!())
        .load(conn)?;
    Ok(rows)
}

/// Purges settled deliveries (delivered or failed) last attempted before `before`; a delivery
/// still being retried stays (it holds the attempts so far). Housekeeping purges them with the
/// events, after `events::RETENTION`.
pub fn purge_deliveries(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(
        d::table
            .filter(d::status.ne("delivering"))
            .filter(d::last_attempt_at.lt(before)),
    )
    .execute(conn)?)
}

/// One subscription, with where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Subscription {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub account_id: String,
    pub account_slug: String,
    pub url: String,
    /// The last event number the endpoint acknowledged (or that was given up on).
    pub delivered_seq: i64,
    /// The account's newest event number.
    pub newest_seq: i64,
    pub created_at: NaiveDateTime,
    /// The delivery of the next event while it is being retried.
    pub retrying: Option<Delivery>,
}

impl Subscription {
    /// Where delivery stands, in a few words.
    pub fn state(&self) -> String {
        match &self.retrying {
            Some(head) => format!(
                "retrying event {} after {} failed attempt(s){}{}",
                head.seq,
                head.attempts,
                head.last_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default(),
                head.next_attempt_at
                    .map(|at| format!(", next at {} UTC", at.format("%Y-%m-%d %H:%M:%S")))
                    .unwrap_or_default()
            ),
            None if self.delivered_seq >= self.newest_seq => "up to date".to_owned(),
            None => format!("{} event(s) waiting", self.newest_seq - self.delivered_seq),
        }
    }
}

type SubscriptionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    NaiveDateTime,
);

/// Subscriptions, oldest first: of one account, of one client, or all.
pub fn list(
    conn: &mut DbConnection,
    account_id: Option<&str>,
    client_id: Option<&str>,
) -> Result<Vec<Subscription>> {
    select(conn, account_id, client_id, None)
}

fn select(
    conn: &mut DbConnection,
    account_id: Option<&str>,
    client_id: Option<&str>,
    id: Option<&str>,
) -> Result<Vec<Subscription>> {
    let mut query = w::table
        .inner_join(oidc_clients::table)
        .inner_join(accounts::table.on(accounts::id.eq(w::account_id)))
        .order((w::created_at, w::id))
        .select((
            w::id,
            w::client_id,
            oidc_clients::name,
            w::account_id,
            accounts::slug,
            w::url,
            w::delivered_seq,
            w::created_at,
        ))
        .into_boxed();
    if let Some(account_id) = account_id {
        query = query.filter(w::account_id.eq(account_id.to_owned()));
    }
    if let Some(client_id) = client_id {
        query = query.filter(w::client_id.eq(client_id.to_owned()));
    }
    if let Some(id) = id {
        query = query.filter(w::id.eq(id.to_owned()));
    }
    let rows: Vec<SubscriptionRow> = query.load(conn)?;
    rows.into_iter()
        .map(|row| subscription_of(conn, row))
        .collect()
}

fn subscription_of(conn: &mut DbConnection, row: SubscriptionRow) -> Result<Subscription> {
    let (id, client_id, client_name, account_id, account_slug, url, delivered_seq, created_at) =
        row;
    let newest_seq = events::newest(conn, &account_id)?;
    let retrying: Option<Delivery> = d::table
        .inner_join(w::table)
        .filter(d::subscription_id.eq(&id))
        .filter(d::seq.gt(delivered_seq))
        .filter(d::status.eq("delivering"))
        .order(d::seq)
        .select(delivery_columns!())
        .first(conn)
        .optional()?;
    Ok(Subscription {
        id,
        client_id,
        client_name,
        account_id,
        account_slug,
        url,
        delivered_seq,
        newest_seq,
        created_at,
        retrying,
    })
}

/// One subscription by id.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Subscription> {
    select(conn, None, None, Some(id))?
        .into_iter()
        .next()
        .ok_or(DirectoryError::NotFound { what: "webhook" })
}

fn serves(accounts: Option<&str>, account_id: &str) -> bool {
    accounts.is_none_or(|json| {
        serde_json::from_str::<Vec<String>>(json)
            .unwrap_or_default()
            .iter()
            .any(|id| id == account_id)
    })
}

/// The applications that may subscribe to this account: confidential clients that serve it,
/// as (client id, name), oldest first.
pub fn eligible_clients(
    conn: &mut DbConnection,
    account_id: &str,
) -> Result<Vec<(String, String)>> {
    let clients: Vec<(String, String, Option<String>)> = oidc_clients::table
        .filter(oidc_clients::public.eq(false))
        .order((oidc_clients::created_at, oidc_clients::id))
        .select((oidc_clients::id, oidc_clients::name, oidc_clients::accounts))
        .load(conn)?;
    Ok(clients
        .into_iter()
        .filter(|(_, _, accounts)| serves(accounts.as_deref(), account_id))
        .map(|(id, name, _)| (id, name))
        .collect())
}

/// Subscribes `url` to the account's events for the client: only a confidential client that
/// serves the account, only an https URL of a public address (`check_url`), once per client,
/// account and URL. Deliveries start with the next event. Answers the subscription and its
/// signing secret, which is not shown again.
pub fn add(
    conn: &mut DbConnection,
    client_id: &str,
    account_id: &str,
    url: &CheckedUrl,
    by: &Actor,
) -> Result<(Subscription, String)> {
    let (name, public, served): (String, bool, Option<String>) = oidc_clients::table
        .find(client_id)
        .select((
            oidc_clients::name,
            oidc_clients::public,
            oidc_clients::accounts,
        ))
        .first(conn)
        .optional()?
        .ok_or(DirectoryError::NotFound { what: "client" })?;
    if public {
        return Err(DirectoryError::invalid(
            "client",
            format!(
                "{name} is a public client: webhooks are signed with a secret only a \
                 confidential client can keep"
            ),
        ));
    }
    if !serves(served.as_deref(), account_id) {
        return Err(DirectoryError::invalid(
            "client",
            format!("{name} does not serve this account"),
        ));
    }
    let url = url.as_str().to_owned();
    let taken = || {
        DirectoryError::invalid(
            "url",
            format!("{name} already has a webhook at {url} for this account"),
        )
    };
    let existing: i64 = w::table
        .filter(w::client_id.eq(client_id))
        .filter(w::account_id.eq(account_id))
        .filter(w::url.eq(&url))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(taken());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let secret = new_secret()?;
    let from = events::newest(conn, account_id)?;
    let inserted = crate::db::insert_unless_present(conn, |c| {
        diesel::insert_into(w::table)
            .values((
                w::id.eq(&id),
                w::client_id.eq(client_id),
                w::account_id.eq(account_id),
                w::url.eq(&url),
                w::secret.eq(&secret),
                w::delivered_seq.eq(from),
                w::created_at.eq(clock::now()),
            ))
            .execute(c)
    })?;
    if !inserted {
        return Err(taken());
    }
    audit::record(
        conn,
        account_id,
        by,
        "webhook_added",
        &format!("{name}: {url}"),
    )?;
    Ok((get(conn, &id)?, secret))
}

/// Ends a subscription (and its delivery log). With `account_id`, only one of that account
/// (another's answers "not found").
pub fn remove(
    conn: &mut DbConnection,
    id: &str,
    account_id: Option<&str>,
    by: &Actor,
) -> Result<Subscription> {
    let subscription = get(conn, id)?;
    if account_id.is_some_and(|a| a != subscription.account_id) {
        return Err(DirectoryError::NotFound { what: "webhook" });
    }
    diesel::delete(w::table.find(id)).execute(conn)?;
    audit::record(
        conn,
        &subscription.account_id,
        by,
        "webhook_removed",
        &format!("{}: {}", subscription.client_name, subscription.url),
    )?;
    Ok(subscription)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> Option<&'static str> {
        forbidden(ip.parse().expect("an address"))
    }

    #[test]
    fn only_public_addresses_are_reachable() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
        ] {
            assert!(refused(ip).is_some(), "{ip} must be refused");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:1.1.1.1",
            "64:ff9b::1.1.1.1",
        ] {
            assert_eq!(refused(ip), None, "{ip} is public");
        }
        assert_eq!(refused("169.254.169.254"), Some("link-local"));
        assert_eq!(refused("::ffff:192.168.0.1"), Some("private"));
    }

    #[test]
    fn urls_are_https_without_credentials_or_local_names() {
        for bad in [
            "http://hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "https://user:pw@hooks.example.com/x",
            "https://hooks.example.com/x#frag",
            "https://localhost/x",
            "https://LOCALHOST./x",
            "https://api.localhost/x",
            "not a url",
        ] {
            assert!(target(bad, false).is_err(), "{bad}");
        }
        let url = target("https://Hooks.Example.com:443/in?x=1", false).expect("valid");
        assert_eq!(url.as_str(), "https://hooks.example.com/in?x=1");
        assert!(target("http://localhost:8080/x", true).is_ok());
    }

    #[test]
    fn secrets_are_whsec_and_24_random_bytes() {
        let secret = new_secret().expect("random");
        let key = secret.strip_prefix(SECRET_PREFIX).expect("prefix");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key)
            .expect("base64");
        assert_eq!(bytes.len(), SECRET_BYTES);
        assert_ne!(new_secret().expect("random"), secret);
    }
}
