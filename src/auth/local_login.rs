//! Sign-in with a local password: who may use one, what a failure does (counted, locked out,
//! journaled), and what a success does (new session, fresh hash). Hashing itself happens
//! outside, through `hashing`.

use super::credentials;
use super::journal::{self, Outcome, SignInAttempt};
use super::sessions;
use crate::db::DbConnection;
use crate::directory::account_domains;
use crate::directory::accounts::Account;
use crate::directory::employees::{self as people, Employee};
use crate::directory::history::{self, Action, Actor, Change, Source};
use crate::directory::{Refusal, Result, keys};

/// What is known about a sign-in before the password is checked.
#[derive(Debug, Clone)]
pub struct PasswordAttempt {
    pub account: Option<Account>,
    pub person: Option<Employee>,
    pub hash: Option<String>,
    pub locked: bool,
    pub login_key: String,
}

/// The failure counter of a login: the person's own when the login names one, so their login
/// name and their email share one counter; else the login as typed (folded).
fn counter_key(person: Option<&Employee>, login_key: &str) -> String {
    match person {
        Some(person) => format!("employee:{}", person.id),
        None => login_key.to_owned(),
    }
}

impl PasswordAttempt {
    /// The hash to check, or none when the answer is "wrong" whatever the password.
    pub fn counter(&self) -> String {
        counter_key(self.person.as_ref(), &self.login_key)
    }

    pub fn checkable_hash(&self) -> Option<&str> {
        match (&self.person, self.locked) {
            (Some(person), false) if person.active => self.hash.as_deref(),
            _ => None,
        }
    }

    /// The company's slug when this person signs in with Microsoft instead of a password.
    pub fn sso_slug(&self) -> Option<&str> {
        match (&self.account, &self.person) {
            (Some(account), Some(person)) if signs_in_with_microsoft(account, person) => {
                Some(account.slug.as_str())
            }
            _ => None,
        }
    }
}

/// Federated people of an account with SSO on sign in with Microsoft, except setup admins,
/// who keep a password so an expired certificate never locks a company out.
fn signs_in_with_microsoft(account: &Account, person: &Employee) -> bool {
    account.sso_enabled && person.federated && !person.is_setup_admin
}

/// Why this person may not use a password (so gets no password link), if they may not.
pub fn password_refusal(account: &Account, person: &Employee) -> Option<Refusal> {
    if !person.active {
        return Some(Refusal::PasswordWhileInactive);
    }
    signs_in_with_microsoft(account, person).then_some(Refusal::PasswordWhileSso)
}

/// Finds the person by login name or work email in their account: the one named by `slug`
/// or, when `slug` is empty, the one listing the login's domain (`account_domains::resolve`).
/// An unknown company gives an attempt that fails like a wrong password.
pub fn look_up(conn: &mut DbConnection, slug: &str, login: &str) -> Result<PasswordAttempt> {
    let login_key = keys::normalise(login);
    let Some(account) = account_domains::resolve(conn, Some(slug), login)?.0 else {
        return Ok(PasswordAttempt {
            account: None,
            person: None,
            hash: None,
            locked: false,
            login_key,
        });
    };
    let person = match people::find_by_user_name(conn, &account.id, login)? {
        Some(person) => Some(person),
        None => people::find_by_email(conn, &account.id, login)?,
    };
    let hash = match &person {
        Some(person) => credentials::hash_of(conn, &person.id)?,
        None => None,
    };
    let locked = credentials::locked(conn, &account.id, &counter_key(person.as_ref(), &login_key))?;
    Ok(PasswordAttempt {
        account: Some(account),
        person,
        hash,
        locked,
        login_key,
    })
}

fn journal_entry(attempt: &PasswordAttempt) -> SignInAttempt {
    SignInAttempt {
        method: "password",
        flow: "local",
        name_id: Some(attempt.login_key.clone()),
        employee_id: attempt.person.as_ref().map(|p| p.id.clone()),
        ..SignInAttempt::default()
    }
}

