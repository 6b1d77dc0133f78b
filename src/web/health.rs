use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::db::Db;

/// 200 when the store answers a read of our own tables, 503 otherwise (load balancers take
/// the instance out of rotation).
pub async fn healthz(db: web::Data<Db>) -> HttpResponse {
    let probe = db.get_ref().clone();
    let answer =
        actix_web::rt::task::spawn_blocking(move || probe.check_health(Duration::from_secs(2)))
            .await;
    match answer {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Ok(Err(error)) => {
            log::warn!("health check failed: {error}");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
        Err(error) => {
            log::warn!("health check worker failed: {error}");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "unavailable" }))
        }
    }
}
