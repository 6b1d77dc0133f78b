//! `/metrics` behind a reverse proxy on the same host (issue 11, item 21): every peer is then
//! loopback, so a forwarded request needs the token, and the client address is the one after
//! `GATEHOUSE_TRUSTED_PROXIES`.

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn status(app: &TestApp, headers: &[(&str, &str)], token: Option<&str>) -> u16 {
    let mut request = app.client.get(app.url("/metrics"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("metrics").status().as_u16()
}

#[actix_web::test]
async fn a_forwarded_request_is_refused_without_the_token_even_from_loopback() {
    let app = spawn_app().await;
    assert_eq!(status(&app, &[], None).await, 200, "a scraper on this host");
    // nginx on the same host: the peer is 127.0.0.1, the client is on the internet.
    assert_eq!(
        status(&app, &[("X-Forwarded-For", "203.0.113.7")], None).await,
        404
    );
    assert_eq!(
        status(&app, &[("Forwarded", "for=203.0.113.7;proto=https")], None).await,
        404
    );
    assert_eq!(
        status(&app, &[("X-Forwarded-For", "127.0.0.1")], None).await,
        404,
        "a forwarded request is never local, whatever it claims"
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_client_address_decides_and_forwarding_needs_the_token() {
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")]).await;
    assert_eq!(
        status(&app, &[("X-Forwarded-For", "203.0.113.7")], None).await,
        404
    );
    assert_eq!(
        status(&app, &[("X-Forwarded-For", "10.1.2.3, 203.0.113.7")], None).await,
        404
    );
    assert_eq!(
        status(&app, &[("X-Real-IP", "203.0.113.7")], None).await,
        404,
        "a proxy that forwards without X-Forwarded-For"
    );
    assert_eq!(
        status(&app, &[], None).await,
        404,
        "from a trusted proxy's address, even without headers, only with the token"
    );

    let with_token = spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")];
        s.metrics_token = Some("scrape-secret".into());
    })
    .await;
    let forwarded = [("X-Forwarded-For", "203.0.113.7")];
    assert_eq!(status(&with_token, &forwarded, None).await, 404);
    assert_eq!(
        status(&with_token, &forwarded, Some("scrape-secret")).await,
        200,
        "a scraper through the proxy with the token"
    );
}
