//! The trusted signing certificates: a preview of a pasted one before anything is trusted,
//! adding it (as "next" or active), promoting and removing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::{change, refuse};
use crate::admin::form::Posted;
use crate::admin::guard::Admin;
use crate::admin::view;
use crate::config::Settings;
use crate::db::{Db, DbConnection};
use crate::directory::history::Actor;
use crate::directory::{Result as DirResult, clock};
use crate::error::HttpError;
use crate::idp::certificates::{self, Certificate};
use crate::idp::settings::{self, Expiry, Role, TrustedCertificate};

#[derive(Serialize)]
pub struct CertificateView {
    pub id: String,
    pub role: String,
    pub subject: String,
    pub sha1_thumbprint: String,
    pub sha256_thumbprint: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    /// "fine", "60", "30", "7" or "expired".
    pub level: &'static str,
}

fn level(expiry: Expiry) -> &'static str {
    match expiry {
        Expiry::Fine => "fine",
        Expiry::Within60Days => "60",
        Expiry::Within30Days => "30",
        Expiry::Within7Days => "7",
        Expiry::Expired => "expired",
    }
}

pub fn certificate_view(c: &TrustedCertificate) -> CertificateView {
    let now = clock::now();
    CertificateView {
        id: c.id.clone(),
        role: c.role.clone(),
        subject: c.subject.clone(),
        sha1_thumbprint: c.sha1_thumbprint.clone(),
        sha256_thumbprint: c.sha256_thumbprint.clone(),
        not_before: c.not_before.format("%Y-%m-%d %H:%M UTC").to_string(),
        not_after: c.not_after.format("%Y-%m-%d %H:%M UTC").to_string(),
        days_left: Expiry::days_left(c.not_after, now),
        level: level(Expiry::of(c.not_after, now)),
    }
}

fn parsed_view(c: &Certificate) -> CertificateView {
    let now = clock::now();
    CertificateView {
        id: String::new(),
        role: String::new(),
        subject: c.subject.clone(),
        sha1_thumbprint: c.sha1_thumbprint.clone(),
        sha256_thumbprint: c.sha256_thumbprint.clone(),
        not_before: c.not_before.format("%Y-%m-%d %H:%M UTC").to_string(),
        not_after: c.not_after.format("%Y-%m-%d %H:%M UTC").to_string(),
        days_left: Expiry::days_left(c.not_after, now),
        level: level(Expiry::of(c.not_after, now)),
    }
}

#[derive(Deserialize)]
pub struct PasteForm {
    #[serde(default)]
    certificate: String,
}

/// Shows what a pasted certificate is before anything is trusted, or why it cannot be used.
pub async fn preview(
    admin: Admin,
    form: Posted<PasteForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    match certificates::parse(&form.0.certificate) {
        Ok(parsed) => {
            let mut context = Context::new();
            context.insert("certificate", &parsed_view(&parsed));
            context.insert("der", &parsed.der_base64());
            context.insert("has_active", &!admin.certificates.is_empty());
            context.insert(
                "already_trusted",
                &admin
                    .certificates
                    .iter()
                    .any(|c| c.sha256_thumbprint == parsed.sha256_thumbprint),
            );
            Ok(view::render(
                &admin,
                StatusCode::OK,
                "admin/certificate_preview.html",
                "integration",
                None,
                context,
            ))
        }
        Err(error) => {
            refuse(
                &admin,
                &db,
                &settings,
                format!("Not a usable certificate: {error}."),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct AddForm {
    der: String,
    role: String,
}

/// Trusts a previewed certificate, as "next" beside the active one or as the active one.
pub async fn add(
    admin: Admin,
    form: Posted<AddForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    let parsed = match certificates::parse(&form.der) {
        Ok(parsed) => parsed,
        Err(error) => {
            return refuse(
                &admin,
                &db,
                &settings,
                format!("Not a usable certificate: {error}."),
            )
            .await;
        }
    };
    let role = match form.role.as_str() {
        "active" => Role::Active,
        _ => Role::Next,
    };
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=certificate-added",
        move |c, account, by| {
            settings::add_certificate(c, account, &parsed, role, by)?;
            Ok(())
        },
    )
    .await
}

/// Makes a trusted certificate the active one.
pub async fn promote(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let then = "/admin/integration?done=certificate-promoted";
    on_certificate(admin, path, db, settings, then, settings::promote).await
}

/// Stops trusting a certificate.
pub async fn remove(
    admin: Admin,
    path: web::Path<String>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let then = "/admin/integration?done=certificate-removed";
    on_certificate(
        admin,
        path,
        db,
        settings,
        then,
        settings::remove_certificate,
    )
    .await
}

/// One change to one of this account's certificates; any other id is not found.
async fn on_certificate(
    admin: Admin,
    path: web::Path<String>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    then: &'static str,
    apply: fn(&mut DbConnection, &str, &str, &Actor) -> DirResult<()>,
) -> Result<HttpResponse, HttpError> {
    let id = path.into_inner();
    if !admin.certificates.iter().any(|c| c.id == id) {
        return Err(HttpError::NotFound);
    }
    change(admin, db, settings, then, move |c, account, by| {
        apply(c, account, &id, by)
    })
    .await
}
