//! The session cookie: HttpOnly, SameSite=Lax (the SAML POST from Entra is a top-level
//! cross-site navigation that must not carry it), Secure when we are reached over https.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};

pub const NAME: &str = "gatehouse_session";

pub fn issue(secret: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(NAME, secret.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            super::sessions::LIFETIME.num_seconds(),
        ))
        .finish()
}

pub fn clear(secure: bool) -> Cookie<'static> {
    let mut cookie = issue("", secure);
    cookie.make_removal();
    cookie
}

pub fn secret_of(request: &HttpRequest) -> Option<String> {
    request
        .cookie(NAME)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}
