//! The SSO switches (on/off, how NameIDs are matched, IdP-initiated sign-in), shared with the
//! tenant-move page.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{back, change};
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::config::Settings;
use crate::db::Db;
use crate::error::HttpError;
use crate::idp::settings::{self, NameIdMode, SsoChange};

#[derive(Deserialize)]
pub struct SsoForm {
    sso: Option<String>,
    nameid: Option<String>,
    idp_initiated: Option<String>,
    return_to: Option<String>,
}

fn checked(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("on" | "true" | "1"))
}

pub async fn switches(
    admin: Admin,
    form: Posted<SsoForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    let enabled = Some(checked(&form.sso));
    let idp_initiated = Some(checked(&form.idp_initiated));
    let then = back(form.return_to.as_deref(), "sso");
    change(admin, db, settings, &then, move |c, account, by| {
        let sso_change = SsoChange {
            enabled,
            nameid_mode: form.nameid.as_deref().map(NameIdMode::parse).transpose()?,
            idp_initiated,
            clock_skew_secs: None,
        };
        settings::change_sso(c, account, &sso_change, by)?;
        Ok(())
    })
    .await
}
