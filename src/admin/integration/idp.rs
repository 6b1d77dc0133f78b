//! The IdP: its entity id and sign-on URL typed in, or everything from Entra's federation
//! metadata XML.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{back, change, refuse};
use crate::admin::form::{Posted, Upload};
use crate::admin::guard::Admin;
use crate::config::Settings;
use crate::db::Db;
use crate::error::HttpError;
use crate::idp::metadata;
use crate::idp::settings;

#[derive(Deserialize)]
pub struct IdpForm {
    entity_id: String,
    sso_url: String,
}

pub async fn set(
    admin: Admin,
    form: Posted<IdpForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=idp",
        move |c, account, by| {
            settings::set_idp(c, account, &form.entity_id, &form.sso_url, by)?;
            Ok(())
        },
    )
    .await
}

/// Entra's federation metadata XML, uploaded as a file or pasted.
pub async fn metadata_upload(
    admin: Admin,
    upload: Upload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let Some(xml) = upload
        .text("metadata_file")
        .or(upload.text("metadata_xml"))
        .map(str::to_owned)
    else {
        return refuse(
            &admin,
            &db,
            &settings,
            "Choose the Federation Metadata XML file you downloaded from Entra ID, or paste its contents.",
        )
        .await;
    };
    let parsed = match metadata::parse(&xml) {
        Ok(parsed) => parsed,
        Err(error) => {
            return refuse(&admin, &db, &settings, format!("Not imported: {error}.")).await;
        }
    };
    let then = back(upload.text("return_to"), "metadata");
    change(admin, db, settings, &then, move |c, account, by| {
        settings::import_metadata(c, account, &parsed, by)?;
        Ok(())
    })
    .await
}
