//! `gatehouse client ...` and `gatehouse oidc rotate-key`: the applications Gatehouse signs
//! people in to, and the keys it signs their ID tokens with.

use super::{ClientCommand, WebhookCommand, account, actor, not_found};
use crate::config::Settings;
use crate::db::{self, Db, DbConnection};
use crate::directory::{accounts, webhooks};
use crate::error::Error;
use crate::oidc::clients::{self, NewClient};
use crate::oidc::keys;

pub fn run(command: ClientCommand, db: &Db, settings: &Settings) -> Result<(), Error> {
    let mut conn = db.conn()?;
    match command {
        ClientCommand::Create {
            name,
            redirect_uris,
            public,
            post_logout_uris,
            backchannel_logout_uri,
            accounts,
        } => {
            let new = NewClient {
                name,
                public,
                redirect_uris,
                post_logout_uris,
                backchannel_logout_uri,
                accounts,
            };
            let (client, secret) = db::write(&mut conn, |c| clients::create(c, &new))?;
            eprintln!(
                "registered {} ({}); its discovery document is GATEHOUSE_PUBLIC_URL/.well-known/openid-configuration",
                client.name,
                if client.public {
                    "public, PKCE required"
                } else {
                    "confidential"
                }
            );
            println!("client_id={}", client.id);
            if let Some(secret) = secret {
                println!("client_secret={secret}");
            }
        }
        ClientCommand::List => {
            let slugs: std::collections::HashMap<String, String> = accounts::list(&mut conn)?
                .into_iter()
                .map(|a| (a.id, a.slug))
                .collect();
            for client in clients::list(&mut conn)? {
                let served = match &client.accounts {
                    None => "all accounts".to_owned(),
                    Some(ids) => ids
                        .iter()
                        .map(|id| slugs.get(id).cloned().unwrap_or_else(|| id.clone()))
                        .collect::<Vec<_>>()
                        .join(","),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    client.id,
                    client.name,
                    if client.public {
                        "public"
                    } else {
                        "confidential"
                    },
                    served,
                    client.redirect_uris.join(" ")
                );
            }
        }
        ClientCommand::Secret { client_id } => {
            let secret = db::write(&mut conn, |c| clients::rotate_secret(c, &client_id))
                .map_err(|e| named(e, &client_id))?;
            eprintln!("new secret for {client_id}; the previous one keeps working for 24 hours");
            println!("client_secret={secret}");
        }
        ClientCommand::Delete { client_id } => {
            db::write(&mut conn, |c| clients::delete(c, &client_id))
                .map_err(|e| named(e, &client_id))?;
            eprintln!("removed {client_id}; every sign-in it held has ended");
        }
        ClientCommand::Webhook(command) => webhook(&mut conn, command, settings)?,
    }
    Ok(())
}

fn webhook(
    conn: &mut DbConnection,
    command: WebhookCommand,
    settings: &Settings,
) -> Result<(), Error> {
    match command {
        WebhookCommand::Add {
            client_id,
            account: slug,
            url,
        } => {
            let account = account(conn, &slug)?;
            let url = webhooks::check_url(&url, settings.webhooks_allow_private)?;
            let (subscription, secret) = db::write(conn, |c| {
                webhooks::add(c, &client_id, &account.id, &url, &actor())
            })
            .map_err(|e| named(e, &client_id))?;
            eprintln!(
                "webhook {} of {} for {}: {}; the account's events from now on are posted there, \
                 signed with this secret (shown only now)",
                subscription.id, subscription.client_name, account.slug, subscription.url
            );
            println!("{secret}");
        }
        WebhookCommand::List { client_id } => {
            if let Some(client_id) = &client_id {
                clients::get(conn, client_id).map_err(|e| named(e, client_id))?;
            }
            for s in webhooks::list(conn, None, client_id.as_deref())? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    s.id,
                    s.client_id,
                    s.account_slug,
                    s.url,
                    s.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                    s.delivered_seq,
                    s.state()
                );
            }
        }
        WebhookCommand::Remove { id } => {
            let removed = db::write(conn, |c| webhooks::remove(c, &id, None, &actor()))
                .map_err(|e| not_found(e, || format!("no webhook with the id \"{id}\"")))?;
            eprintln!(
                "removed webhook {} of {} for {}: {}",
                removed.id, removed.client_name, removed.account_slug, removed.url
            );
        }
    }
    Ok(())
}

fn named(error: crate::directory::DirectoryError, client_id: &str) -> Error {
    match error {
        crate::directory::DirectoryError::NotFound { .. } => {
            Error::Input(format!("no client with the id \"{client_id}\""))
        }
        other => other.into(),
    }
}

pub fn rotate_key(db: &Db) -> Result<(), Error> {
    let mut conn = db.conn()?;
    let kid = db::write(&mut conn, keys::rotate)?;
    eprintln!(
        "ID tokens are now signed with key {kid}; the previous key stays published until its tokens expire"
    );
    println!("{kid}");
    Ok(())
}
