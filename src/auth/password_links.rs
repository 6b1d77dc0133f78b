//! One-time password links: who may get one (the rule of `local_login`), the link, and the mail
//! that carries it. The admin pages, "forgot password" and the CLI all issue links here.

use super::credentials::{self, LinkPurpose};
use super::local_login;
use super::outbox;
use crate::db::DbConnection;
use crate::directory::Result;
use crate::directory::accounts::Account;
use crate::directory::employees::Employee;

/// A link for a person who may use a password; refused with the rule's reason otherwise.
pub fn issue(
    conn: &mut DbConnection,
    account: &Account,
    person: &Employee,
    purpose: LinkPurpose,
    public_url: &str,
) -> Result<String> {
    if let Some(refusal) = local_login::password_refusal(account, person) {
        return Err(refusal.into());
    }
    let secret = credentials::issue_link(conn, person, purpose)?;
    Ok(format!("{public_url}/password/set?token={secret}"))
}

/// `issue`, and the link mailed to the person's work email (queued in the outbox with the
/// same transaction). Returns the link and the outbox id.
pub fn send(
    conn: &mut DbConnection,
    account: &Account,
    person: &Employee,
    purpose: LinkPurpose,
    public_url: &str,
) -> Result<(String, String)> {
    let link = issue(conn, account, person, purpose, public_url)?;
    let sign_in = sign_in_url(public_url, account);
    let (subject, body) = match purpose {
        LinkPurpose::Setup => (
            "Set your password",
            format!(
                "Hello {},\n\nan administrator of {} invites you to set a password. Open this \
                 link within 24 hours:\n\n{link}\n\nThen sign in at {sign_in}\n",
                person.display_name(),
                account.name
            ),
        ),
        LinkPurpose::Reset => (
            "Set a new password",
            format!(
                "Hello {},\n\nsomeone asked to reset your password for {}. Open this link within \
                 24 hours to choose a new one:\n\n{link}\n\nThen sign in at {sign_in}\n\nIf it was not you, \
                 ignore this mail.\n",
                person.display_name(),
                account.name
            ),
        ),
    };
    let queued = outbox::queue(conn, &account.id, &person.email, subject, &body)?;
    Ok((link, queued))
}

/// Where a mail sends people to sign in: their company's own sign-in page, which needs no
/// company typed and no domain listed.
pub fn sign_in_url(public_url: &str, account: &Account) -> String {
    format!(
        "{public_url}/a/{}/login",
        crate::web::urlencode(&account.slug)
    )
}
