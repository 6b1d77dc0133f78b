//! The account alerts the housekeeping raises, and their mail: for each account, in one
//! transaction, the rules that may find an alert due (`idp::alerts` for the certificate,
//! `directory::alerts` for provisioning and sign-ins); each one `directory::alerts::raise`
//! raises (its key, its feed event) gets a mail to every active setup admin in the outbox, in
//! that same transaction. Webhooks deliver the feed event like any other. Safe on every
//! instance at once: the key decides, so each alert is raised, published and mailed once.

use crate::db::{self, DbConnection};
use crate::directory::accounts::{self, Account};
use crate::directory::{Result, alerts, clock};

use super::outbox;

/// One alert raised by this check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub account: String,
    pub event_type: &'static str,
    pub summary: String,
    /// How many setup admins it was mailed to.
    pub mailed: usize,
}

/// What an operator reads in the log.
impl std::fmt::Display for Raised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "alert {} raised for account {}: {} (mailed to {} setup admins)",
            self.event_type, self.account, self.summary, self.mailed
        )
    }
}

/// Checks every account (one transaction each) and raises what is due and not yet raised. An
/// account whose check fails is logged and retried at the next check; the others still run.
pub fn raise_due(conn: &mut DbConnection) -> Result<Vec<Raised>> {
    let mut raised = Vec::new();
    for account in accounts::list(conn)? {
        match db::write(conn, |c| raise_for(c, &account)) {
            Ok(more) => raised.extend(more),
            Err(error) => log::warn!("alerts of account {}: {error}", account.slug),
        }
    }
    Ok(raised)
}

fn raise_for(conn: &mut DbConnection, account: &Account) -> Result<Vec<Raised>> {
    let now = clock::now();
    let due = [
        crate::idp::alerts::certificate_expiring(conn, account, now)?,
        alerts::provisioning_failing(conn, account, now)?,
        alerts::sso_failing(conn, account, now)?,
    ];
    let mut raised = Vec::new();
    for alert in due.into_iter().flatten() {
        if !alerts::raise(conn, &account.id, &alert)? {
            continue;
        }
        let recipients = alerts::recipients(conn, &account.id)?;
        for recipient in &recipients {
            outbox::queue(conn, &account.id, recipient, &alert.summary, &alert.body)?;
        }
        raised.push(Raised {
            account: account.slug.clone(),
            event_type: alert.event_type,
            summary: alert.summary,
            mailed: recipients.len(),
        });
    }
    Ok(raised)
}
