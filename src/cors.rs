//! CORS exactly as the contract's CORS section: allowed origins (exact or
//! `https://*.example.com`) get the headers, with credentials; others get none, and
//! the request itself is not refused here (the browser enforces CORS; the CSRF rule
//! protects cookies).

use actix_cors::Cors;
use actix_web::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, ORIGIN};

use crate::config::AllowedOrigins;

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
