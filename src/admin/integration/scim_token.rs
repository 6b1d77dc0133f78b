//! The account's SCIM bearer token: a new one (shown once, on this page only) and revoking it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{Secret, back, change, show};
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::admin::view::Flash;
use crate::auth::scim_tokens;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::HttpError;

/// A new SCIM token, shown on this one page only; the old one keeps working for a grace period.
pub async fn issue(
    admin: Admin,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let by = admin.actor();
    let token = db
        .run(move |conn| db::write(conn, |c| scim_tokens::issue(c, &account_id, &by)))
        .await?;
    let flash = Flash::ok(
        "New SCIM token made. Copy it now into Entra (Provisioning > Admin credentials > Secret \
         Token): it is not shown again. The previous token keeps working for an hour, or until \
         Entra first uses the new one.",
    );
    show(
        &admin,
        &db,
        &settings,
        StatusCode::OK,
        Some(flash),
        Some(Secret::ScimToken(token)),
    )
    .await
}

#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

pub async fn revoke(
    admin: Admin,
    form: Posted<ReturnTo>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let then = back(form.0.return_to.as_deref(), "scim-revoked");
    change(admin, db, settings, &then, |c, account, by| {
        scim_tokens::revoke(c, account, by)?;
        Ok(())
    })
    .await
}
