//! A deadline for receiving a request's body (BODY_TIMEOUT_SECONDS). actix bounds the
//! time to read the headers, not the body: a client announcing 100 bytes and sending
//! 9 held a connection for minutes. Past the deadline, reading the body fails with a
//! timeout, which the JSON extractor answers as 408 REQUEST_TIMEOUT.
//!
//! And a body that was not read to its end (the deadline passed, or the route reads
//! no body) closes the connection after the answer. actix-http closes such a
//! connection only while the request's payload is still held when the answer goes
//! out; a payload already dropped, if chunked, is drained instead, with no deadline,
//! so an unfinished chunked body held its socket forever. The payload is therefore
//! kept alive by the response's body until the answer is written.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use futures_util::StreamExt;

use super::carrying_body::Carrying;
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

pub async fn body_deadline<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, HoldingPayload>>, actix_web::Error> {
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
        // The body passes as it is: no box on the path of every GET.
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.server.body_timeout)
        .unwrap_or(Duration::from_secs(5));
    let deadline = tokio::time::Instant::now() + limit;
    let body = Rc::new(RefCell::new(req.take_payload()));
    let read_to_end = Rc::new(Cell::new(false));
    let (reader, seen_end) = (body.clone(), read_to_end.clone());
    // Chunks pass through until the deadline; then one timeout error ends the stream.
    let timed = futures_util::stream::unfold(Some(reader), move |reader| {
        let seen_end = seen_end.clone();
        async move {
            let reader = reader?;
            // Borrowed for each poll only: the response's copy never borrows it.
            let chunk = futures_util::future::poll_fn(|cx| reader.borrow_mut().poll_next_unpin(cx));
            let next = tokio::time::timeout_at(deadline, chunk).await;
            match next {
                Ok(Some(chunk)) => Some((chunk, Some(reader))),
                Ok(None) => {
                    seen_end.set(true);
                    None
                }
                Err(_) => Some((Err(late()), None)),
            }
        }
    });
    let timed: std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<_, PayloadError>>>> =
        Box::pin(timed);
    req.set_payload(Payload::from(timed));
    let mut res = next.call(req).await?;
    let unread = !read_to_end.get();
    if unread {
        res.response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(res
        .map_body(|_, answer| Carrying::new(BoxBody::new(answer), unread.then_some(body)))
        .map_into_right_body())
}

/// A response body that holds the request's unread payload until it is written (see
/// the top): actix-http decides between closing and draining when the answer ends.
pub type HoldingPayload = Carrying<BoxBody, Option<Rc<RefCell<Payload>>>>;
