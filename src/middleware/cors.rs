//! CORS exactly as the contract's CORS section: allowed origins (exact or
//! `https://*.example.com`) get the headers, with credentials; others get none, and
//! the request itself is not refused here (the browser enforces CORS; the CSRF rule
//! protects cookies).

use actix_cors::Cors;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, CONTENT_TYPE,
    HeaderName, ORIGIN, VARY,
};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::config::AllowedOrigins;
use crate::state::AppState;

/// The contract's methods and headers: what actix-cors grants, and what the guard
/// below checks a preflight against.
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const HEADERS: [HeaderName; 6] = [
    CONTENT_TYPE,
    AUTHORIZATION,
    HeaderName::from_static("x-requested-with"),
    ACCEPT,
    ORIGIN,
    HeaderName::from_static("x-csrf-token"),
];

pub fn layer(origins: AllowedOrigins) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, _req| {
            origin
                .to_str()
                .map(|origin| origins.allows(origin))
                .unwrap_or(false)
        })
        .allowed_methods(METHODS)
        .allowed_headers(HEADERS)
        .supports_credentials()
        .max_age(86_400)
        .block_on_origin_mismatch(false)
}

/// A request header as text; empty when absent or not text.
fn header_text(req: &ServiceRequest, name: HeaderName) -> &str {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Whether a preflight asks only for what the contract grants.
fn asks_within_grant(req: &ServiceRequest) -> bool {
    let method = header_text(req, ACCESS_CONTROL_REQUEST_METHOD).trim();
    let headers_ok = header_text(req, ACCESS_CONTROL_REQUEST_HEADERS)
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .all(|h| {
            HEADERS
                .iter()
                .any(|allowed| allowed.as_str().eq_ignore_ascii_case(h))
        });
    METHODS.contains(&method) && headers_ok
}

/// Why a preflight gets no grant: the browser then blocks the call and says only
/// "CORS", so the operator's log says which origin and what is allowed.
fn explain_preflight(
    req: &ServiceRequest,
    origin: &str,
    allowed: bool,
    state: &AppState,
) -> String {
    let method = header_text(req, ACCESS_CONTROL_REQUEST_METHOD);
    if allowed {
        return format!(
            "CORS: a preflight from {origin} for {} asks for method `{method}` and headers `{}`; \
             granted are {} and {} (logged once a minute per origin)",
            req.path(),
            header_text(req, ACCESS_CONTROL_REQUEST_HEADERS),
            METHODS.join(", "),
            HEADERS
                .iter()
                .map(HeaderName::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    format!(
        "CORS: a preflight from {origin} for {method} {} gets no grant: {origin} is not in CORS_ORIGINS ({}); \
         the browser blocks the call. Add it to CORS_ORIGINS if it is your app, or open the app on an \
         origin listed there (logged once a minute per origin)",
        req.path(),
        state.settings.frontend.cors_origins.describe()
    )
}

/// What actix-cors answers itself that the contract does not want:
/// - a preflight from a foreign origin, or one asking for a method or header outside
///   the grant, gets 400 in plain text from actix-cors; here it gets 204 with no
///   grant (the browser then blocks the real request itself);
/// - `Access-Control-Allow-Credentials` without `Access-Control-Allow-Origin` (on
///   answers to foreign origins) is dropped.
pub async fn cors_guard(
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
        (Some(origin), Some(state)) => state.settings.frontend.cors_origins.allows(origin),
        _ => true,
    };
    // The grant is read only for a preflight, not on every request.
    if is_preflight
        && let Some(origin) = &origin
        && !(allowed && asks_within_grant(&req))
    {
        if let Some(state) = req.app_data::<web::Data<AppState>>()
            && state.refusal_log.allows(&format!("cors {origin}"))
        {
            log::warn!("{}", explain_preflight(&req, origin, allowed, state));
        }
        let response = HttpResponse::NoContent()
            .insert_header((
                VARY,
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ))
            .finish();
        return Ok(req.into_response(response));
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    if !headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    Ok(response)
}
