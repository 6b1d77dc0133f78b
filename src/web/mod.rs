//! Cross-cutting HTTP pieces: security headers, request logging, health, static assets and
//! the pages every feature shares (error page).

pub mod assets;
pub mod body;
pub mod client_ip;
pub mod form;
pub mod headers;
pub mod health;
pub mod local_path;
pub mod logging;
pub mod metrics;
pub mod pages;

/// Percent-encodes a value for a query string.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .unwrap_or_default()
        .trim_start_matches("v=")
        .to_owned()
}

/// 303 See Other: where a form post sends the browser next.
pub fn see_other(location: &str) -> actix_web::HttpResponse {
    actix_web::HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_owned()))
        .finish()
}
