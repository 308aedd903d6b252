//! Files compiled into the binary (the panel's stylesheet and icon, the API
//! reference's scripts), served with caching and no content sniffing.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};

/// A file compiled into the binary, cacheable for `max_age_seconds`.
pub fn asset(content_type: &'static str, body: &'static str, max_age_seconds: u32) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, format!("public, max-age={max_age_seconds}")))
        .insert_header((X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
