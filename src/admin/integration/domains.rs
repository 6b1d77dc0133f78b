//! The email domains whose people sign in with this account (identifier-first sign-in): added
//! and removed by `directory::account_domains`, which audits each change.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::change;
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::config::Settings;
use crate::db::Db;
use crate::directory::account_domains;
use crate::error::HttpError;

#[derive(Deserialize)]
pub struct DomainForm {
    domain: String,
}

/// A domain that is not a host name is refused (400); one another account lists, 409.
pub async fn add(
    admin: Admin,
    form: Posted<DomainForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let domain = form.0.domain;
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=domain-added",
        move |c, account, by| account_domains::add(c, account, &domain, by).map(|_| ()),
    )
    .await
}

/// A domain the account does not list answers 404.
pub async fn remove(
    admin: Admin,
    form: Posted<DomainForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let domain = form.0.domain;
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=domain-removed",
        move |c, account, by| account_domains::remove(c, account, &domain, by),
    )
    .await
}
