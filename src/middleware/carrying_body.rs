//! A response body that carries something along until the answer is done with:
//! the request's unread payload (`body_deadline`), a request's mark on its connection
//! (`connection_watch`). actix-http drops a body once it is written (or abandoned), so
//! what it carries lives exactly that long.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;

pub struct Carrying<B, T> {
    body: B,
    _carried: T,
}

impl<B, T> Carrying<B, T> {
    pub fn new(body: B, carried: T) -> Self {
        Self {
            body,
            _carried: carried,
        }
    }
}

impl<B: MessageBody + Unpin, T: Unpin> MessageBody for Carrying<B, T> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}
