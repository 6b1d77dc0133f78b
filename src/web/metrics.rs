//! `GET /metrics` in Prometheus text format: sign-ins by outcome, SCIM requests by status,
//! request latency by route, and days until each account's certificates end. Counters are this
//! process's own (Prometheus scrapes every instance and adds them up); the certificate figures
//! are read from the store at each scrape.

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::config::Settings;
use crate::db::Db;
use crate::directory::clock;

struct Metrics {
    registry: Registry,
    logins: IntCounterVec,
    scim: IntCounterVec,
    latency: HistogramVec,
}

fn build() -> Result<Metrics, prometheus::Error> {
    let registry = Registry::new_custom(Some("gatehouse".into()), None)?;
    let logins = IntCounterVec::new(
        Opts::new(
            "logins_total",
            "Sign-in attempts by method, outcome and reason",
        ),
        &["method", "outcome", "reason"],
    )?;
    let scim = IntCounterVec::new(
        Opts::new(
            "scim_requests_total",
            "SCIM requests by HTTP method and status",
        ),
        &["method", "status"],
    )?;
    let latency = HistogramVec::new(
        HistogramOpts::new("http_request_duration_seconds", "Request latency by route").buckets(
            vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ],
        ),
        &["route", "method", "status"],
    )?;
    registry.register(Box::new(logins.clone()))?;
    registry.register(Box::new(scim.clone()))?;
    registry.register(Box::new(latency.clone()))?;
    Ok(Metrics {
        registry,
        logins,
        scim,
        latency,
    })
}

/// The process's counters; the one piece of process-wide state besides the templates, and it
/// holds no request state.
static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| match build() {
    Ok(built) => Some(built),
    Err(error) => {
        log::error!("metrics are off: {error}");
        None
    }
});

/// Counts a sign-in attempt as the login journal records it.
pub fn login(method: &str, outcome: &str, reason: &str) {
    if let Some(m) = METRICS.as_ref() {
        m.logins.with_label_values(&[method, outcome, reason]).inc();
    }
}

/// Records one answered request. `route` is the route's pattern (`/admin/employees/{id}`),
/// never the concrete path, so ids do not become label values.
pub fn observe(route: &str, method: &str, status: StatusCode, elapsed: Duration) {
    let Some(m) = METRICS.as_ref() else { return };
    let status = status.as_str();
    m.latency
        .with_label_values(&[route, method, status])
        .observe(elapsed.as_secs_f64());
    if route.starts_with("/scim/") {
        m.scim.with_label_values(&[method, status]).inc();
    }
}

/// Who may read the figures: a configured bearer token, or else a direct client on this host: a
/// loopback TCP peer that is not a trusted proxy, with no `X-Forwarded-For` or `Forwarded`
/// header. Behind nginx on the same host every peer is loopback, and a proxy need not say whom
/// it forwards for, so nothing that comes through a proxy is local. Account slugs, thumbprints
/// and failure reasons are not for the internet.
fn allowed(request: &HttpRequest, settings: &Settings) -> bool {
    match &settings.metrics_token {
        Some(token) => request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| {
                given.len() == token.len()
                    && openssl::memcmp::eq(given.as_bytes(), token.as_bytes())
            }),
        None => {
            let forwarded = ["x-forwarded-for", "forwarded"]
                .iter()
                .any(|name| request.headers().contains_key(*name));
            // A request from a trusted proxy is forwarded whatever its headers say (nginx with
            // only X-Real-IP, or none at all), so only a direct loopback peer gets in.
            let peer = request.peer_addr().map(|a| a.ip());
            let via_proxy = peer.is_some_and(|ip| settings.trusted_proxies.contains(&ip));
            !forwarded && !via_proxy && peer.is_some_and(|ip| ip.is_loopback())
        }
    }
}

pub async fn metrics(
    request: HttpRequest,
    db: web::Data<Db>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    if !allowed(&request, &settings) {
        return HttpResponse::NotFound().finish();
    }
    let certificates = db
        .run(crate::idp::settings::all_certificates)
        .await
        .unwrap_or_else(|error| {
            log::warn!("metrics: cannot read certificates: {error}");
            Vec::new()
        });
    let mut families = METRICS
        .as_ref()
        .map(|m| m.registry.gather())
        .unwrap_or_default();
    if let Ok(days) = GaugeVec::new(
        Opts::new(
            "gatehouse_certificate_days_left",
            "Days until a trusted IdP signing certificate ends (negative once expired)",
        ),
        &["account", "role", "thumbprint"],
    ) {
        let now = clock::now();
        for (slug, c) in &certificates {
            let left = (c.not_after - now).num_seconds() as f64 / 86_400.0;
            days.with_label_values(&[slug.as_str(), c.role.as_str(), c.sha1_thumbprint.as_str()])
                .set(left);
        }
        families.extend(prometheus::core::Collector::collect(&days));
    }
    // A family without samples (no certificate yet) is not valid text format.
    families.retain(|f| !f.get_metric().is_empty());
    let mut body = Vec::new();
    if let Err(error) = TextEncoder::new().encode(&families, &mut body) {
        log::error!("metrics: cannot encode: {error}");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
