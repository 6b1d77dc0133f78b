//! The account's IdP settings and trusted certificates, as stored. Every change here writes its
//! entry in the account's audit trail (`directory::audit`), naming the actor passed in.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::certificates::Certificate;
use super::metadata::FederationMetadata;
use crate::db::DbConnection;
use crate::db::schema::{accounts, idp_certificates as certs};
use crate::directory::accounts::{self as directory_accounts, Account};
use crate::directory::history::Actor;
use crate::directory::{DirectoryError, Refusal, Result, audit, clock};

/// How the NameID Entra sends is matched against the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameIdMode {
    /// The login name (Entra's default NameID, user.userprincipalname).
    Upn,
    /// The work email (NameID claim set to user.mail).
    Mail,
}

impl NameIdMode {
    pub fn as_str(self) -> &'static str {
        match self {
            NameIdMode::Upn => "upn",
            NameIdMode::Mail => "mail",
        }
    }

    pub fn parse(text: &str) -> Result<NameIdMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "upn" => Ok(NameIdMode::Upn),
            "mail" => Ok(NameIdMode::Mail),
            other => Err(DirectoryError::invalid(
                "nameid",
                format!("{other:?} is neither upn nor mail"),
            )),
        }
    }

    pub fn of(account: &Account) -> NameIdMode {
        match account.nameid_mode.as_str() {
            "mail" => NameIdMode::Mail,
            _ => NameIdMode::Upn,
        }
    }
}

/// Active: the one Entra signs with now. Next: added ahead of a rollover. Both are trusted, so
/// promoting the next one in Entra never makes a sign-in fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Active,
    Next,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Active => "active",
            Role::Next => "next",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certs)]
pub struct TrustedCertificate {
    pub id: String,
    pub account_id: String,
    pub role: String,
    pub der_base64: String,
    pub subject: String,
    pub sha1_thumbprint: String,
    pub sha256_thumbprint: String,
    pub not_before: NaiveDateTime,
    pub not_after: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl TrustedCertificate {
    pub fn is_valid_at(&self, now: NaiveDateTime) -> bool {
        self.not_before <= now && now < self.not_after
    }

    pub fn der(&self) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.der_base64)
            .unwrap_or_default()
    }
}

pub fn certificates(conn: &mut DbConnection, account_id: &str) -> Result<Vec<TrustedCertificate>> {
    Ok(certs::table
        .filter(certs::account_id.eq(account_id))
        .order((certs::role, certs::created_at))
        .select(TrustedCertificate::as_select())
        .load(conn)?)
}

/// Every trusted certificate of every account, with the account's slug (for monitoring).
pub fn all_certificates(conn: &mut DbConnection) -> Result<Vec<(String, TrustedCertificate)>> {
    Ok(certs::table
        .inner_join(accounts::table.on(accounts::id.eq(certs::account_id)))
        .order((accounts::slug, certs::role, certs::created_at))
        .select((accounts::slug, TrustedCertificate::as_select()))
        .load(conn)?)
}

/// Adds a certificate to the trusted set, as "next" beside the active one or as the active one
/// (the former active one then stays trusted as "next", as with `promote`). The same
/// certificate twice is a conflict. Audited as `certificate_added`.
pub fn add_certificate(
    conn: &mut DbConnection,
    account_id: &str,
    certificate: &Certificate,
    role: Role,
    by: &Actor,
) -> Result<TrustedCertificate> {
    directory_accounts::by_id(conn, account_id)?;
    let added = insert_certificate(conn, account_id, certificate, Role::Next)?;
    if role == Role::Active {
        make_active(conn, account_id, &added.id)?;
    }
    audit::record(
        conn,
        account_id,
        by,
        "certificate_added",
        &format!(
            "{} ({}, thumbprint {}, valid until {})",
            role.as_str(),
            certificate.subject,
            certificate.sha1_thumbprint,
            certificate.not_after.format("%Y-%m-%d")
        ),
    )?;
    find(conn, account_id, &added.id)
}

