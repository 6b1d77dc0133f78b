use std::path::Path;

use super::AccountCommand;
use crate::db::{self, Db};
use crate::directory::accounts;
use crate::error::Error;
use crate::idp::settings::{self, NameIdMode, SsoChange};
use crate::idp::{certificates, metadata};

pub fn run(command: AccountCommand, db: &Db) -> Result<(), Error> {
    let mut conn = db.conn()?;
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
            let account = accounts::by_slug(&mut conn, &slug)?;
            let (entity_id, sso_url, trusted) = match (metadata_file, entity_id, sso_url, cert) {
                (Some(file), _, _, _) => {
                    let text = String::from_utf8(read(&file)?).map_err(|_| {
                        Error::Input(format!("{} is not UTF-8 XML", file.display()))
                    })?;
                    let parsed = metadata::parse(&text).map_err(|e| Error::Input(e.to_string()))?;
                    for thumbprint in &parsed.expired {
                        eprintln!("skipped the expired certificate {thumbprint}");
                    }
                    (parsed.entity_id, parsed.sso_url, parsed.certificates)
                }
                (None, Some(entity_id), Some(sso_url), Some(cert)) => {
                    let certificate = certificates::parse_bytes(&read(&cert)?)
                        .map_err(|e| Error::Input(format!("{}: {e}", cert.display())))?;
                    (entity_id, sso_url, vec![certificate])
                }
                _ => {
                    return Err(Error::Input(
                        "give --metadata FILE, or --entity-id, --sso-url and --cert together"
                            .into(),
                    ));
                }
            };
            db::write(&mut conn, |c| {
                settings::replace_trust(c, &account.id, &entity_id, &sso_url, &trusted)
            })?;
            for certificate in &trusted {
                eprintln!(
                    "trusting {} (SHA-1 {}, valid until {} UTC)",
                    certificate.subject, certificate.sha1_thumbprint, certificate.not_after
                );
            }
            eprintln!("{} now trusts {entity_id}", account.slug);
        }
        AccountCommand::ScimToken { slug } => {
            let account = accounts::by_slug(&mut conn, &slug)?;
            let token = db::write(&mut conn, |c| {
                crate::auth::scim_tokens::issue(c, &account.id)
            })?;
            eprintln!(
                "new SCIM token for {}; paste it into Entra as the Secret Token (the previous one keeps working for an hour, or until the new one is first used)",
                account.slug
            );
            println!("{token}");
        }
        AccountCommand::Sso {
            slug,
            state,
            nameid,
            idp_initiated,
            clock_skew,
        } => {
            let account = accounts::by_slug(&mut conn, &slug)?;
            let change = SsoChange {
                enabled: Some(state.is_on()),
                nameid_mode: nameid.as_deref().map(NameIdMode::parse).transpose()?,
                idp_initiated: idp_initiated.map(|v| v.is_on()),
                clock_skew_secs: clock_skew,
            };
            let account = db::write(&mut conn, |c| settings::change_sso(c, &account.id, &change))?;
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

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}
