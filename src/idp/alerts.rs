//! The `certificate.expiring` alert: the account's active signing certificate passing the
//! thresholds of `settings::Expiry` (60, 30 and 7 days before it ends, and once it has ended),
//! the same levels the integration page warns with. Whether it is raised (once) is
//! `directory::alerts`'.
//!
//! Each threshold of a certificate is its own alert (key
//! `certificate.expiring:{sha256 thumbprint}:{60|30|7|expired}`). Only the most urgent threshold
//! passed is raised: a certificate first seen with 5 days left raises "7" alone, and the "60"
//! and "30" keys are marked raised with it, so they never fire afterwards (not even from an
//! instance whose clock lags behind). A new certificate has a new thumbprint and starts again.

use chrono::NaiveDateTime;
use serde_json::json;

use super::settings::{self, Expiry, Role};
use crate::db::DbConnection;
use crate::directory::accounts::Account;
use crate::directory::alerts::{Alert, CERTIFICATE_EXPIRING};
use crate::directory::{Result, zones};

/// The thresholds in order of urgency, with how the key and the event name them.
const THRESHOLDS: [(Expiry, &str); 4] = [
    (Expiry::Within60Days, "60"),
    (Expiry::Within30Days, "30"),
    (Expiry::Within7Days, "7"),
    (Expiry::Expired, "expired"),
];

/// The alert due for the account's active certificate at `now`, if it has passed a threshold.
pub fn certificate_expiring(
    conn: &mut DbConnection,
    account: &Account,
    now: NaiveDateTime,
) -> Result<Option<Alert>> {
    let active = settings::certificates(conn, &account.id)?
        .into_iter()
        .find(|c| c.role == Role::Active.as_str());
    let Some(certificate) = active else {
        return Ok(None);
    };
    let level = Expiry::of(certificate.not_after, now);
    let Some(threshold) = name(level) else {
        return Ok(None);
    };
    let key = |threshold: &str| {
        format!(
            "{CERTIFICATE_EXPIRING}:{}:{threshold}",
            certificate.sha256_thumbprint
        )
    };
    let days_left = Expiry::days_left(certificate.not_after, now);
    let ends = certificate.not_after.format("%Y-%m-%d %H:%M UTC");
    let (summary, consequence) = if level == Expiry::Expired {
        (
            format!(
                "{}: the SAML signing certificate of Entra ID ended on {ends}",
                account.name
            ),
            "Sign-ins with Microsoft signed with it are refused.".to_owned(),
        )
    } else {
        (
            format!(
                "{}: the SAML signing certificate of Entra ID ends in {days_left} days ({ends})",
                account.name
            ),
            "Once it has ended, sign-ins with Microsoft signed with it are refused.".to_owned(),
        )
    };
    let body = format!(
        "{summary}.\n\n\
         Certificate: {subject}, SHA-256 thumbprint {thumbprint}, the active one of {name}. \
         {consequence}\n\n\
         What to do: in Entra ID, create a new SAML signing certificate for the Gatehouse \
         application and download it (Certificate (Base64)). Paste the new certificate from \
         Entra on the integration page (Admin > Integration > Signing certificates) and add it \
         as next: both are then trusted. Make it active in Entra, then make it the active one in \
         Gatehouse.",
        subject = certificate.subject,
        thumbprint = certificate.sha256_thumbprint,
        name = account.name,
    );
    Ok(Some(Alert {
        key: key(threshold),
        covers: THRESHOLDS
            .iter()
            .filter(|(passed, _)| *passed < level)
            .map(|(_, name)| key(name))
            .collect(),
        event_type: CERTIFICATE_EXPIRING,
        data: json!({
            "thumbprint": certificate.sha256_thumbprint,
            "subject": certificate.subject,
            "not_after": zones::rfc3339(certificate.not_after),
            "days_left": days_left,
            "threshold": threshold,
        }),
        summary,
        body,
    }))
}

fn name(level: Expiry) -> Option<&'static str> {
    THRESHOLDS
        .iter()
        .find(|(passed, _)| *passed == level)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_warning_level_is_a_threshold_and_fine_is_none() {
        assert_eq!(name(Expiry::Fine), None);
        assert_eq!(name(Expiry::Within60Days), Some("60"));
        assert_eq!(name(Expiry::Within30Days), Some("30"));
        assert_eq!(name(Expiry::Within7Days), Some("7"));
        assert_eq!(name(Expiry::Expired), Some("expired"));
    }
}
