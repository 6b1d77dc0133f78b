//! Cross-site request forgery defence for our own forms: a random token in a SameSite=Strict
//! cookie that each form repeats in a hidden field (double submit; nothing kept on the server),
//! plus proof of where the post comes from: the Origin header must be our public URL's, or, when
//! a browser sends no Origin, `Sec-Fetch-Site` must say `same-origin`. A post with neither is
//! refused. Over https the cookie is `__Host-` prefixed, so a sibling subdomain cannot plant one.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use openssl::error::ErrorStack;

use super::{cookies, tokens};

pub const COOKIE: &str = "gatehouse_csrf";
pub const FIELD: &str = "csrf";

/// The token to put in a form, and the cookie to set when the browser has none yet.
pub fn token_for(
    request: &HttpRequest,
    secure: bool,
) -> Result<(String, Option<Cookie<'static>>), ErrorStack> {
    match request
        .cookie(&cookies::name(COOKIE, secure))
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() >= 32)
    {
        Some(token) => Ok((token, None)),
        None => {
            let token = tokens::new_secret()?;
            let cookie = cookies::build(COOKIE, token.clone(), secure, SameSite::Strict, None);
            Ok((token, Some(cookie)))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    #[error("the form token is missing or does not match")]
    Token,
    #[error("the form was sent from another site ({0})")]
    Origin(String),
    #[error("the form post names no origin (neither Origin nor Sec-Fetch-Site)")]
    NoOrigin,
}

/// Accepts a form post only with the matching token and proof that it comes from our origin.
/// `public_url` is the normalised one from the settings.
pub fn check(request: &HttpRequest, submitted: &str, public_url: &str) -> Result<(), CsrfError> {
    let secure = public_url.starts_with("https://");
    let cookie = request
        .cookie(&cookies::name(COOKIE, secure))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let matches = !cookie.is_empty() && tokens::same(&cookie, submitted);
    if !matches {
        return Err(CsrfError::Token);
    }
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    match (header("origin"), header("sec-fetch-site")) {
        (Some(origin), _) if origin.eq_ignore_ascii_case(origin_of(public_url)) => Ok(()),
        (Some(origin), _) => Err(CsrfError::Origin(origin.chars().take(100).collect())),
        (None, Some("same-origin")) => Ok(()),
        (None, Some(site)) => Err(CsrfError::Origin(format!("Sec-Fetch-Site: {site}"))),
        (None, None) => Err(CsrfError::NoOrigin),
    }
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
    use super::*;
    use actix_web::cookie::Cookie;
    use actix_web::test::TestRequest;

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

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn post(headers: &[(&str, &str)], cookie: &str) -> HttpRequest {
        let mut request = TestRequest::post().cookie(Cookie::new(cookie.to_owned(), TOKEN));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        request.to_http_request()
    }

    #[test]
    fn a_post_must_prove_its_origin_by_origin_or_sec_fetch_site() {
        let url = "https://gh.example.com";
        let cookie = "__Host-gatehouse_csrf";
        let check = |headers: &[(&str, &str)]| check(&post(headers, cookie), TOKEN, url);
        assert_eq!(check(&[("origin", "https://gh.example.com")]), Ok(()));
        assert_eq!(check(&[("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(check(&[]), Err(CsrfError::NoOrigin));
        assert!(matches!(
            check(&[("origin", "null")]),
            Err(CsrfError::Origin(_))
        ));
        assert!(matches!(
            check(&[("sec-fetch-site", "same-site")]),
            Err(CsrfError::Origin(_))
        ));
        assert!(matches!(
            check(&[
                ("origin", "https://evil.example.com"),
                ("sec-fetch-site", "same-origin")
            ]),
            Err(CsrfError::Origin(_))
        ));
    }

    #[test]
    fn over_https_only_the_prefixed_cookie_counts() {
        let origin = [("origin", "https://gh.example.com")];
        let planted = post(&origin, "gatehouse_csrf");
        assert_eq!(
            check(&planted, TOKEN, "https://gh.example.com"),
            Err(CsrfError::Token),
            "a cookie a sibling subdomain could set"
        );
        let plain = post(&[("origin", "http://127.0.0.1:8080")], "gatehouse_csrf");
        assert_eq!(check(&plain, TOKEN, "http://127.0.0.1:8080"), Ok(()));
    }
}
