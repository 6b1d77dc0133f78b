use actix_web::middleware::Logger;

/// One line per request. Only the path is logged, never the query string, headers or body:
/// one-time links carry their token in the query and SCIM clients send bearer tokens.
pub fn request_logger() -> Logger {
    Logger::new(r#"%a "%{method}xi %U" %s %b %Dms"#)
        .custom_request_replace("method", |req| req.method().to_string())
}
