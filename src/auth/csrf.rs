//! Cross-site request forgery defence for our own forms: a random token in a SameSite=Strict
//! cookie that each form repeats in a hidden field (double submit; nothing kept on the server),
//! and the Origin header, when the browser sends one, must be our public URL's.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

use super::tokens;

pub const COOKIE: &str = "gatehouse_csrf";
pub const FIELD: &str = "csrf";

/// The token to put in a form, and the cookie to set when the browser has none yet.
pub fn token_for(request: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    match request
        .cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32)
    {
        Some(token) => (token, None),
        None => {
            let token = tokens::new_secret();
            let cookie = Cookie::build(COOKIE, token.clone())
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Strict)
                .finish();
            (token, Some(cookie))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("the form token is missing or does not match")]
    Token,
    #[error("the form was sent from another site ({0})")]
    Origin(String),
}

/// Accepts a form post only with the matching token and, if the browser names one, our origin.
pub fn check(request: &HttpRequest, submitted: &str, public_url: &str) -> Result<(), CsrfError> {
    let cookie = request
        .cookie(COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let matches = !cookie.is_empty()
        && cookie.len() == submitted.len()
        && openssl::memcmp::eq(cookie.as_bytes(), submitted.as_bytes());
    if !matches {
        return Err(CsrfError::Token);
    }
    if let Some(origin) = request
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        && origin != origin_of(public_url)
    {
        return Err(CsrfError::Origin(origin.to_owned()));
    }
    Ok(())
}

/// scheme://host[:port] of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => &url[..after_scheme + slash],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://gh.example.com"),
            "https://gh.example.com"
        );
        assert_eq!(
            origin_of("https://gh.example.com/base"),
            "https://gh.example.com"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
