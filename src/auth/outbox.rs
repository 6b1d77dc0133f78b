//! Mail to people (password links, account alerts to setup admins). Queued in the store; with no
//! mail server configured an operator reads it with `gatehouse mail outbox`, and the log says
//! that something is waiting. A body may hold a one-time link, so every body is kept only until
//! the mail has left: marking a mail sent
//! replaces the body (recipient, subject and times stay), and a redacted mail is never delivered.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::mail_outbox as m;
use crate::directory::{Result, clock};

pub fn queue(
    conn: &mut DbConnection,
    account_id: &str,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(m::table)
        .values((
            m::id.eq(&id),
            m::account_id.eq(account_id),
            m::recipient.eq(recipient),
            m::subject.eq(subject),
            m::body.eq(body),
            m::created_at.eq(clock::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable)]
pub struct Mail {
    pub id: String,
    pub account_id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
}

/// What a mail's body says once the mail has left.
pub const SENT_BODY: &str = "(removed once the mail was sent: a mail may hold a one-time link)";

/// Mail not yet sent, oldest first.
pub fn pending(conn: &mut DbConnection) -> Result<Vec<Mail>> {
    Ok(m::table
        .filter(m::sent_at.is_null())
        .filter(m::redacted.eq(false))
        .order((m::created_at, m::id))
        .select((
            m::id,
            m::account_id,
            m::recipient,
            m::subject,
            m::body,
            m::created_at,
        ))
        .load(conn)?)
}

/// The mail has left (delivered, or printed for an operator): its link is not kept.
pub fn mark_sent(conn: &mut DbConnection, id: &str) -> Result<()> {
    diesel::update(m::table.find(id))
        .set((
            m::sent_at.eq(Some(clock::now())),
            m::body.eq(SENT_BODY),
            m::redacted.eq(true),
        ))
        .execute(conn)?;
    Ok(())
}
