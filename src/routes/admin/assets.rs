//! The panel's static files (stylesheet, icon), compiled into the binary: nothing is
//! read from disk or fetched from elsewhere.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use actix_web::{HttpResponse, web};

const STYLESHEET: &str = include_str!("../../../static/admin.css");
const FAVICON: &str = include_str!("../../../static/favicon.svg");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/admin.css").route(web::get().to(stylesheet)))
        .service(web::resource("/static/favicon.svg").route(web::get().to(favicon)));
}

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

async fn favicon() -> HttpResponse {
    asset("image/svg+xml", FAVICON)
}
