//! A panicking handler answers 500 in the envelope instead of dropping the
//! connection; the worker lives on.

use std::panic::AssertUnwindSafe;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use futures_util::FutureExt;

use super::request_log::RequestId;
use crate::error::{ApiError, ErrorCode};

/// A panicking handler becomes a 500 INTERNAL_ERROR (the panic text goes to the log
/// only) instead of a dropped connection. The request is not kept for the response:
/// holding a clone of it would stop the router from writing its match info.
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_owned();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result.map(ServiceResponse::map_into_boxed_body),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".into());
            log::error!("handler panicked on {path}, rid={request_id}: {text}");
            Err(ApiError::new(ErrorCode::InternalError).into())
        }
    }
}
