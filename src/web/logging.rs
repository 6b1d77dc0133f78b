use actix_web::middleware::{Condition, Logger};

/// One line per request. Only the path is logged, never the query string, headers or body:
/// one-time links carry their token in the query and SCIM clients send bearer tokens.
/// Left out when its lines would be filtered anyway (the log level is fixed at start), so a
/// quiet server does not format a line per request only to throw it away.
pub fn request_logger() -> Condition<Logger> {
    let logger = Logger::new(r#"%a "%{method}xi %U" %s %b %Dms"#)
        .custom_request_replace("method", |req| req.method().to_string());
    Condition::new(
        log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info),
        logger,
    )
}
