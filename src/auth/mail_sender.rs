//! Delivers the mail outbox over SMTP when a server is configured: a background thread looks
//! every few seconds; what fails stays queued and is tried again. Several instances may run it
//! at once: a mail is marked sent right after delivery, so at worst one is delivered twice.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

use super::outbox;
use crate::config::{Smtp, SmtpSecurity};
use crate::db::{self, Db};

const EVERY: Duration = Duration::from_secs(3);

pub fn start(db: Db, smtp: Smtp) {
    let transport = match transport(&smtp) {
        Ok(transport) => transport,
        Err(error) => {
            log::error!("mail: cannot set up SMTP to {}: {error}", smtp.host);
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("mail-sender".into())
        .spawn(move || {
            loop {
                deliver(&db, &transport, &smtp.from);
                std::thread::sleep(EVERY);
            }
        });
    if let Err(error) = spawned {
        log::error!("mail: cannot start the sender: {error}");
    }
}

fn transport(smtp: &Smtp) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
    let builder = match smtp.security {
        SmtpSecurity::StartTls => SmtpTransport::starttls_relay(&smtp.host)?,
        SmtpSecurity::Tls => SmtpTransport::relay(&smtp.host)?,
        SmtpSecurity::None => SmtpTransport::builder_dangerous(&smtp.host),
    };
    let builder = builder
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(20)));
    Ok(match (&smtp.user, &smtp.password) {
        (Some(user), Some(password)) => {
            builder.credentials(Credentials::new(user.clone(), password.clone()))
        }
        _ => builder,
    }
    .build())
}

fn deliver(db: &Db, transport: &SmtpTransport, from: &str) {
    let Ok(mut conn) = db.conn() else {
        return;
    };
    let pending = match outbox::pending(&mut conn) {
        Ok(pending) => pending,
        Err(error) => {
            log::warn!("mail: cannot read the outbox: {error}");
            return;
        }
    };
    for mail in pending {
        let message = Message::builder()
            .from(
                from.parse()
                    .unwrap_or_else(|_| "gatehouse@localhost".parse().expect("a valid address")),
            )
            .to(match mail.recipient.parse() {
                Ok(to) => to,
                Err(_) => {
                    log::warn!(
                        "mail: {} has no deliverable address; left in the outbox",
                        mail.id
                    );
                    continue;
                }
            })
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone());
        let sent = message
            .map_err(|e| e.to_string())
            .and_then(|m| transport.send(&m).map(|_| ()).map_err(|e| e.to_string()));
        match sent {
            Ok(()) => {
                if let Err(error) = db::write(&mut conn, |c| outbox::mark_sent(c, &mail.id)) {
                    log::warn!("mail: {} sent but not marked: {error}", mail.id);
                }
            }
            Err(error) => log::warn!("mail: {} not delivered yet: {error}", mail.id),
        }
    }
}
