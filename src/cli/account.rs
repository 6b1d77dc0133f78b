use std::path::Path;

use super::{AccountCommand, CertificateCommand, DomainCommand, account, actor, not_found};
use crate::db::{self, Db, DbConnection};
use crate::directory::account_domains;
use crate::directory::accounts::{self, Account};
use crate::directory::clock;
use crate::error::Error;
use crate::idp::settings::{self, Expiry, NameIdMode, Role, SsoChange};
use crate::idp::{certificates, metadata};

pub fn run(command: AccountCommand, db: &Db) -> Result<(), Error> {
    let mut conn = db.conn()?;
    let by = actor();
    match command {
        AccountCommand::Create { slug, name } => {
            let account = db::write(&mut conn, |c| accounts::create(c, &slug, &name))?;
            eprintln!("created account {} ({})", account.slug, account.name);
            println!("{}", account.id);
        }
        AccountCommand::List => {
            for account in accounts::list(&mut conn)? {
                println!("{}\t{}", account.slug, account.name);
            }
        }
        AccountCommand::Idp {
            slug,
            metadata: metadata_file,
            entity_id,
            sso_url,
            cert,
        } => {
            let account = account(&mut conn, &slug)?;
            let trusted = match (metadata_file, entity_id, sso_url, cert) {
                (Some(file), _, _, _) => {
                    let text = String::from_utf8(read(&file)?).map_err(|_| {
                        Error::Input(format!("{} is not UTF-8 XML", file.display()))
                    })?;
                    let parsed = metadata::parse(&text).map_err(|e| Error::Input(e.to_string()))?;
                    for thumbprint in &parsed.expired {
                        eprintln!("skipped the expired certificate {thumbprint}");
                    }
                    db::write(&mut conn, |c| {
                        settings::import_metadata(c, &account.id, &parsed, &by)
                    })?;
                    parsed.certificates
                }
                (None, Some(entity_id), Some(sso_url), Some(cert)) => {
                    let certificate = certificates::parse_bytes(&read(&cert)?)
                        .map_err(|e| Error::Input(format!("{}: {e}", cert.display())))?;
                    let trusted = vec![certificate];
                    db::write(&mut conn, |c| {
                        settings::replace_trust(c, &account.id, &entity_id, &sso_url, &trusted, &by)
                    })?;
                    trusted
                }
                _ => {
                    return Err(Error::Input(
                        "give --metadata FILE, or --entity-id, --sso-url and --cert together"
                            .into(),
                    ));
                }
            };
            for certificate in &trusted {
                eprintln!(
                    "trusting {} (SHA-1 {}, valid until {} UTC)",
                    certificate.subject, certificate.sha1_thumbprint, certificate.not_after
                );
            }
            let after = accounts::by_id(&mut conn, &account.id)?;
            eprintln!(
                "{} now trusts {}",
                account.slug,
                after.idp_entity_id.unwrap_or_default()
            );
        }
        AccountCommand::ScimToken { slug } => {
            let account = account(&mut conn, &slug)?;
            let token = db::write(&mut conn, |c| {
                crate::auth::scim_tokens::issue(c, &account.id, &by)
            })?;
            eprintln!(
                "new SCIM token for {}; paste it into Entra as the Secret Token (the previous one keeps working for an hour, or until the new one is first used)",
                account.slug
            );
            println!("{token}");
        }
        AccountCommand::Certificates { slug } => {
            let account = account(&mut conn, &slug)?;
            let now = clock::now();
            for c in settings::certificates(&mut conn, &account.id)? {
                let expiry = match (
                    Expiry::of(c.not_after, now),
                    Expiry::days_left(c.not_after, now),
                ) {
                    (Expiry::Expired, _) => "expired".to_owned(),
                    (_, 1) => "expires in 1 day".to_owned(),
                    (_, days) => format!("expires in {days} days"),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{expiry}",
                    c.id,
                    c.role,
                    c.sha1_thumbprint,
                    c.subject,
                    c.not_after.format("%Y-%m-%dT%H:%M:%SZ")
                );
            }
        }
        AccountCommand::Certificate(command) => certificate(&mut conn, command)?,
        AccountCommand::Domain(command) => domain(&mut conn, command)?,
        AccountCommand::Sso {
            slug,
            state,
            nameid,
            idp_initiated,
            clock_skew,
        } => {
            let account = account(&mut conn, &slug)?;
            let change = SsoChange {
                enabled: Some(state.is_on()),
                nameid_mode: nameid.as_deref().map(NameIdMode::parse).transpose()?,
                idp_initiated: idp_initiated.map(|v| v.is_on()),
                clock_skew_secs: clock_skew,
            };
            let account = db::write(&mut conn, |c| {
                settings::change_sso(c, &account.id, &change, &by)
            })?;
            eprintln!(
                "{}: SSO {}, NameID matched on {}, IdP-initiated sign-in {}, clock skew {} s",
                account.slug,
                if account.sso_enabled { "on" } else { "off" },
                account.nameid_mode,
                if account.idp_initiated {
                    "allowed"
                } else {
                    "refused"
                },
                account.clock_skew_secs
            );
        }
    }
    Ok(())
}

