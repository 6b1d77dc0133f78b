//! How every Gatehouse cookie is named, built and read. Over https the names carry the
//! `__Host-` prefix: the browser then accepts the cookie only with Secure, Path=/ and no Domain,
//! so a sibling subdomain can neither plant nor overwrite it (a planted session or CSRF value
//! would otherwise pass as ours).

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::web;

use crate::config::Settings;

pub fn name(base: &str, secure: bool) -> String {
    match secure {
        true => format!("__Host-{base}"),
        false => base.to_owned(),
    }
}

/// Whether this server is reached over https, from its settings.
pub fn secure_for(request: &HttpRequest) -> bool {
    request
        .app_data::<web::Data<Settings>>()
        .is_some_and(|s| s.is_https())
}

/// An HttpOnly cookie for the whole site. `max_age` none: ends with the browser.
pub fn build(
    base: &str,
    value: String,
    secure: bool,
    same_site: SameSite,
    max_age: Option<chrono::Duration>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name(base, secure), value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(same_site)
        .finish();
    if let Some(age) = max_age {
        cookie.set_max_age(CookieDuration::seconds(age.num_seconds()));
    }
    cookie
}

/// The cookie under its name for this server (never the unprefixed one over https).
pub fn read(request: &HttpRequest, base: &str) -> Option<String> {
    request
        .cookie(&name(base, secure_for(request)))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// Cookies that must come back on Entra's cross-site POST to the ACS: SameSite=None, which
/// browsers accept only with Secure, so over https only. Plain http (local trials; Entra accepts
/// an http Reply URL only for localhost) falls back to Lax.
pub fn cross_site(secure: bool) -> SameSite {
    match secure {
        true => SameSite::None,
        false => SameSite::Lax,
    }
}
