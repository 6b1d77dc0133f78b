//! The integration page: SSO switches, what to paste into Entra, the IdP and its certificates
//! (with a preview before anything is trusted), the SCIM token, the email domains people sign
//! in with, the applications' webhooks, and the account's audit trail.
//! This module renders the page; each job's forms have their own module, and every change is
//! made (and audited) by the `idp`, `auth` or `directory` function the handler calls.

pub mod certificates;
pub mod domains;
pub mod idp;
pub mod scim_token;
pub mod sso;
pub mod time_zone;
pub mod webhooks;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use tera::Context;

use super::guard::Admin;
use super::view::{self, Flash};
use crate::auth::scim_tokens;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::history::Actor;
use crate::directory::{account_domains, audit, webhooks as hooks};
use crate::error::HttpError;
use crate::idp::endpoints::SpUrls;
use crate::web::see_other;

pub use certificates::certificate_view;

pub async fn page(
    admin: Admin,
    query: web::Query<view::DoneQuery>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let flash = Flash::done(query.done.as_deref());
    show(&admin, &db, &settings, StatusCode::OK, flash, None).await
}

/// A secret the page shows once, right after it was made.
pub enum Secret {
    ScimToken(String),
    /// A webhook's signing secret, with the webhook's URL.
    Webhook {
        url: String,
        secret: String,
    },
}

/// The page, with a message and, right after it was made, a new secret (shown once).
async fn show(
    admin: &Admin,
    db: &Db,
    settings: &Settings,
    status: StatusCode,
    flash: Option<Flash>,
    secret: Option<Secret>,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let (token_issued, previous_until, trail, domains, (subscriptions, subscribers)) = db
        .run(move |c| -> crate::directory::Result<_> {
            Ok((
                scim_tokens::issued_at(c, &account_id)?,
                scim_tokens::previous_until(c, &account_id)?,
                audit::recent(c, &account_id, 20)?,
                account_domains::list(c, &account_id)?,
                (
                    hooks::list(c, Some(&account_id), None)?,
                    hooks::eligible_clients(c, &account_id)?,
                ),
            ))
        })
        .await?;
    let (new_token, new_webhook) = match secret {
        Some(Secret::ScimToken(token)) => (Some(token), None),
        Some(Secret::Webhook { url, secret }) => (None, Some(webhooks::NewWebhook { url, secret })),
        None => (None, None),
    };
    let account = &admin.account;
    let mut context = Context::new();
    context.insert(
        "urls",
        &urls_view(&SpUrls::of(&settings.public_url, account)),
    );
    context.insert("sso_enabled", &account.sso_enabled);
    context.insert("nameid_mode", &account.nameid_mode);
    context.insert("idp_initiated", &account.idp_initiated);
    context.insert("idp_entity_id", &account.idp_entity_id);
    context.insert("idp_sso_url", &account.idp_sso_url);
    let certificates: Vec<certificates::CertificateView> =
        admin.certificates.iter().map(certificate_view).collect();
    context.insert("certificates", &certificates);
    context.insert(
        "token_issued",
        &token_issued.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
    );
    context.insert("new_token", &new_token);
    context.insert(
        "previous_until",
        &previous_until.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
    );
    context.insert("time_zone", &account.time_zone);
    let domains: Vec<String> = domains.into_iter().map(|d| d.domain).collect();
    context.insert("domains", &domains);
    context.insert(
        "sign_in_url",
        &crate::auth::password_links::sign_in_url(&settings.public_url, account),
    );
    let trail: Vec<TrailLine> = trail
        .into_iter()
        .map(|t| TrailLine {
            at: t.at.format("%Y-%m-%d %H:%M").to_string(),
            actor_name: t.actor_name,
            action: t.action.replace('_', " "),
            detail: t.detail,
        })
        .collect();
    context.insert("trail", &trail);
    context.insert(
        "webhooks",
        &subscriptions.iter().map(webhooks::row).collect::<Vec<_>>(),
    );
    context.insert("webhook_clients", &subscribers);
    context.insert("new_webhook", &new_webhook);
    Ok(view::render(
        admin,
        status,
        "admin/integration.html",
        "integration",
        flash,
        context,
    ))
}

/// The page again, answering 400 with why the input was not taken.
async fn refuse(
    admin: &Admin,
    db: &Db,
    settings: &Settings,
    message: impl Into<String>,
) -> Result<HttpResponse, HttpError> {
    let flash = Flash::error(message);
    show(
        admin,
        db,
        settings,
        StatusCode::BAD_REQUEST,
        Some(flash),
        None,
    )
    .await
}

#[derive(Serialize)]
struct TrailLine {
    at: String,
    actor_name: String,
    action: String,
    detail: String,
}

#[derive(Serialize)]
struct UrlsView {
    entity_id: String,
    acs_url: String,
    login_url: String,
    metadata_url: String,
    scim_url: String,
}

fn urls_view(urls: &SpUrls) -> UrlsView {
    UrlsView {
        entity_id: urls.entity_id.clone(),
        acs_url: urls.acs_url.clone(),
        login_url: urls.login_url.clone(),
        metadata_url: urls.metadata_url.clone(),
        scim_url: urls.scim_url.clone(),
    }
}

/// Runs one change in one transaction, as this admin (the function called writes the audit
/// entry); on success redirects to `then`, on a refusal shows the page again with the reason.
async fn change(
    admin: Admin,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    then: &str,
    work: impl FnOnce(&mut db::DbConnection, &str, &Actor) -> crate::directory::Result<()>
    + Send
    + 'static,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let by = admin.actor();
    let result = db
        .run(move |conn| db::write(conn, |c| work(c, &account_id, &by)))
        .await;
    match result {
        Ok(()) => Ok(see_other(then)),
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, &settings, status, Some(flash), None).await
        }
    }
}

/// Where a form shared with the tenant-move page goes back to.
fn back(return_to: Option<&str>, done: &str) -> String {
    match return_to {
        Some("tenant-move") => format!("/admin/tenant-move?done={done}"),
        _ => format!("/admin/integration?done={done}"),
    }
}
