//! The JSON API under /api: thin handlers, one file per area.

mod health;

use actix_web::web;

use crate::error::{ApiError, ErrorCode};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/health").route(web::get().to(health::health)));
}

/// Anything under /api that no route matched.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(ErrorCode::NotFound))
}