fn outcome(success: bool, reason: &str, detail: String, hint: &str) -> Outcome {
    Outcome {
        success,
        reason: reason.into(),
        detail,
        hint: hint.into(),
    }
}

/// A federated person who knew their old password was sent to Microsoft.
pub fn record_sso_redirect(conn: &mut DbConnection, attempt: &PasswordAttempt) -> Result<()> {
    if let Some(account) = &attempt.account {
        let detail = format!("{} is federated and SSO is on", attempt.login_key);
        journal::record(
            conn,
            &account.id,
            &journal_entry(attempt),
            &outcome(false, "use_sso", detail, "Sign in with Microsoft."),
        )?;
    }
    Ok(())
}

/// A right password: new session (replacing the browser's previous one), counters cleared,
/// hash refreshed if its parameters are old. Returns the session secret.
pub fn succeed(
    conn: &mut DbConnection,
    attempt: &PasswordAttempt,
    here: &sessions::InBrowser,
    fresh_hash: Option<&str>,
) -> Result<Option<String>> {
    let (Some(account), Some(person)) = (&attempt.account, &attempt.person) else {
        return Ok(None);
    };
    // Looked up before the (slow) hash check: parallel guesses may have locked the person since.
    // A right password then counts for nothing, so a burst cannot slip one past the lockout.
    if credentials::locked(conn, &account.id, &attempt.counter())? {
        let locked = PasswordAttempt {
            locked: true,
            ..attempt.clone()
        };
        return fail(conn, &locked).map(|()| None);
    }
    if let Some(fresh) = fresh_hash {
        credentials::rehash(conn, &person.id, fresh)?;
    }
    credentials::clear_failures(conn, &account.id, &attempt.counter())?;
    let session = sessions::start(
        conn,
        &account.id,
        &person.id,
        here,
        sessions::Method::Password,
    )?;
    let detail = format!("{} signed in with a password", person.user_name);
    journal::record(
        conn,
        &account.id,
        &journal_entry(attempt),
        &outcome(true, "signed_in", detail, ""),
    )?;
    Ok(Some(session))
}

/// A wrong password (or nothing to check): counted per account and login; enough of them lock
/// the login for a while, noted in the person's history.
pub fn fail(conn: &mut DbConnection, attempt: &PasswordAttempt) -> Result<()> {
    let Some(account) = &attempt.account else {
        return Ok(());
    };
    let (reason, hint) = match (&attempt.person, attempt.locked, &attempt.hash) {
        (None, _, _) => (
            "unknown_login",
            "No current person has this login name or email in the account.",
        ),
        (Some(_), true, _) => (
            "locked",
            "Too many wrong passwords: the login is locked for a while.",
        ),
        (Some(p), _, _) if !p.active => ("inactive", "The person is deactivated."),
        (Some(_), _, _) if attempt.sso_slug().is_some() => (
            "use_sso",
            "The person is federated and SSO is on: they sign in with Microsoft, not a password.",
        ),
        (Some(_), _, None) => (
            "no_password",
            "The person has no local password yet: send a password-setup link.",
        ),
        _ => ("wrong_password", "The password did not match."),
    };
    // An attempt refused because of a lockout is not counted: counting it must not touch the
    // lockout (record_failure also re-checks, for a lockout that began after the look-up).
    let lockout = match attempt.locked {
        true => None,
        false => credentials::record_failure(conn, &account.id, &attempt.counter())?,
    };
    if let Some(until) = lockout
        && let Some(person) = &attempt.person
    {
        let change = Change::new("locked_until", None, Some(until.to_string()));
        history::record(
            conn,
            &account.id,
            &person.id,
            &Actor::new(Source::System),
            Action::LockedOut,
            &[change],
        )?;
    }
    let detail = format!("password sign-in refused for {}", attempt.login_key);
    journal::record(
        conn,
        &account.id,
        &journal_entry(attempt),
        &outcome(false, reason, detail, hint),
    )
}
