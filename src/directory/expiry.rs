//! Removes one-time state that can no longer be used: pending SAML requests, replay-cache
//! entries past their assertion's end, sessions and password links past expiry, failure counters
//! a day after their last failure (once no lockout holds). Plain deletes of
//! expired rows, so every instance may run it at once.

use diesel::prelude::*;

use super::{Result, clock};
use crate::db::DbConnection;
use crate::db::schema::{
    api_tokens, login_failures, login_journal, password_links, saml_replay, saml_requests, sessions,
};

/// How many rows each kind lost.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub saml_requests: usize,
    pub replay_entries: usize,
    pub sessions: usize,
    pub password_links: usize,
    /// Failed-attempt counters a day after their last failure, once no lockout holds: every
    /// login name anyone ever typed would otherwise keep a row.
    pub failure_counters: usize,
    /// Provisioning log lines past retention.
    pub log_lines: usize,
    /// Login journal rows past retention.
    pub journal_rows: usize,
    /// Directory API access tokens past expiry.
    pub api_tokens: usize,
    /// Change feed events past `events::RETENTION`.
    pub events: usize,
    /// Settled webhook deliveries last attempted before `events::RETENTION`.
    pub webhook_deliveries: usize,
}

/// How many days the logs keep their lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub provisioning_log_days: u32,
    pub login_journal_days: u32,
}

/// What an operator reads: every kind, in words.
impl std::fmt::Display for Purged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "purged {} expired pending sign-ins, {} replay entries, {} sessions, {} password \
             links, {} failure counters, {} provisioning log lines, {} login journal rows, {} API \
             tokens, {} change feed events and {} webhook deliveries",
            self.saml_requests,
            self.replay_entries,
            self.sessions,
            self.password_links,
            self.failure_counters,
            self.log_lines,
            self.journal_rows,
            self.api_tokens,
            self.events,
            self.webhook_deliveries
        )
    }
}

impl Purged {
    pub fn total(&self) -> usize {
        self.saml_requests
            + self.replay_entries
            + self.sessions
            + self.password_links
            + self.failure_counters
            + self.log_lines
            + self.journal_rows
            + self.api_tokens
            + self.events
            + self.webhook_deliveries
    }
}

pub fn purge_expired(conn: &mut DbConnection) -> Result<Purged> {
    let now = clock::now();
    Ok(Purged {
        saml_requests: diesel::delete(
            saml_requests::table.filter(saml_requests::expires_at.le(now)),
        )
        .execute(conn)?,
        replay_entries: diesel::delete(saml_replay::table.filter(saml_replay::expires_at.le(now)))
            .execute(conn)?,
        sessions: diesel::delete(sessions::table.filter(sessions::expires_at.le(now)))
            .execute(conn)?,
        password_links: diesel::delete(
            password_links::table.filter(password_links::expires_at.le(now)),
        )
        .execute(conn)?,
        failure_counters: diesel::delete(
            login_failures::table
                .filter(login_failures::last_failure_at.le(now - chrono::Duration::days(1)))
                .filter(
                    login_failures::locked_until
                        .is_null()
                        .or(login_failures::locked_until.le(now)),
                ),
        )
        .execute(conn)?,
        api_tokens: diesel::delete(api_tokens::table.filter(api_tokens::expires_at.le(now)))
            .execute(conn)?,
        log_lines: 0,
        journal_rows: 0,
        events: 0,
        webhook_deliveries: 0,
    })
}

/// The periodic clean-up: expired one-time state, and log lines past their retention. Every
/// instance runs it hourly (and `gatehouse housekeeping` once); two runs at the same moment
/// delete disjoint or no rows.
pub fn housekeeping(conn: &mut DbConnection, retention: Retention) -> Result<Purged> {
    let journal_cutoff = clock::now() - chrono::Duration::days(retention.login_journal_days.into());
    Ok(Purged {
        log_lines: super::provisioning_log::purge(conn, retention.provisioning_log_days)?,
        journal_rows: diesel::delete(
            login_journal::table.filter(login_journal::at.lt(journal_cutoff)),
        )
        .execute(conn)?,
        events: super::events::purge(conn, clock::now() - super::events::RETENTION)?,
        webhook_deliveries: super::webhooks::purge_deliveries(
            conn,
            clock::now() - super::events::RETENTION,
        )?,
        ..purge_expired(conn)?
    })
}