fn certificate(conn: &mut DbConnection, command: CertificateCommand) -> Result<(), Error> {
    let by = actor();
    match command {
        CertificateCommand::Add {
            slug,
            file,
            next: _,
            active,
        } => {
            let account = account(conn, &slug)?;
            let parsed = certificates::parse_bytes(&read(&file)?)
                .map_err(|e| Error::Input(format!("{}: {e}", file.display())))?;
            let role = if active { Role::Active } else { Role::Next };
            let added = db::write(conn, |c| {
                settings::add_certificate(c, &account.id, &parsed, role, &by)
            })?;
            eprintln!(
                "{} trusts {} as {} (SHA-1 {}, valid until {} UTC)",
                account.slug, added.subject, added.role, added.sha1_thumbprint, added.not_after
            );
            println!("{}", added.id);
        }
        CertificateCommand::Promote { slug, cert_id } => {
            let account = account(conn, &slug)?;
            db::write(conn, |c| settings::promote(c, &account.id, &cert_id, &by))
                .map_err(|e| no_certificate(e, &account, &cert_id))?;
            eprintln!(
                "{}: certificate {cert_id} is now the active one",
                account.slug
            );
        }
        CertificateCommand::Remove { slug, cert_id } => {
            let account = account(conn, &slug)?;
            db::write(conn, |c| {
                settings::remove_certificate(c, &account.id, &cert_id, &by)
            })
            .map_err(|e| no_certificate(e, &account, &cert_id))?;
            eprintln!(
                "{}: certificate {cert_id} is no longer trusted",
                account.slug
            );
        }
    }
    Ok(())
}

fn domain(conn: &mut DbConnection, command: DomainCommand) -> Result<(), Error> {
    let by = actor();
    match command {
        DomainCommand::Add { slug, domain } => {
            let account = account(conn, &slug)?;
            let added = db::write(conn, |c| account_domains::add(c, &account.id, &domain, &by))?;
            let domain = account_domains::normalise(&domain)?;
            match added {
                true => eprintln!("{}: people at {domain} sign in with it", account.slug),
                false => eprintln!("{}: {domain} was already listed", account.slug),
            }
        }
        DomainCommand::Remove { slug, domain } => {
            let account = account(conn, &slug)?;
            db::write(conn, |c| {
                account_domains::remove(c, &account.id, &domain, &by)
            })
            .map_err(|e| {
                not_found(e, || {
                    format!(
                        "the account {:?} does not list the domain {domain:?} (`gatehouse account domain list {}` lists them)",
                        account.slug, account.slug
                    )
                })
            })?;
            eprintln!("{}: {domain} removed", account.slug);
        }
        DomainCommand::List { slug } => {
            let account = account(conn, &slug)?;
            for listed in account_domains::list(conn, &account.id)? {
                println!("{}", listed.domain);
            }
        }
    }
    Ok(())
}

fn no_certificate(error: crate::directory::DirectoryError, account: &Account, id: &str) -> Error {
    not_found(error, || {
        format!(
            "no certificate with the id {id:?} in the account {:?} (`gatehouse account certificates {}` lists them)",
            account.slug, account.slug
        )
    })
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}
