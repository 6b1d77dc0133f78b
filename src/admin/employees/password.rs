//! A one-time password link for a person, issued under `auth::password_links`' rule.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::page::show;
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::admin::view::{self, Flash};
use crate::auth::credentials::LinkPurpose;
use crate::auth::password_links;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::employees;
use crate::error::HttpError;

/// A one-time password setup link: mailed (or queued in the outbox) and shown to the admin once,
/// for companies without a mail server.
pub async fn password_link(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let id = path.into_inner();
    let account = admin.account.clone();
    let target = id.clone();
    let public_url = settings.public_url.clone();
    // With a mail server the link goes only to the person; without one the admin passes it on.
    let reveal = settings.smtp.is_none();
    let result = db
        .run(move |conn| {
            db::write(conn, |c| {
                let person = employees::get_current(c, &account.id, &target)?;
                password_links::send(c, &account, &person, LinkPurpose::Setup, &public_url)
                    .map(|(link, _)| link)
            })
        })
        .await;
    match result {
        Ok(link) => {
            let flash = Flash::ok(match reveal {
                true => {
                    "No mail server is set, so the link is shown here, once: pass it to the \
                         person. It works once, within 24 hours."
                }
                false => "Password link mailed to the person. It works once, within 24 hours.",
            });
            let link = reveal.then_some(link);
            show(&admin, &db, &id, StatusCode::OK, Some(flash), link).await
        }
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, &id, status, Some(flash), None).await
        }
    }
}
