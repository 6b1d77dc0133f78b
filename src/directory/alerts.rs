//! Account alerts: something about the account's link to Entra that an admin has to act on
//! (`certificate.expiring`, `provisioning.failing`, `sso.failing`), published once as an event
//! of the change feed (so webhooks deliver it too) and mailed to the setup admins.
//!
//! "Once" is decided here and only here: an alert is named by a key that includes what makes
//! it one occurrence (the certificate and its threshold, the start of a failing streak), and
//! the first transaction that inserts the key into `account_alerts` raises it; every later or
//! parallel check, on any instance, finds the key and raises nothing. The caller records the
//! event and queues the mail in that same transaction, so a crash neither loses nor repeats
//! an alert.
//!
//! The two streak rules live here; the certificate rule (thresholds of `idp::settings::Expiry`)
//! is `idp::alerts`, and `auth::alert_mail` asks all three and mails what was raised.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use super::accounts::Account;
use super::events::{self, SubjectType};
use super::history::Source;
use super::{Result, zones};
use crate::db::schema::{
    account_alerts as a, employees as e, login_journal as j, provisioning_log as p,
};
use crate::db::{DbConnection, insert_unless_present};

pub const CERTIFICATE_EXPIRING: &str = "certificate.expiring";
pub const PROVISIONING_FAILING: &str = "provisioning.failing";
pub const SSO_FAILING: &str = "sso.failing";

/// How long requests or sign-ins must have been failing before it is an alert.
pub fn failing_for() -> Duration {
    Duration::hours(1)
}

/// One alert as a rule found it due.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Names the occurrence: an alert whose key has been raised is never raised again.
    pub key: String,
    /// Keys that this alert makes pointless (less urgent thresholds already passed), least
    /// urgent first: marked as raised with it, so none of them fires after it.
    pub covers: Vec<String>,
    pub event_type: &'static str,
    /// The event's data, as the feed and webhooks publish it.
    pub data: Value,
    /// One sentence: the mail's subject and the log line.
    pub summary: String,
    /// The mail to the setup admins: what happened, since when, what to do.
    pub body: String,
}

/// Raises `alert` unless it has been raised (by this or any other instance): inserts its key
/// (and the keys it covers) and records its event, in the caller's transaction. True when
/// this call raised it; the caller then queues its mail in the same transaction.
pub fn raise(conn: &mut DbConnection, account_id: &str, alert: &Alert) -> Result<bool> {
    let now = super::clock::now();
    let mark = |conn: &mut DbConnection, key: &str| {
        insert_unless_present(conn, |c| {
            diesel::insert_into(a::table)
                .values((
                    a::account_id.eq(account_id),
                    a::alert_key.eq(key),
                    a::raised_at.eq(now),
                ))
                .execute(c)
        })
    };
    // The covered keys first, in the order the rule gives (least urgent first), then the
    // alert's own: two instances racing on thresholds of one certificate take the keys in the
    // same order, so on PostgreSQL neither waits for a key the other holds while holding one
    // it wants.
    for key in &alert.covers {
        mark(conn, key)?;
    }
    if !mark(conn, &alert.key)? {
        return Ok(false);
    }
    events::record(
        conn,
        account_id,
        Source::System,
        alert.event_type,
        (SubjectType::Account, account_id),
        alert.data.clone(),
    )?;
    Ok(true)
}

/// Where an account's alerts are mailed: the email of each active setup admin.
pub fn recipients(conn: &mut DbConnection, account_id: &str) -> Result<Vec<String>> {
    let emails: Vec<String> = e::table
        .filter(e::account_id.eq(account_id))
        .filter(e::is_setup_admin.eq(true))
        .filter(e::active.eq(true))
        .filter(e::released_at.is_null())
        .order(e::email)
        .select(e::email)
        .load(conn)?;
    Ok(emails
        .into_iter()
        .filter(|email| !email.trim().is_empty())
        .collect())
}

/// A run of failures: since when, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Streak {
    since: NaiveDateTime,
    failures: i64,
}

/// The failing-for-an-hour rule both logs share: the newest entry is a failure within the last
/// hour (still failing; the caller checks that before asking for the streak), and the streak
/// it ends began at least an hour ago.
fn lasted(streak: Option<Streak>, now: NaiveDateTime) -> Option<Streak> {
    streak.filter(|s| s.failures > 0 && s.since <= now - failing_for())
}

