use crate::auth::credentials::LinkPurpose;
use crate::auth::{outbox, password_links};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::approvers::{self, Roles};
use crate::directory::employees::{self, Profile};
use crate::directory::lifecycle;
use crate::error::Error;

pub fn create(db: &Db, settings: &Settings, slug: &str, email: &str) -> Result<(), Error> {
    let mut conn = db.conn()?;
    let by = super::actor();
    let account = super::account(&mut conn, slug)?;
    let (person, link) = db::write(&mut conn, |c| -> crate::directory::Result<_> {
        let existing = match employees::find_by_email(c, &account.id, email)? {
            Some(person) => Some(person),
            None => employees::find_by_user_name(c, &account.id, email)?,
        };
        let person = match existing {
            Some(person) => person,
            None => {
                let profile = Profile {
                    user_name: email.to_owned(),
                    email: email.to_owned(),
                    ..Profile::default()
                };
                lifecycle::create(c, &account.id, profile, &by)?
            }
        };
        let roles = Roles {
            setup_admin: true,
            ..approvers::roles_of(c, &person)?
        };
        let person = approvers::set_roles(c, &account.id, &person.id, roles, &by)?;
        let link = password_links::issue(
            c,
            &account,
            &person,
            LinkPurpose::Setup,
            &settings.public_url,
        )?;
        Ok((person, link))
    })?;
    eprintln!(
        "{} is a setup admin; the link below sets their password (once, within 24 hours)",
        person.user_name
    );
    println!("{link}");
    Ok(())
}

pub fn remove(db: &Db, slug: &str, login: &str) -> Result<(), Error> {
    let mut conn = db.conn()?;
    let by = super::actor();
    let account = super::account(&mut conn, slug)?;
    let person = db::write(&mut conn, |c| -> crate::directory::Result<_> {
        let person = match employees::find_by_user_name(c, &account.id, login)? {
            Some(person) => Some(person),
            None => employees::find_by_email(c, &account.id, login)?,
        };
        let Some(person) = person else {
            return Ok(None);
        };
        let roles = Roles {
            setup_admin: false,
            ..approvers::roles_of(c, &person)?
        };
        approvers::set_roles(c, &account.id, &person.id, roles, &by).map(Some)
    })?
    .ok_or_else(|| {
        Error::Input(format!(
            "nobody in the account \"{}\" has the login name or email \"{login}\"",
            account.slug
        ))
    })?;
    eprintln!(
        "{} is no longer a setup admin of {}",
        person.user_name, account.slug
    );
    Ok(())
}

pub fn outbox(db: &Db, mark_sent: bool) -> Result<(), Error> {
    let mut conn = db.conn()?;
    let pending = outbox::pending(&mut conn)?;
    for mail in &pending {
        println!(
            "To: {}\nSubject: {}\nQueued: {} UTC\n\n{}\n----",
            mail.recipient, mail.subject, mail.created_at, mail.body
        );
        if mark_sent {
            db::write(&mut conn, |c| outbox::mark_sent(c, &mail.id))?;
        }
    }
    eprintln!(
        "{} mail(s) waiting{}",
        pending.len(),
        if mark_sent { ", now marked sent" } else { "" }
    );
    Ok(())
}
