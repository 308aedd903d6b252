//! Every non-2xx response under /api in the contract's envelope, in the caller's
//! language, including the framework's own (unknown route, wrong method, bad body).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::i18n::Lang;

/// The contract's limit on request bodies.
pub const BODY_LIMIT: usize = 64 * 1024;

pub async fn api_error_envelope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path();
    let is_api = path == "/api" || path.starts_with("/api/");
    let lang = Lang::from_request(req.request());
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        // An error with no request left to answer (a caught panic): the dispatcher
        // renders it, so give it the envelope in the caller's language now.
        Err(error) if is_api => {
            let body = error
                .as_error::<ApiError>()
                .map(|e| e.body().clone())
                .unwrap_or_else(|| {
                    ErrorBody::new(ErrorCode::for_status(
                        error.as_response_error().status_code(),
                    ))
                });
            return Err(LocalizedError { body, lang }.into());
        }
        Err(error) => return Err(error),
    };
    let status = res.status();
    if !is_api || !(status.is_client_error() || status.is_server_error()) {
        return Ok(res);
    }
    let body = match res.response().extensions().get::<ErrorBody>() {
        Some(_) if lang == Lang::En => None,
        Some(body) => Some(body.clone()),
        // The framework answered on its own (404, 405, ...): give it the envelope.
        None => Some(ErrorBody::new(ErrorCode::for_status(status))),
    };
    let Some(body) = body else { return Ok(res) };
    let bytes = body.to_bytes(lang);
    Ok(res.map_body(|head, _| {
        head.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        BoxBody::new(bytes)
    }))
}

#[derive(Debug)]
struct LocalizedError {
    body: ErrorBody,
    lang: Lang,
}

impl std::fmt::Display for LocalizedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.body.code.as_str())
    }
}

impl ResponseError for LocalizedError {
    fn status_code(&self) -> StatusCode {
        self.body.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        crate::error::error_response(self.body.clone(), None, self.lang)
    }
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(BODY_LIMIT)
        .error_handler(json_error)
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let error = match &err {
        JsonPayloadError::ContentType => ApiError::new(ErrorCode::UnsupportedMediaType),
        JsonPayloadError::Payload(e) if super::body_deadline::is_late_body(e) => {
            ApiError::new(ErrorCode::RequestTimeout)
        }
        JsonPayloadError::Overflow { .. }
        | JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => {
            ApiError::new(ErrorCode::PayloadTooLarge)
        }
        // The API reads bodies as JSON values first (routes::api::ApiJson), which then
        // names each bad field; a value only fails on syntax, which is 422.
        JsonPayloadError::Deserialize(_) => ApiError::new(ErrorCode::InvalidRequest),
        _ => ApiError::new(ErrorCode::InvalidRequest),
    };
    error.with_cause(err).into()
}