/// When an instant is shown in a mail: minutes, UTC.
fn shown(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `provisioning.failing`: every SCIM request of the account since its last successful one
/// has failed, the first of those failures is at least an hour old, and the newest request
/// (a failure) is less than an hour old. A request the log counts as failed is one answered
/// with 400 or above (a request with no valid token names no account and is not logged). One
/// streak raises once (its key is its first failure); a success ends it, and failures after
/// that are a new streak.
pub fn provisioning_failing(
    conn: &mut DbConnection,
    account: &Account,
    now: NaiveDateTime,
) -> Result<Option<Alert>> {
    let newest: Option<(NaiveDateTime, String, i32, String)> = p::table
        .filter(p::account_id.eq(&account.id))
        .order((p::at.desc(), p::id.desc()))
        .select((p::at, p::outcome, p::status, p::detail))
        .first(conn)
        .optional()?;
    let Some((last_at, outcome, last_status, last_detail)) = newest else {
        return Ok(None);
    };
    if outcome != "failure" || last_at < now - failing_for() {
        return Ok(None);
    }
    let last_success: Option<NaiveDateTime> = p::table
        .filter(p::account_id.eq(&account.id))
        .filter(p::outcome.eq("success"))
        .order(p::at.desc())
        .select(p::at)
        .first(conn)
        .optional()?;
    let mut failures = p::table
        .filter(p::account_id.eq(&account.id))
        .filter(p::outcome.eq("failure"))
        .into_boxed();
    if let Some(success) = last_success {
        failures = failures.filter(p::at.gt(success));
    }
    let (since, count): (Option<NaiveDateTime>, i64) = failures
        .select((diesel::dsl::min(p::at), diesel::dsl::count_star()))
        .first(conn)?;
    let streak = since.map(|since| Streak {
        since,
        failures: count,
    });
    let Some(streak) = lasted(streak, now) else {
        return Ok(None);
    };
    let hint = super::provisioning_log::hint(last_status, &last_detail);
    let summary = format!(
        "{}: provisioning from Entra ID has been failing since {}",
        account.name,
        shown(streak.since)
    );
    let body = format!(
        "Every provisioning request Entra ID sent to Gatehouse for {name} since {since} has \
         failed: {failures} failed requests, none succeeded. The last one, at {last}, was \
         answered {last_status}: {last_detail}\n\n\
         While this goes on, new people, changes and departures in Entra do not reach the \
         directory.\n\n\
         What to do: check the provisioning log (Admin > Logs > Provisioning) for the failed \
         requests and their hints. {hint}",
        name = account.name,
        since = shown(streak.since),
        failures = streak.failures,
        last = shown(last_at),
    );
    Ok(Some(Alert {
        key: format!("{PROVISIONING_FAILING}:{}", zones::rfc3339(streak.since)),
        covers: Vec::new(),
        event_type: PROVISIONING_FAILING,
        data: json!({
            "since": zones::rfc3339(streak.since),
            "failures": streak.failures,
            "last_status": last_status,
            "last_detail": last_detail,
        }),
        summary,
        body: body.trim_end().to_owned(),
    }))
}

/// `sso.failing`: every SAML sign-in attempt of the account for at least an hour has failed
/// for one and the same reason, and the newest attempt (such a failure) is less than an hour
/// old. The streak starts after the last attempt that succeeded or failed for another reason;
/// refusals the journal collapsed into one row count with their `repeats`. Password sign-ins
/// are not SSO and do not count. One streak raises once (its key is the reason and its first
/// failure); a success or another reason ends it.
pub fn sso_failing(
    conn: &mut DbConnection,
    account: &Account,
    now: NaiveDateTime,
) -> Result<Option<Alert>> {
    let saml = || {
        j::table
            .filter(j::account_id.eq(&account.id))
            .filter(j::method.eq("saml"))
    };
    let newest: Option<(NaiveDateTime, String, String, String, String)> = saml()
        .order((j::at.desc(), j::id.desc()))
        .select((j::at, j::outcome, j::reason, j::detail, j::hint))
        .first(conn)
        .optional()?;
    let Some((last_at, outcome, reason, detail, hint)) = newest else {
        return Ok(None);
    };
    if outcome != "failure" || last_at < now - failing_for() {
        return Ok(None);
    }
    let other: Option<NaiveDateTime> = saml()
        .filter(j::outcome.ne("failure").or(j::reason.ne(&reason)))
        .order(j::at.desc())
        .select(j::at)
        .first(conn)
        .optional()?;
    let mut same = saml()
        .filter(j::outcome.eq("failure"))
        .filter(j::reason.eq(&reason))
        .into_boxed();
    if let Some(other) = other {
        same = same.filter(j::at.gt(other));
    }
    let (since, repeats): (Option<NaiveDateTime>, Option<i64>) = same
        .select((diesel::dsl::min(j::at), diesel::dsl::sum(j::repeats)))
        .first(conn)?;
    let streak = since.map(|since| Streak {
        since,
        failures: repeats.unwrap_or(0),
    });
    let Some(streak) = lasted(streak, now) else {
        return Ok(None);
    };
    let summary = format!(
        "{}: sign-ins with Microsoft have been failing ({reason}) since {}",
        account.name,
        shown(streak.since)
    );
    let body = format!(
        "Every sign-in with Microsoft to {name} since {since} has failed for the same reason, \
         {reason}: {failures} failed attempts, none succeeded. The last one, at {last}: \
         {detail}\n\n\
         While this goes on, people of {name} cannot sign in with Microsoft.\n\n\
         What to do: check the sign-in log (Admin > Logs > Sign-ins) for the failed attempts. \
         {hint}",
        name = account.name,
        since = shown(streak.since),
        failures = streak.failures,
        last = shown(last_at),
    );
    Ok(Some(Alert {
        key: format!("{SSO_FAILING}:{reason}:{}", zones::rfc3339(streak.since)),
        covers: Vec::new(),
        event_type: SSO_FAILING,
        data: json!({
            "reason": reason,
            "since": zones::rfc3339(streak.since),
            "failures": streak.failures,
        }),
        summary,
        body: body.trim_end().to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streak_is_due_once_it_has_lasted_an_hour() {
        let now = chrono::DateTime::from_timestamp(1_900_000_000, 0)
            .expect("instant")
            .naive_utc();
        let streak = |minutes: i64| {
            Some(Streak {
                since: now - Duration::minutes(minutes),
                failures: 3,
            })
        };
        assert_eq!(lasted(streak(59), now), None);
        assert_eq!(lasted(streak(60), now), streak(60));
        assert_eq!(lasted(streak(600), now), streak(600));
        assert_eq!(lasted(None, now), None);
    }
}
