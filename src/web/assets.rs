use actix_web::HttpResponse;

/// The one stylesheet, compiled into the binary: nothing comes from a CDN.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../static/gatehouse.css"))
}

/// Copy buttons on the admin pages; the pages work without it.
pub async fn admin_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../static/admin.js"))
}
