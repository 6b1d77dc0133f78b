//! The service over real HTTP on a loopback port.

use crate::helpers::{drop_postgres_database, spawn_app};

#[actix_web::test]
async fn healthz_answers_ok_when_the_store_answers() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
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
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
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
    let response = app.get("/no/such/page").await;
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
    let response = app.get("/static/gatehouse.css").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "public, max-age=3600");
    assert!(response.text().await.expect("css").contains("--accent"));
}

#[actix_web::test]
async fn metrics_count_sign_ins_scim_requests_latency_and_certificate_days() {
    use crate::helpers::sso::sso_app;
    use crate::test_idp::{self, Key};
    let sso = sso_app().await;
    let app = &sso.app;
    // One failed sign-in (unknown person), one SCIM request without a token, one health check.
    let xml = test_idp::response(&sso.spec("nobody@acme.com"), &Key::active());
    assert_eq!(sso.post(&xml).await.status(), 403);
    let scim = app.get("/scim/v2/Users").await;
    assert_eq!(scim.status(), 401);
    let _ = app.client.get(app.url("/healthz")).send().await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("text");
    assert!(
        text.contains(
            r#"gatehouse_logins_total{method="saml",outcome="failure",reason="unknown_person"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"gatehouse_scim_requests_total{method="GET",status="401"} 1"#));
    assert!(text.contains(r#"gatehouse_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200""#));
    assert!(
        text.contains(r#"route="/saml/{slug}/acs""#),
        "routes are patterns, not paths"
    );
    let days = text
        .lines()
        .find(|l| l.starts_with(r#"gatehouse_certificate_days_left{account="acme",role="active""#))
        .expect("the certificate's days");
    let value: f64 = days
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("number");
    assert!(
        value > 300.0 * 19.0,
        "the test certificate runs 20 years: {value}"
    );
}

#[actix_web::test]
async fn metrics_want_the_token_when_one_is_set() {
    let app =
        crate::helpers::spawn_app_with(|s| s.metrics_token = Some("scrape-secret".into())).await;
    let url = app.url("/metrics");
    let without = app.client.get(&url).send().await.expect("get");
    assert_eq!(without.status(), 404);
    let wrong = app
        .client
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), 404);
    let with = app
        .client
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("get");
    assert_eq!(with.status(), 200);
}
