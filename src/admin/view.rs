//! Rendering admin pages: the shared frame (account, navigation, certificate banner, the form
//! token) and the one-line messages a page shows after an action.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tera::Context;

use super::guard::Admin;
use crate::directory::DirectoryError;
use crate::error::HttpError;
use crate::web::pages;

/// A message above the page: what just happened, or why it did not.
#[derive(Debug, Clone, Serialize)]
pub struct Flash {
    pub tone: &'static str,
    pub text: String,
}

impl Flash {
    pub fn ok(text: impl Into<String>) -> Flash {
        Flash {
            tone: "ok",
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Flash {
        Flash {
            tone: "error",
            text: text.into(),
        }
    }

    /// The message for a `?done=` code after a redirect; unknown codes show nothing, so a
    /// crafted link cannot put words on the page.
    pub fn done(code: Option<&str>) -> Option<Flash> {
        let text = match code? {
            "sso" => "Sign-in settings saved.",
            "idp" => "Identity provider saved.",
            "time-zone" => "Time zone saved.",
            "domain-added" => "Domain added: its people sign in with this account.",
            "domain-removed" => "Domain removed.",
            "webhook-removed" => "Webhook removed: nothing more is sent to it.",
            "metadata" => "Federation metadata imported: entity id, sign-on URL and certificates.",
            "certificate-added" => "Certificate trusted.",
            "certificate-promoted" => {
                "Certificate is now the active one; the former one is still trusted as next until you remove it."
            }
            "certificate-removed" => "Certificate removed.",
            "scim-revoked" => {
                "SCIM token revoked: provisioning stops until a new token is pasted into Entra."
            }
            "saved" => "Changes saved.",
            "roles" => "Roles saved.",
            "activated" => "The person is active again.",
            "released" => {
                "The person was released: inactive for good, their login name and email free again."
            }
            "defederated" => "The person was removed from the federation.",
            "domains" => "Addresses moved to the new domain.",
            _ => return None,
        };
        Some(Flash::ok(text))
    }
}

/// The `?done=` a page is redirected to after a change, naming the message to show.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// A directory error a person can act on becomes a message on the page; anything else (store
/// down, not found) is an error page.
pub fn flash_of(error: DirectoryError) -> Result<(StatusCode, Flash), HttpError> {
    match HttpError::from(error) {
        shown @ (HttpError::BadRequest(_) | HttpError::Conflict(_) | HttpError::Forbidden(_)) => {
            Ok((shown.status_code(), Flash::error(shown.to_string())))
        }
        other => Err(other),
    }
}

/// Renders an admin page inside the shared frame.
pub fn render(
    admin: &Admin,
    status: StatusCode,
    template: &str,
    section: &str,
    flash: Option<Flash>,
    mut context: Context,
) -> HttpResponse {
    context.insert("account", &admin.account.name);
    context.insert("account_slug", &admin.account.slug);
    context.insert("admin_name", &admin.person.display_name());
    context.insert("csrf", &admin.csrf);
    context.insert("section", section);
    context.insert("banner", &admin.banner());
    context.insert("flash", &flash);
    let mut response = pages::page_with(status, template, &context);
    if let Some(cookie) = &admin.csrf_cookie
        && let Err(error) = response.add_cookie(cookie)
    {
        log::warn!("cannot set the form cookie: {error}");
    }
    response
}
