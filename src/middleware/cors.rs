//! CORS exactly as the contract's CORS section: allowed origins (exact or
//! `https://*.example.com`) get the headers, with credentials; others get none, and
//! the request itself is not refused here (the browser enforces CORS; the CSRF rule
//! protects cookies).

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{
    ACCEPT, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, CONTENT_TYPE, HeaderName, ORIGIN, VARY,
};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::config::AllowedOrigins;
use crate::state::AppState;

pub fn layer(origins: AllowedOrigins) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, _req| {
            origin
                .to_str()
                .map(|origin| origins.allows(origin))
                .unwrap_or(false)
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            CONTENT_TYPE,
            AUTHORIZATION,
            HeaderName::from_static("x-requested-with"),
            ACCEPT,
            ORIGIN,
            HeaderName::from_static("x-csrf-token"),
        ])
        .supports_credentials()
        .max_age(86_400)
        .block_on_origin_mismatch(false)
}

/// actix-cors answers a preflight from a foreign origin with 400; the contract wants
/// no refusal from the CORS layer. Such a preflight gets 204 with no CORS headers
/// here, before actix-cors sees it; the browser then blocks the real request itself.
pub async fn answer_foreign_preflight(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let origin = req
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let allowed = match (&origin, req.app_data::<web::Data<AppState>>()) {
        (Some(origin), Some(state)) => state.settings.cors_origins.allows(origin),
        _ => true,
    };
    if is_preflight && origin.is_some() && !allowed {
        let response = HttpResponse::NoContent()
            .insert_header((
                VARY,
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ))
            .finish();
        return Ok(req.into_response(response));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
