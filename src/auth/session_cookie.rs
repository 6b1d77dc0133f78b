//! The session cookie: HttpOnly, SameSite=Lax (Entra's SAML POST is a cross-site navigation that
//! must not carry it), Secure and `__Host-` prefixed when we are reached over https.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

use super::cookies;

pub const NAME: &str = "gatehouse_session";

pub fn issue(secret: &str, secure: bool) -> Cookie<'static> {
    cookies::build(
        NAME,
        secret.to_owned(),
        secure,
        SameSite::Lax,
        Some(super::sessions::LIFETIME),
    )
}

pub fn clear(secure: bool) -> Cookie<'static> {
    let mut cookie = issue("", secure);
    cookie.make_removal();
    cookie
}

pub fn secret_of(request: &HttpRequest) -> Option<String> {
    cookies::read(request, NAME)
}
