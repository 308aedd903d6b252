//! The one error type of the API: a stable code, a message in the caller's language,
//! optional details; the cause is logged, never sent.

mod code;
mod use_cases;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

pub use code::ErrorCode;

use crate::crypto::hasher_pool::HasherError;
use crate::db::DbError;
use crate::i18n::Lang;

type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug)]
pub struct ApiError {
    body: ErrorBody,
    retry_after: Option<u64>,
    cause: Option<Cause>,
}

/// What a response needs to be rendered again in another language. It travels in the
/// response's extensions to the middleware that knows the request's Accept-Language.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub details: Option<Value>,
    /// Top-level fields beside `error` (the health check's status report).
    pub extra: Option<Map<String, Value>>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            details: None,
            extra: None,
        }
    }

    pub fn render(&self, lang: Lang) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), json!(self.code.as_str()));
        error.insert("message".into(), json!(self.code.message(lang)));
        if let Some(details) = &self.details {
            error.insert("details".into(), localized_details(details, lang));
        }
        let mut body = self.extra.clone().unwrap_or_default();
        body.insert("error".into(), Value::Object(error));
        Value::Object(body)
    }

    pub fn to_bytes(&self, lang: Lang) -> Vec<u8> {
        // Serializing a Value built from strings and maps cannot fail.
        serde_json::to_vec(&self.render(lang)).unwrap_or_default()
    }
}

/// `details` with each `fields` message in `lang`.
fn localized_details(details: &Value, lang: Lang) -> Value {
    let mut details = details.clone();
    if let Some(fields) = details.get_mut("fields").and_then(Value::as_object_mut) {
        for message in fields.values_mut() {
            if let Some(english) = message.as_str() {
                *message = json!(crate::i18n::field_message(english, lang));
            }
        }
    }
    details
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            body: ErrorBody::new(code),
            retry_after: None,
            cause: None,
        }
    }

    /// A 500 whose cause goes to the log and nowhere else.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::new(ErrorCode::InternalError).with_cause(cause)
    }

    pub fn unavailable(cause: impl Into<Cause>) -> Self {
        Self::new(ErrorCode::ServiceUnavailable).with_cause(cause)
    }

    /// VALIDATION_ERROR naming each bad field: `details.fields.<name>`.
    pub fn validation(fields: BTreeMap<String, String>) -> Self {
        Self::new(ErrorCode::ValidationError).with_details(json!({ "fields": fields }))
    }

    /// VALIDATION_ERROR about one field.
    pub fn validation_field(name: &str, problem: &str) -> Self {
        Self::validation(BTreeMap::from([(name.to_owned(), problem.to_owned())]))
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.body.details = Some(details);
        self
    }

    pub fn with_extra(mut self, extra: Map<String, Value>) -> Self {
        self.body.extra = Some(extra);
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn with_cause(mut self, cause: impl Into<Cause>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.body.code
    }

    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// The cause and its sources, `outer: inner: …`, for the log only.
    pub fn cause_chain(&self) -> Option<String> {
        let cause = self.cause.as_ref()?;
        let mut chain = cause.to_string();
        let mut source = cause.source();
        while let Some(inner) = source {
            chain.push_str(": ");
            chain.push_str(&inner.to_string());
            source = inner.source();
        }
        Some(chain)
    }

    /// 4xx causes at debug level; 5xx causes are logged by the request log, with the
    /// request's id (see `middleware::request_log`).
    fn log_cause(&self) {
        if !self.body.code.status().is_server_error()
            && let Some(chain) = self.cause_chain()
        {
            log::debug!("{}: {chain}", self.body.code);
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.body.code)?;
        if let Some(cause) = &self.cause {
            write!(f, " ({cause})")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.body.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        self.log_cause();
        error_response(self.body.clone(), self.retry_after, Lang::En)
    }
}

/// An envelope response in `lang`, carrying its `ErrorBody` so that the language
/// middleware can render it again for a reader who prefers another language.
pub fn error_response(body: ErrorBody, retry_after: Option<u64>, lang: Lang) -> HttpResponse {
    let mut response = HttpResponse::build(body.code.status());
    response.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    ));
    if let Some(seconds) = retry_after {
        response.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    let mut response = response.body(body.to_bytes(lang));
    response.extensions_mut().insert(body);
    response
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::new(ErrorCode::NotFound),
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::unavailable(error),
            other => Self::internal(other),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Query(error) => error.into(),
            other if other.is_unavailable() => Self::unavailable(other),
            other => Self::internal(other),
        }
    }
}

impl From<HasherError> for ApiError {
    fn from(error: HasherError) -> Self {
        match error {
            // Every hashing thread is busy: a moment later there is room again.
            HasherError::Busy => Self::unavailable(error).with_retry_after(1),
            // One account's checks are flooding in: this one is a guess too many.
            HasherError::LaneFull => Self::new(ErrorCode::RateLimited).with_retry_after(1),
            other => Self::internal(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|c| -> &(dyn std::error::Error + 'static) { c })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_hashing_queue_is_503_with_retry_after_and_a_stopped_one_500() {
        let busy = ApiError::from(HasherError::Busy);
        assert_eq!(busy.code(), ErrorCode::ServiceUnavailable);
        assert_eq!(busy.retry_after, Some(1));
        let flooded = ApiError::from(HasherError::LaneFull);
        assert_eq!(flooded.code(), ErrorCode::RateLimited);
        assert_eq!(flooded.retry_after, Some(1));
        let stopped = ApiError::from(HasherError::Stopped);
        assert_eq!(stopped.code(), ErrorCode::InternalError);
    }

    #[test]
    fn database_errors_are_503_when_unreachable_and_500_otherwise() {
        let closed = diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            Box::new(String::from("gone")),
        );
        assert_eq!(
            ApiError::from(DbError::from(closed)).code(),
            ErrorCode::ServiceUnavailable
        );
        assert_eq!(
            ApiError::from(DbError::from(diesel::result::Error::NotFound)).code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            ApiError::from(DbError::Interrupted("panicked".into())).code(),
            ErrorCode::InternalError
        );
    }
}
