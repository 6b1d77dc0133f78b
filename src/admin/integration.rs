//! The integration page: SSO switches, what to paste into Entra, the IdP and its certificates
//! (with a preview before anything is trusted), and the SCIM token.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::form::{Posted, Upload};
use super::guard::{Admin, audit_by};
use super::view::{self, Flash};
use crate::auth::scim_tokens;
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::{DirectoryError, audit, clock};
use crate::error::HttpError;
use crate::idp::certificates::{self, Certificate};
use crate::idp::endpoints::SpUrls;
use crate::idp::metadata;
use crate::idp::settings::{self, Expiry, NameIdMode, Role, SsoChange, TrustedCertificate};
use crate::web::see_other;

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
pub struct Done {
    done: Option<String>,
}

#[get("/integration")]
pub async fn page(
    admin: Admin,
    query: web::Query<Done>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let flash = Flash::done(query.done.as_deref());
    show(&admin, &db, &settings, StatusCode::OK, flash, None).await
}

/// The page, with a message and, right after it was made, the new SCIM token (shown once).
async fn show(
    admin: &Admin,
    db: &Db,
    settings: &Settings,
    status: StatusCode,
    flash: Option<Flash>,
    new_token: Option<String>,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let (token_issued, previous_until, trail) = db
        .run(move |c| -> crate::directory::Result<_> {
            Ok((
                scim_tokens::issued_at(c, &account_id)?,
                scim_tokens::previous_until(c, &account_id)?,
                audit::recent(c, &account_id, 20)?,
            ))
        })
        .await?;
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
    let certificates: Vec<CertificateView> =
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

/// Runs one audited change; on success redirects to `then`, on a refusal shows the page again
/// with the reason.
async fn change(
    admin: Admin,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
    then: &str,
    action: &'static str,
    work: impl FnOnce(&mut db::DbConnection, &str) -> crate::directory::Result<String> + Send + 'static,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let by = admin.audit_ref();
    let result = db
        .run(move |conn| {
            db::write(conn, |c| {
                let detail = work(c, &account_id)?;
                audit::record(c, &account_id, &audit_by(&by), action, &detail)?;
                Ok::<_, DirectoryError>(())
            })
        })
        .await;
    match result {
        Ok(()) => Ok(see_other(then)),
        Err(error) => {
            let (status, flash) = view::flash_of(error)?;
            show(&admin, &db, &settings, status, Some(flash), None).await
        }
    }
}

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

/// Where a form shared with the tenant-move page goes back to.
fn back(return_to: Option<&str>, done: &str) -> String {
    match return_to {
        Some("tenant-move") => format!("/admin/tenant-move?done={done}"),
        _ => format!("/admin/integration?done={done}"),
    }
}

#[post("/integration/sso")]
pub async fn sso(
    admin: Admin,
    form: Posted<SsoForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let form = form.0;
    let enabled = Some(checked(&form.sso));
    let idp_initiated = Some(checked(&form.idp_initiated));
    let then = back(form.return_to.as_deref(), "sso");
    change(
        admin,
        db,
        settings,
        &then,
        "sso_settings",
        move |c, account| {
            let sso_change = SsoChange {
                enabled,
                nameid_mode: form.nameid.as_deref().map(NameIdMode::parse).transpose()?,
                idp_initiated,
                clock_skew_secs: None,
            };
            let after = settings::change_sso(c, account, &sso_change)?;
            Ok(format!(
                "SSO {}, NameID matched as {}, IdP-initiated sign-in {}",
                if after.sso_enabled { "on" } else { "off" },
                after.nameid_mode,
                if after.idp_initiated {
                    "allowed"
                } else {
                    "refused"
                }
            ))
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct IdpForm {
    entity_id: String,
    sso_url: String,
}

#[post("/integration/idp")]
pub async fn idp(
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
        "idp_set",
        move |c, account| {
            let after = settings::set_idp(c, account, &form.entity_id, &form.sso_url)?;
            Ok(format!(
                "entity id {}, sign-on URL {}",
                after.idp_entity_id.unwrap_or_default(),
                after.idp_sso_url.unwrap_or_default()
            ))
        },
    )
    .await
}

/// Entra's federation metadata XML, uploaded as a file or pasted.
#[post("/integration/metadata")]
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
        return refuse(&admin, &db, &settings, "Choose the Federation Metadata XML file you downloaded from Entra ID, or paste its contents.",).await;
    };
    let parsed = match metadata::parse(&xml) {
        Ok(parsed) => parsed,
        Err(error) => {
            return refuse(&admin, &db, &settings, format!("Not imported: {error}.")).await;
        }
    };
    let then = back(upload.text("return_to"), "metadata");
    change(
        admin,
        db,
        settings,
        &then,
        "metadata_imported",
        move |c, account| {
            settings::replace_trust(
                c,
                account,
                &parsed.entity_id,
                &parsed.sso_url,
                &parsed.certificates,
            )?;
            let thumbprints: Vec<&str> = parsed
                .certificates
                .iter()
                .map(|c| c.sha1_thumbprint.as_str())
                .collect();
            Ok(format!(
                "entity id {}, sign-on URL {}, certificates {}",
                parsed.entity_id,
                parsed.sso_url,
                thumbprints.join(", ")
            ))
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct PasteForm {
    #[serde(default)]
    certificate: String,
}

/// Shows what a pasted certificate is before anything is trusted, or why it cannot be used.
#[post("/integration/certificate/preview")]
pub async fn certificate_preview(
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
#[post("/integration/certificate/add")]
pub async fn certificate_add(
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
    let active = form.role == "active";
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=certificate-added",
        "certificate_added",
        move |c, account| {
            let added = settings::add_certificate(c, account, &parsed, Role::Next)?;
            if active {
                settings::promote(c, account, &added.id)?;
            }
            Ok(format!(
                "{} ({}, thumbprint {}, valid until {})",
                if active { "active" } else { "next" },
                parsed.subject,
                parsed.sha1_thumbprint,
                parsed.not_after.format("%Y-%m-%d")
            ))
        },
    )
    .await
}

fn described(c: &TrustedCertificate) -> String {
    format!("{} (thumbprint {})", c.subject, c.sha1_thumbprint)
}

/// Makes a trusted certificate the active one (`promote`) or stops trusting it (`remove`).
#[post("/integration/certificate/{id}/{action}")]
pub async fn certificate_action(
    admin: Admin,
    path: web::Path<(String, String)>,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let (id, action) = path.into_inner();
    let Some(certificate) = admin.certificates.iter().find(|c| c.id == id).cloned() else {
        return Err(HttpError::NotFound);
    };
    let (done, audited): (&str, &'static str) = match action.as_str() {
        "promote" => ("certificate-promoted", "certificate_promoted"),
        "remove" => ("certificate-removed", "certificate_removed"),
        _ => return Err(HttpError::NotFound),
    };
    let then = format!("/admin/integration?done={done}");
    change(admin, db, settings, &then, audited, move |c, account| {
        match action.as_str() {
            "promote" => settings::promote(c, account, &certificate.id)?,
            _ => settings::remove_certificate(c, account, &certificate.id)?,
        }
        Ok(described(&certificate))
    })
    .await
}

/// A new SCIM token, shown on this one page only; the old one keeps working for a grace period.
#[post("/integration/scim-token")]
pub async fn scim_token(
    admin: Admin,
    _form: Posted<serde::de::IgnoredAny>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let account_id = admin.account.id.clone();
    let by = admin.audit_ref();
    let token = db
        .run(move |conn| {
            db::write(conn, |c| {
                let had = scim_tokens::issued_at(c, &account_id)?.is_some();
                let token = scim_tokens::issue(c, &account_id)?;
                let detail = match had {
                    true => {
                        "new token; the previous one works for an hour or until the new one is used"
                    }
                    false => "first token",
                };
                audit::record(c, &account_id, &audit_by(&by), "scim_token_issued", detail)?;
                Ok::<_, DirectoryError>(token)
            })
        })
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
        Some(token),
    )
    .await
}

#[derive(Deserialize)]
pub struct TimeZoneForm {
    time_zone: String,
}

/// The zone dates are shown in (admin pages, CSV); an unknown name is refused.
#[post("/integration/time-zone")]
pub async fn time_zone(
    admin: Admin,
    form: Posted<TimeZoneForm>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let name = form.0.time_zone;
    change(
        admin,
        db,
        settings,
        "/admin/integration?done=time-zone",
        "time_zone_set",
        move |c, account| {
            let zone = crate::directory::accounts::set_time_zone(c, account, &name)?;
            Ok(format!("dates shown in {zone}"))
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

#[post("/integration/scim-token/revoke")]
pub async fn scim_token_revoke(
    admin: Admin,
    form: Posted<ReturnTo>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let then = back(form.0.return_to.as_deref(), "scim-revoked");
    change(
        admin,
        db,
        settings,
        &then,
        "scim_token_revoked",
        |c, account| {
            Ok(match scim_tokens::revoke(c, account)? {
                true => "provisioning stopped".into(),
                false => "there was no token".into(),
            })
        },
    )
    .await
}
