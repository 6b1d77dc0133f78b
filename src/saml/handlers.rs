//! HTTP for SAML: thin wrappers around `acs`, `authn_request` and `sp`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::acs::{AcsPost, AcsResult, MAX_FORM_BYTES, consume};
use super::{authn_request, pending, sp};
use crate::auth::{browser, cookies, session_cookie, sessions};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::directory::accounts;
use crate::error::HttpError;
use crate::web::body::{BodyError, read_limited};
use crate::web::form;
use crate::web::local_path::local_path;
use crate::web::pages;

#[derive(Deserialize)]
pub struct MetadataQuery {
    /// Any value: save the file instead of showing it (the admin page's "Download" link).
    download: Option<String>,
}

pub async fn metadata(
    slug: web::Path<String>,
    query: web::Query<MetadataQuery>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let slug = slug.into_inner();
    let account = db.run(move |conn| accounts::by_slug(conn, &slug)).await?;
    let urls = sp::SpUrls::of(&settings.public_url, &account);
    let disposition = match query.download {
        Some(_) => "attachment",
        None => "inline",
    };
    Ok(HttpResponse::Ok()
        .content_type("application/samlmetadata+xml")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "{disposition}; filename=\"gatehouse-{}-metadata.xml\"",
                account.slug
            ),
        ))
        .body(sp::metadata_xml(&urls)))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    /// The address the person typed on our sign-in page, passed on to Entra.
    login_hint: Option<String>,
}

pub async fn login(
    request: HttpRequest,
    slug: web::Path<String>,
    query: web::Query<LoginQuery>,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let slug = slug.into_inner();
    let query = query.into_inner();
    let relay = query.relay_state.filter(|r| local_path(r).is_some());
    let hint = authn_request::login_hint(query.login_hint.as_deref()).map(str::to_owned);
    let public_url = settings.public_url.clone();
    let (signin, signin_cookie) =
        browser::value_for(&request, browser::SIGNIN, settings.is_https())?;
    let signin_hash = browser::digest(&signin);
    let location = db
        .run(move |conn| {
            let account = accounts::by_slug(conn, &slug)?;
            let (true, Some(sso_url)) = (account.sso_enabled, account.idp_sso_url.clone()) else {
                return Ok(None);
            };
            let urls = sp::SpUrls::of(&public_url, &account);
            let id = authn_request::new_id()?;
            db::write(conn, |c| {
                pending::remember_request(c, &account.id, &id, relay.as_deref(), &signin_hash)
            })?;
            let request = authn_request::xml(&id, &urls, &sso_url);
            Ok::<_, HttpError>(Some(authn_request::redirect_url(
                &sso_url,
                &request,
                relay.as_deref(),
                hint.as_deref(),
            )))
        })
        .await?;
    Ok(match location {
        Some(location) => HttpResponse::Found()
            .cookie(signin_cookie)
            .insert_header((header::LOCATION, location))
            .finish(),
        // Turning SSO on needs a sign-on URL, so no location means SSO is off.
        None => pages::error_page_with_code(
            StatusCode::FORBIDDEN,
            super::failure::Failure::SsoDisabled.public_message(),
            super::failure::Failure::SsoDisabled.code(),
        ),
    })
}

#[derive(Default)]
struct AcsForm {
    saml_response: Option<String>,
    relay_state: Option<String>,
}

impl AcsForm {
    /// The two fields Entra posts; others are ignored, a field given twice is refused.
    fn read(body: &[u8]) -> Result<AcsForm, HttpError> {
        let mut form = AcsForm::default();
        for (name, value) in form::pairs(body) {
            let field = match name.as_str() {
                "SAMLResponse" => &mut form.saml_response,
                "RelayState" => &mut form.relay_state,
                _ => continue,
            };
            if field.replace(value).is_some() {
                return Err(HttpError::BadRequest(format!(
                    "The sign-in form has {name} twice."
                )));
            }
        }
        Ok(form)
    }
}

pub async fn acs(
    request: HttpRequest,
    slug: web::Path<String>,
    payload: web::Payload,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, HttpError> {
    let (form, oversized) = match read_limited(payload, MAX_FORM_BYTES).await {
        Ok(body) => (AcsForm::read(&body)?, false),
        Err(BodyError::TooLarge) => (AcsForm::default(), true),
        Err(BodyError::Unreadable(e)) => {
            return Err(HttpError::BadRequest(format!(
                "The sign-in form could not be read: {e}"
            )));
        }
    };
    let secure = settings.is_https();
    let (browser_id, browser_cookie) = browser::value_for(&request, browser::BROWSER, secure)?;
    let posted = AcsPost {
        saml_response: form.saml_response,
        relay_state: form.relay_state,
        signin: cookies::read(&request, browser::SIGNIN),
        here: sessions::InBrowser {
            browser: Some(browser_id),
            previous_session: session_cookie::secret_of(&request),
        },
        oversized,
    };
    let public_url = settings.public_url.clone();
    let slug = slug.into_inner();
    let result = db
        .work(move |db| consume(db, &public_url, &slug, &posted))
        .await?;
    Ok(match result {
        AcsResult::SignedIn { session, redirect } => HttpResponse::SeeOther()
            .cookie(session_cookie::issue(&session, secure))
            .cookie(browser_cookie)
            .insert_header((header::LOCATION, redirect))
            .finish(),
        AcsResult::Refused(failure) => {
            let status = failure.status();
            pages::error_page_with_code(status, failure.public_message(), failure.code())
        }
        AcsResult::UnknownAccount => {
            pages::error_page(StatusCode::NOT_FOUND, "There is no such company here.")
        }
    })
}
