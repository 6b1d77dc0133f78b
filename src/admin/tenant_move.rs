//! Moving an account to another Entra tenant, step by step, without losing a person or their
//! history: stop provisioning, SSO off, addresses to the new domain if it changes, the new
//! tenant's metadata, a new SCIM token, SSO on.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use tera::Context;

use super::form::Posted;
use super::guard::Admin;
use super::view::{self, Flash};
use crate::auth::scim_tokens;
use crate::db::{self, Db};
use crate::directory::lifecycle;
use crate::error::HttpError;
use crate::web::see_other;

pub async fn page(
    admin: Admin,
    query: web::Query<view::DoneQuery>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let flash = Flash::done(query.done.as_deref());
    show(&admin, &db, StatusCode::OK, flash).await
}

async fn show(
    admin: &Admin,
    db: &Db,
    status: StatusCode,
    flash: Option<Flash>,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let token = db
        .run(move |c| scim_tokens::issued_at(c, &account_id))
        .await?;
    let account = &admin.account;
    let mut context = Context::new();
    context.insert("has_token", &token.is_some());
    context.insert("sso_enabled", &account.sso_enabled);
    context.insert("nameid_mode", &account.nameid_mode);
    context.insert("idp_initiated", &account.idp_initiated);
    context.insert("idp_entity_id", &account.idp_entity_id);
    Ok(view::render(
        admin,
        status,
        "admin/tenant_move.html",
        "tenant",
        flash,
        context,
    ))
}

#[derive(Deserialize)]
pub struct DomainForm {
    from_domain: String,
    to_domain: String,
}

pub async fn domains(
    admin: Admin,
    form: Posted<DomainForm>,
    db: web::Data<Db>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    let account_id = admin.account.id.clone();
    let by = admin.actor();
    let result = db
        .run(move |conn| {
            db::write(conn, |c| {
                lifecycle::move_domain(c, &account_id, &form.from_domain, &form.to_domain, &by)
            })
        })
        .await;
    match result {
        Ok(_) => Ok(see_other("/admin/tenant-move?done=domains")),
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, status, Some(flash)).await
        }
    }
}
