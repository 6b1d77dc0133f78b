//! Removes one-time state that can no longer be used: pending SAML requests, replay-cache
//! entries past their assertion's end, sessions and password links past expiry. Plain deletes of
//! expired rows, so every instance may run it at once.

use diesel::prelude::*;

use super::{Result, clock};
use crate::db::DbConnection;
use crate::db::schema::{password_links, saml_replay, saml_requests, sessions};

/// How many rows each kind lost.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub saml_requests: usize,
    pub replay_entries: usize,
    pub sessions: usize,
    pub password_links: usize,
    /// Provisioning log lines past retention.
    pub log_lines: usize,
}

impl Purged {
    pub fn total(&self) -> usize {
        self.saml_requests
            + self.replay_entries
            + self.sessions
            + self.password_links
            + self.log_lines
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
        log_lines: 0,
    })
}

/// The periodic clean-up: expired one-time state and provisioning log lines older than
/// `log_days`. Every instance runs it hourly (and `gatehouse housekeeping` once); two runs at
/// the same moment delete disjoint or no rows.
pub fn housekeeping(conn: &mut DbConnection, log_days: u32) -> Result<Purged> {
    Ok(Purged {
        log_lines: super::provisioning_log::purge(conn, log_days)?,
        ..purge_expired(conn)?
    })
}