/// Stores a certificate with a role, touching no other (no audit entry: the callers write it).
fn insert_certificate(
    conn: &mut DbConnection,
    account_id: &str,
    certificate: &Certificate,
    role: Role,
) -> Result<TrustedCertificate> {
    let existing = certs::table
        .filter(certs::account_id.eq(account_id))
        .filter(certs::sha256_thumbprint.eq(&certificate.sha256_thumbprint))
        .count()
        .get_result::<i64>(conn)?;
    if existing > 0 {
        return Err(DirectoryError::Conflict {
            field: "certificate",
            value: certificate.sha1_thumbprint.clone(),
        });
    }
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(certs::table)
        .values((
            certs::id.eq(&id),
            certs::account_id.eq(account_id),
            certs::role.eq(role.as_str()),
            certs::der_base64.eq(certificate.der_base64()),
            certs::subject.eq(&certificate.subject),
            certs::sha1_thumbprint.eq(&certificate.sha1_thumbprint),
            certs::sha256_thumbprint.eq(&certificate.sha256_thumbprint),
            certs::not_before.eq(certificate.not_before),
            certs::not_after.eq(certificate.not_after),
            certs::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    find(conn, account_id, &id)
}

/// Makes a certificate the active one; the former active one stays trusted as "next" until an
/// admin removes it, so responses signed by either keep working during the switch in Entra.
/// Audited as `certificate_promoted`.
pub fn promote(
    conn: &mut DbConnection,
    account_id: &str,
    certificate_id: &str,
    by: &Actor,
) -> Result<()> {
    let certificate = find(conn, account_id, certificate_id)?;
    make_active(conn, account_id, certificate_id)?;
    audit::record(
        conn,
        account_id,
        by,
        "certificate_promoted",
        &described(&certificate),
    )
}

fn make_active(conn: &mut DbConnection, account_id: &str, certificate_id: &str) -> Result<()> {
    diesel::update(certs::table.filter(certs::account_id.eq(account_id)))
        .set(certs::role.eq(Role::Next.as_str()))
        .execute(conn)?;
    diesel::update(certs::table.find(certificate_id))
        .set(certs::role.eq(Role::Active.as_str()))
        .execute(conn)?;
    Ok(())
}

/// Stops trusting a certificate. While SSO is on, the last currently valid one cannot go.
/// Audited as `certificate_removed`.
pub fn remove_certificate(
    conn: &mut DbConnection,
    account_id: &str,
    certificate_id: &str,
    by: &Actor,
) -> Result<()> {
    let certificate = find(conn, account_id, certificate_id)?;
    let account = directory_accounts::by_id(conn, account_id)?;
    let now = clock::now();
    let others_valid = certificates(conn, account_id)?
        .iter()
        .any(|c| c.id != certificate_id && c.is_valid_at(now));
    if account.sso_enabled && !others_valid {
        return Err(Refusal::LastValidCertificate.into());
    }
    diesel::delete(certs::table.find(certificate_id)).execute(conn)?;
    audit::record(
        conn,
        account_id,
        by,
        "certificate_removed",
        &described(&certificate),
    )
}

/// How the audit trail names a trusted certificate.
fn described(c: &TrustedCertificate) -> String {
    format!("{} (thumbprint {})", c.subject, c.sha1_thumbprint)
}

fn find(
    conn: &mut DbConnection,
    account_id: &str,
    certificate_id: &str,
) -> Result<TrustedCertificate> {
    certs::table
        .filter(certs::account_id.eq(account_id))
        .filter(certs::id.eq(certificate_id))
        .select(TrustedCertificate::as_select())
        .first(conn)
        .optional()?
        .ok_or(DirectoryError::NotFound {
            what: "certificate",
        })
}

/// Points the account at an IdP described by Entra's federation metadata (entity id, sign-on
/// URL, every signing certificate), as `replace_trust` does. Audited as `metadata_imported`.
pub fn import_metadata(
    conn: &mut DbConnection,
    account_id: &str,
    metadata: &FederationMetadata,
    by: &Actor,
) -> Result<Account> {
    let account = trust(
        conn,
        account_id,
        &metadata.entity_id,
        &metadata.sso_url,
        &metadata.certificates,
    )?;
    audit::record(
        conn,
        account_id,
        by,
        "metadata_imported",
        &trust_detail(&account, &metadata.certificates),
    )?;
    Ok(account)
}

/// Points the account at an IdP: entity id, sign-on URL and the whole trusted set (the first
/// certificate active, the others next), replacing what was there. Audited as `trust_replaced`.
pub fn replace_trust(
    conn: &mut DbConnection,
    account_id: &str,
    entity_id: &str,
    sso_url: &str,
    certificates: &[Certificate],
    by: &Actor,
) -> Result<Account> {
    let account = trust(conn, account_id, entity_id, sso_url, certificates)?;
    audit::record(
        conn,
        account_id,
        by,
        "trust_replaced",
        &trust_detail(&account, certificates),
    )?;
    Ok(account)
}

fn trust_detail(account: &Account, certificates: &[Certificate]) -> String {
    let thumbprints: Vec<&str> = certificates
        .iter()
        .map(|c| c.sha1_thumbprint.as_str())
        .collect();
    format!(
        "entity id {}, sign-on URL {}, certificates {}",
        account.idp_entity_id.as_deref().unwrap_or_default(),
        account.idp_sso_url.as_deref().unwrap_or_default(),
        thumbprints.join(", ")
    )
}

/// The rule behind `replace_trust` and `import_metadata`, without the audit entry.
fn trust(
    conn: &mut DbConnection,
    account_id: &str,
    entity_id: &str,
    sso_url: &str,
    certificates: &[Certificate],
) -> Result<Account> {
    if certificates.is_empty() {
        return Err(DirectoryError::invalid(
            "certificate",
            "at least one signing certificate is required",
        ));
    }
    let now = clock::now();
    let account = directory_accounts::by_id(conn, account_id)?;
    if account.sso_enabled && !certificates.iter().any(|c| c.is_valid_at(now)) {
        return Err(Refusal::NoValidCertificateGiven.into());
    }
    write_idp(conn, account_id, entity_id, sso_url)?;
    diesel::delete(certs::table.filter(certs::account_id.eq(account_id))).execute(conn)?;
    for (i, certificate) in certificates.iter().enumerate() {
        let role = if i == 0 { Role::Active } else { Role::Next };
        insert_certificate(conn, account_id, certificate, role)?;
    }
    directory_accounts::by_id(conn, account_id)
}

/// Sets the IdP's entity id and sign-on URL, keeping the trusted certificates. Audited as
/// `idp_set`.
pub fn set_idp(
    conn: &mut DbConnection,
    account_id: &str,
    entity_id: &str,
    sso_url: &str,
    by: &Actor,
) -> Result<Account> {
    let after = write_idp(conn, account_id, entity_id, sso_url)?;
    audit::record(
        conn,
        account_id,
        by,
        "idp_set",
        &format!(
            "entity id {}, sign-on URL {}",
            after.idp_entity_id.as_deref().unwrap_or_default(),
            after.idp_sso_url.as_deref().unwrap_or_default()
        ),
    )?;
    Ok(after)
}

fn write_idp(
    conn: &mut DbConnection,
    account_id: &str,
    entity_id: &str,
    sso_url: &str,
) -> Result<Account> {
    let entity_id = entity_id.trim();
    if entity_id.is_empty() {
        return Err(DirectoryError::invalid("entity_id", "is required"));
    }
    let sso_url = sso_url.trim();
    if !sso_url.starts_with("https://") {
        return Err(DirectoryError::invalid(
            "sso_url",
            format!("{sso_url:?} must be an https:// address (Entra's Login URL)"),
        ));
    }
    directory_accounts::by_id(conn, account_id)?;
    diesel::update(accounts::table.find(account_id))
        .set((
            accounts::idp_entity_id.eq(entity_id),
            accounts::idp_sso_url.eq(sso_url),
            accounts::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    directory_accounts::by_id(conn, account_id)
}

/// How urgent a certificate's end is: admins are warned 60, 30 and 7 days ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Expiry {
    Fine,
    Within60Days,
    Within30Days,
    Within7Days,
    Expired,
}

impl Expiry {
    pub fn of(not_after: NaiveDateTime, now: NaiveDateTime) -> Expiry {
        let left = not_after - now;
        match left.num_seconds() {
            s if s <= 0 => Expiry::Expired,
            _ if left <= chrono::Duration::days(7) => Expiry::Within7Days,
            _ if left <= chrono::Duration::days(30) => Expiry::Within30Days,
            _ if left <= chrono::Duration::days(60) => Expiry::Within60Days,
            _ => Expiry::Fine,
        }
    }

    /// Whole days left, 0 once expired.
    pub fn days_left(not_after: NaiveDateTime, now: NaiveDateTime) -> i64 {
        (not_after - now).num_days().max(0)
    }
}

/// A change to the SSO switches; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SsoChange {
    pub enabled: Option<bool>,
    pub nameid_mode: Option<NameIdMode>,
    pub idp_initiated: Option<bool>,
    pub clock_skew_secs: Option<i32>,
}

/// Applies SSO switches. SSO goes on only with an IdP entity id, a sign-on URL and at least one
/// certificate valid now: without one, no response could be verified. Audited as
/// `sso_settings` (with the clock skew when the change sets it).
pub fn change_sso(
    conn: &mut DbConnection,
    account_id: &str,
    change: &SsoChange,
    by: &Actor,
) -> Result<Account> {
    let account = directory_accounts::by_id(conn, account_id)?;
    if change.enabled == Some(true) {
        let now = clock::now();
        if account.idp_entity_id.is_none() || account.idp_sso_url.is_none() {
            return Err(Refusal::IdpNotSet.into());
        }
        if !certificates(conn, account_id)?
            .iter()
            .any(|c| c.is_valid_at(now))
        {
            return Err(Refusal::NoValidCertificate.into());
        }
    }
    if let Some(skew) = change.clock_skew_secs
        && !(0..=600).contains(&skew)
    {
        return Err(DirectoryError::invalid(
            "clock_skew",
            "must be 0 to 600 seconds",
        ));
    }
    diesel::update(accounts::table.find(account_id))
        .set((
            accounts::sso_enabled.eq(change.enabled.unwrap_or(account.sso_enabled)),
            accounts::nameid_mode.eq(change
                .nameid_mode
                .map_or(account.nameid_mode.clone(), |m| m.as_str().to_owned())),
            accounts::idp_initiated.eq(change.idp_initiated.unwrap_or(account.idp_initiated)),
            accounts::clock_skew_secs.eq(change.clock_skew_secs.unwrap_or(account.clock_skew_secs)),
            accounts::updated_at.eq(clock::now()),
        ))
        .execute(conn)?;
    let after = directory_accounts::by_id(conn, account_id)?;
    let mut detail = format!(
        "SSO {}, NameID matched as {}, IdP-initiated sign-in {}",
        if after.sso_enabled { "on" } else { "off" },
        after.nameid_mode,
        if after.idp_initiated {
            "allowed"
        } else {
            "refused"
        }
    );
    if change.clock_skew_secs.is_some() {
        detail.push_str(&format!(", clock skew {} s", after.clock_skew_secs));
    }
    audit::record(conn, account_id, by, "sso_settings", &detail)?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::Expiry;
    use chrono::{Duration, NaiveDate};

    #[test]
    fn warnings_start_60_30_and_7_days_ahead() {
        let now = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("date");
        let at = |days: i64| Expiry::of(now + Duration::days(days), now);
        assert_eq!(at(61), Expiry::Fine);
        assert_eq!(at(60), Expiry::Within60Days);
        assert_eq!(at(31), Expiry::Within60Days);
        assert_eq!(at(30), Expiry::Within30Days);
        assert_eq!(at(8), Expiry::Within30Days);
        assert_eq!(at(7), Expiry::Within7Days);
        assert_eq!(at(1), Expiry::Within7Days);
        assert_eq!(Expiry::of(now, now), Expiry::Expired);
        assert_eq!(at(-3), Expiry::Expired);
        assert_eq!(Expiry::days_left(now + Duration::days(12), now), 12);
        assert_eq!(Expiry::days_left(now - Duration::days(2), now), 0);
    }
}
