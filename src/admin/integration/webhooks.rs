//! The applications' webhooks for this account: add one (an application that serves the
//! account, an https URL; the signing secret is shown once, on this page only) and remove one.
//! `directory::webhooks` checks and audits each change; the delivery log is on the logs page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{Secret, change, show};
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::admin::view::{self, Flash};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::webhooks::{self, Subscription};
use crate::error::HttpError;

/// A webhook as the integration page lists it.
#[derive(Serialize)]
pub struct Row {
    id: String,
    client: String,
    url: String,
    created: String,
    delivered_seq: i64,
    newest_seq: i64,
    state: String,
    retrying: bool,
}

pub fn row(subscription: &Subscription) -> Row {
    Row {
        id: subscription.id.clone(),
        client: subscription.client_name.clone(),
        url: subscription.url.clone(),
        created: subscription
            .created_at
            .format("%Y-%m-%d %H:%M UTC")
            .to_string(),
        delivered_seq: subscription.delivered_seq,
        newest_seq: subscription.newest_seq,
        state: subscription.state(),
        retrying: subscription.retrying.is_some(),
    }
}

/// The webhook just added, with its signing secret (shown once).
#[derive(Serialize)]
pub struct NewWebhook {
    pub url: String,
    pub secret: String,
}

#[derive(Deserialize)]
pub struct WebhookForm {
    client_id: String,
    url: String,
}

/// A URL that is not https, or reaches a loopback, private or link-local address, is refused
/// (400) with the reason, as is an application that does not serve the account.
pub async fn add(
    admin: Admin,
    form: Posted<WebhookForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let WebhookForm { client_id, url } = form.0;
    let account_id = admin.account.id.clone();
    let by = admin.actor();
    let allow_private = settings.webhooks_allow_private;
    // The host is looked up before a connection is taken or a transaction begun.
    let checked = web::block(move || webhooks::check_url(&url, allow_private))
        .await
        .map_err(|_| HttpError::Internal)?;
    let added = match checked {
        Ok(url) => {
            db.run(move |conn| {
                db::write(conn, |c| {
                    webhooks::add(c, &client_id, &account_id, &url, &by)
                })
            })
            .await
        }
        Err(error) => Err(error),
    };
    match added {
        Ok((subscription, secret)) => {
            let flash = Flash::ok(format!(
                "Webhook added: {} receives this account's events from now on. Copy the signing \
                 secret into the application now: it is not shown again.",
                subscription.url
            ));
            let secret = Secret::Webhook {
                url: subscription.url,
                secret,
            };
            show(
                &admin,
                &db,
                &settings,
                StatusCode::OK,
                Some(flash),
                Some(secret),
            )
            .await
        }
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, &settings, status, Some(flash), None).await
        }
    }
}

/// A webhook of another account, or none, answers 404.
pub async fn remove(
    admin: Admin,
    id: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let id = id.into_inner();
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=webhook-removed",
        move |c, account, by| webhooks::remove(c, &id, Some(account), by).map(|_| ()),
    )
    .await
}
