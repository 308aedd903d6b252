//! A deadline for receiving a request's body (BODY_TIMEOUT_SECONDS). actix bounds the
//! time to read the headers, not the body: a client announcing 100 bytes and sending
//! 9 held a connection for minutes. Past the deadline, reading the body fails with a
//! timeout, which the JSON extractor answers as 408 REQUEST_TIMEOUT.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use futures_util::StreamExt;

use crate::state::AppState;

/// The error a late body ends with; `is_late_body` recognises it.
fn late() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "request body not received in time",
    ))
}

pub fn is_late_body(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // Most requests (GET /me, …) carry no body: nothing to time, nothing to wrap. An
    // HTTP/1 body is announced by one of these headers; HTTP/2 need not announce it.
    let has_body = req.version() >= actix_web::http::Version::HTTP_2
        || req.headers().contains_key(TRANSFER_ENCODING)
        || req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    if !has_body {
        return next.call(req).await;
    }
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.server.body_timeout)
        .unwrap_or(Duration::from_secs(5));
    let deadline = tokio::time::Instant::now() + limit;
    let body = req.take_payload();
    // Chunks pass through until the deadline; then one timeout error ends the stream.
    let timed = futures_util::stream::unfold(Some(body), move |body| async move {
        let mut body = body?;
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(body))),
            Ok(None) => None,
            Err(_) => Some((Err(late()), None)),
        }
    });
    let timed: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<_, PayloadError>>>> =
        Box::pin(timed);
    req.set_payload(Payload::from(timed));
    next.call(req).await
}
