//! One log line a request, and the `X-Request-Id` that ties it to the response.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use crate::error::ApiError;
use crate::state::AppState;

/// The id of one request, in the log line and the `X-Request-Id` response header.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Logs one line a request: method, path, status, duration, request id. Only the path
/// is logged (no query string, headers or body), so no password, token or cookie can
/// reach the log.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_safe_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let ip = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.proxies.client_ip(req.request()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = Instant::now();

    let result = next.call(req).await;

    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    let answered = Answered {
        request_id: &request_id,
        method: method.as_str(),
        path: &path,
        ip: ClientIp(ip),
        elapsed_ms,
    };
    match result {
        Ok(mut res) => {
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                res.headers_mut().insert(REQUEST_ID.clone(), value);
            }
            answered.log(res.status().as_u16());
            if res.status().is_server_error() {
                log_server_error(&method, &path, &request_id, res.response().error());
            }
            log_refusal_reason(&path, &request_id, res.response().error());
            Ok(res)
        }
        Err(error) => {
            answered.log(error.as_response_error().status_code().as_u16());
            Err(error)
        }
    }
}

/// The client's address as the log shows it (`-` when unknown), formatted only when
/// a line is written: nothing is allocated for it on a request the log filters out.
#[derive(Clone, Copy)]
struct ClientIp(Option<std::net::IpAddr>);

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// One answered request, as the log's line (text) or fields (JSON).
struct Answered<'a> {
    request_id: &'a str,
    method: &'a str,
    path: &'a str,
    ip: ClientIp,
    elapsed_ms: f64,
}

impl Answered<'_> {
    fn log(&self, status: u16) {
        let Self {
            request_id,
            method,
            path,
            ip,
            elapsed_ms,
        } = *self;
        let duration_ms = (elapsed_ms * 10.0).round() / 10.0;
        log::info!(
            requestId = request_id, method = method, path = path, status = status,
            durationMs = duration_ms, ip:% = ip;
            "{method} {path} {status} {elapsed_ms:.1}ms rid={request_id}"
        );
    }
}

/// A refused passkey ceremony says only PASSKEY_FAILED to the client; why (origin,
/// RP ID, signature, counter, user verification) is logged here, with the request id.
fn log_refusal_reason(path: &str, request_id: &str, error: Option<&Error>) {
    let Some(api) = error.and_then(|e| e.as_error::<ApiError>()) else {
        return;
    };
    if api.code() == crate::error::ErrorCode::PasskeyFailed {
        let reason = api
            .cause_chain()
            .unwrap_or_else(|| "no reason recorded".into());
        log::warn!(requestId = request_id, path = path; "{path}: PASSKEY_FAILED rid={request_id}: {reason}");
    }
}

/// Every 5xx names its cause, tied to the request by its id (the response itself
/// says nothing internal).
fn log_server_error(
    method: &actix_web::http::Method,
    path: &str,
    request_id: &str,
    error: Option<&Error>,
) {
    let cause = match error {
        Some(error) => match error.as_error::<ApiError>() {
            Some(api) => api
                .cause_chain()
                .unwrap_or_else(|| api.code().as_str().to_owned()),
            None => error.to_string(),
        },
        None => "no cause recorded".to_owned(),
    };
    log::error!(
        requestId = request_id, method = method.as_str(), path = path;
        "{method} {path} failed, rid={request_id}: {cause}"
    );
}

/// A caller's id is kept only when it cannot forge log lines.
fn is_safe_request_id(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
