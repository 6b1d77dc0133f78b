//! Which browser a sign-in comes from, told by two cookies that (over https) come back on Entra's
//! cross-site POST, unlike the SameSite=Lax session cookie:
//! - `gatehouse_signin` (15 minutes) binds each SP-initiated AuthnRequest to the browser that
//!   started it, so a response cannot be carried into another browser (login CSRF);
//! - `gatehouse_browser` (a session's lifetime) names the browser's sessions, so a new sign-in
//!   there replaces the earlier one whichever way it arrives.
//!
//! Neither signs anyone in: each is a random value whose digest is stored beside what it binds.

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use openssl::error::ErrorStack;

use super::{cookies, tokens};

pub const SIGNIN: &str = "gatehouse_signin";
pub const BROWSER: &str = "gatehouse_browser";
/// As long as a pending AuthnRequest lives.
pub const SIGNIN_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

/// The browser's value of one of these cookies, or a new one with the cookie that sets it.
/// An existing value is kept (and its cookie renewed), so two tabs share one.
pub fn value_for(
    request: &HttpRequest,
    base: &'static str,
    secure: bool,
) -> Result<(String, Cookie<'static>), ErrorStack> {
    let value = match cookies::read(request, base).filter(|v| v.len() >= 32) {
        Some(value) => value,
        None => tokens::new_secret()?,
    };
    let max_age = match base {
        SIGNIN => SIGNIN_LIFETIME,
        _ => super::sessions::LIFETIME,
    };
    let cookie = cookies::build(
        base,
        value.clone(),
        secure,
        cookies::cross_site(secure),
        Some(max_age),
    );
    Ok((value, cookie))
}

/// The digest stored for a cookie value.
pub fn digest(value: &str) -> String {
    tokens::digest(value)
}
