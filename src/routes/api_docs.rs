//! GET /api/docs: a human-readable API reference (Swagger UI, vendored and compiled
//! into the binary) over /api/openapi.json. Nothing is fetched from elsewhere, and the
//! page's CSP allows no inline script.

use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use actix_web::{HttpResponse, web};

use crate::routes::embedded::asset;

const PAGE: &str = include_str!("../../static/api-docs/index.html");
const INIT: &str = include_str!("../../static/api-docs/init.js");
const BUNDLE: &str = include_str!("../../static/api-docs/swagger-ui-bundle.js");
const STYLESHEET: &str = include_str!("../../static/api-docs/swagger-ui.css");

/// Swagger UI sets style attributes from script, hence `'unsafe-inline'` for styles
/// only; its icons are `data:` images.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/docs").route(web::get().to(page)))
        .service(web::resource("/api/docs/init.js").route(web::get().to(init)))
        .service(web::resource("/api/docs/swagger-ui-bundle.js").route(web::get().to(bundle)))
        .service(web::resource("/api/docs/swagger-ui.css").route(web::get().to(stylesheet)));
}

/// The vendored files change only with the binary: a day in caches.
const ASSET_MAX_AGE: u32 = 86_400;

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((CONTENT_SECURITY_POLICY, POLICY))
        .insert_header((X_FRAME_OPTIONS, "DENY"))
        .insert_header((REFERRER_POLICY, "no-referrer"))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(PAGE)
}

async fn init() -> HttpResponse {
    asset("text/javascript; charset=utf-8", INIT, ASSET_MAX_AGE)
}

async fn bundle() -> HttpResponse {
    asset("text/javascript; charset=utf-8", BUNDLE, ASSET_MAX_AGE)
}

async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET, ASSET_MAX_AGE)
}
