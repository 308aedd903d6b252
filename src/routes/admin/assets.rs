//! The panel's static files (stylesheet, icon), compiled into the binary.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};

/// The panel's one stylesheet, compiled into the binary.
const STYLESHEET: &str = include_str!("../../../static/admin.css");

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(STYLESHEET)
}
