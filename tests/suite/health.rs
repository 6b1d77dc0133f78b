//! The service over real HTTP on a loopback port.

use crate::helpers::{drop_postgres_database, spawn_app};

#[actix_web::test]
async fn healthz_answers_ok_when_the_store_answers() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[actix_web::test]
async fn healthz_answers_503_when_the_store_is_gone() {
    let app = spawn_app().await;
    match app.store.sqlite_file() {
        // Deleted under a running server, the file lives on for open connections only.
        Some(file) => std::fs::remove_file(&file).expect("delete the database file"),
        None => drop_postgres_database(&app.store.url),
    }
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("request");
    let headers = response.headers();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(
            headers.get(name).and_then(|v| v.to_str().ok()),
            Some(value),
            "{name}"
        );
    }
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(
        headers.get("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
}

#[actix_web::test]
async fn unknown_paths_get_a_plain_html_404_page() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/no/such/page", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = response.text().await.expect("body");
    assert!(body.contains("There is no page at this address."));
    assert!(body.contains("/static/gatehouse.css"));
}

#[actix_web::test]
async fn the_stylesheet_is_served_by_gatehouse_itself() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/static/gatehouse.css", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
    assert!(response.text().await.expect("css").contains("--accent"));
}
