//! The email domains of an account, and which account a sign-in is for.
//!
//! Identifier-first sign-in asks only for a work email; the account comes from what the
//! request names (a per-account sign-in URL, an `account` parameter, a client that serves one
//! account) or else from the address's domain, listed here by the account's setup admins. A
//! domain belongs to one account in the whole installation. Domains are folded to lowercase by
//! `normalise` (Unicode rules, like `keys`), so the table's primary key is the uniqueness rule.
//! Every change is audited here, in the caller's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::{self, Account};
use super::history::Actor;
use super::{DirectoryError, Result, audit, clock, keys};
use crate::db::DbConnection;
use crate::db::schema::account_domains as d;

/// The longest domain name DNS allows.
const MAX_LEN: usize = 253;

/// A domain as stored: trimmed, without a leading `@` or a trailing dot, folded to lowercase;
/// refused unless it is a plain host name with at least two labels (`contoso.com`).
pub fn normalise(domain: &str) -> Result<String> {
    let folded = keys::normalise(domain.trim().trim_start_matches('@').trim_end_matches('.'));
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = folded.split('.').collect();
    if folded.len() > MAX_LEN || labels.len() < 2 || !labels.iter().all(|l| label_ok(l)) {
        return Err(DirectoryError::invalid(
            "domain",
            format!("{:?} is not a domain like contoso.com", domain.trim()),
        ));
    }
    Ok(folded)
}

/// The domain of a typed address (what follows its last `@`), folded; none when the text is
/// not an address with a plausible domain (a bare login name, say).
pub fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    normalise(domain).ok()
}

/// Lists `domain` for the account. Already listed there: nothing changes (and false is
/// returned). Listed for another account: a conflict that does not say which.
/// Audited as `domain_added`.
pub fn add(conn: &mut DbConnection, account_id: &str, domain: &str, by: &Actor) -> Result<bool> {
    let domain = normalise(domain)?;
    match holder(conn, &domain)? {
        Some(holder) if holder == account_id => return Ok(false),
        Some(_) => return Err(taken(&domain)),
        None => {}
    }
    diesel::insert_into(d::table)
        .values((
            d::domain.eq(&domain),
            d::account_id.eq(account_id),
            d::created_at.eq(clock::now()),
        ))
        .execute(conn)
        .map_err(|e| match crate::db::is_unique_violation(&e) {
            // Another account's admin listed it at the same moment.
            true => taken(&domain),
            false => e.into(),
        })?;
    audit::record(
        conn,
        account_id,
        by,
        "domain_added",
        &format!("people at {domain} sign in with this account"),
    )?;
    Ok(true)
}

/// Takes `domain` off the account's list; not found unless the account lists it.
/// Audited as `domain_removed`.
pub fn remove(conn: &mut DbConnection, account_id: &str, domain: &str, by: &Actor) -> Result<()> {
    let domain = normalise(domain)?;
    let removed = diesel::delete(
        d::table
            .filter(d::domain.eq(&domain))
            .filter(d::account_id.eq(account_id)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(DirectoryError::NotFound { what: "domain" });
    }
    audit::record(
        conn,
        account_id,
        by,
        "domain_removed",
        &format!("people at {domain} no longer sign in with this account by their address"),
    )
}

/// The account's domains, in order.
pub fn list(conn: &mut DbConnection, account_id: &str) -> Result<Vec<AccountDomain>> {
    Ok(d::table
        .filter(d::account_id.eq(account_id))
        .order(d::domain)
        .select((d::domain, d::created_at))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(domain, added_at)| AccountDomain { domain, added_at })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountDomain {
    pub domain: String,
    pub added_at: NaiveDateTime,
}

/// Where a sign-in's account was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The request named it (URL, parameter, client): whether or not such an account exists.
    Named,
    /// The address's domain is listed for it.
    ByDomain,
    /// Neither: no account.
    Nowhere,
}

/// The account a sign-in with `address` is for: the one `named` (a slug; when given it wins,
/// even when no account has it: an unknown company is not replaced by a guess), else the one
/// listing the address's domain.
pub fn resolve(
    conn: &mut DbConnection,
    named: Option<&str>,
    address: &str,
) -> Result<(Option<Account>, Found)> {
    if let Some(slug) = named.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok((accounts::find_by_slug(conn, slug)?, Found::Named));
    }
    let Some(domain) = domain_of(address) else {
        return Ok((None, Found::Nowhere));
    };
    match holder(conn, &domain)? {
        Some(account_id) => Ok((Some(accounts::by_id(conn, &account_id)?), Found::ByDomain)),
        None => Ok((None, Found::Nowhere)),
    }
}

/// The id of the account listing this (normalised) domain.
fn holder(conn: &mut DbConnection, domain: &str) -> Result<Option<String>> {
    Ok(d::table
        .find(domain)
        .select(d::account_id)
        .first(conn)
        .optional()?)
}

fn taken(domain: &str) -> DirectoryError {
    DirectoryError::Conflict {
        field: "domain",
        value: domain.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{domain_of, normalise};

    #[test]
    fn domains_are_folded_and_must_look_like_host_names() {
        assert_eq!(normalise(" @Contoso.COM. ").expect("ok"), "contoso.com");
        assert_eq!(normalise("Mail.Ö-Bank.SE").expect("ok"), "mail.ö-bank.se");
        for bad in [
            "",
            "contoso",
            "contoso..com",
            "-contoso.com",
            "contoso-.com",
            "ann@contoso.com",
            "contoso.com/x",
            "con toso.com",
            "*.contoso.com",
        ] {
            assert!(normalise(bad).is_err(), "{bad:?}");
        }
        assert!(normalise(&format!("{}.com", "a".repeat(64))).is_err());
    }

    #[test]
    fn an_address_gives_its_folded_domain() {
        assert_eq!(domain_of("Ann.Lee@Acme.COM").as_deref(), Some("acme.com"));
        assert_eq!(domain_of(" \"a@b\"@acme.com ").as_deref(), Some("acme.com"));
        assert_eq!(domain_of("ann"), None);
        assert_eq!(domain_of("ann@localhost"), None);
    }
}
