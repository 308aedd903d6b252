//! The panel's one error type: each variant is an HTML page (or the redirect to the
//! login page), never a raw string; internal causes go to the log only.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use super::layout::redirect;
use crate::error::{ApiError, ErrorCode};

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

#[derive(Debug)]
pub enum AdminError {
    /// Not signed in: 303 to the login page.
    LoginRequired,
    /// Signed in without the admin role.
    Forbidden,
    CsrfFailed,
    NotFound,
    BadRequest(String),
    Unavailable,
    Internal(String),
}

impl AdminError {
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::Internal(cause.into())
    }
}

/// What the request log writes for a failed panel request (never shown to anyone).
impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Internal(cause) => write!(f, "admin panel: {cause}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl From<ApiError> for AdminError {
    fn from(error: ApiError) -> Self {
        match error.code() {
            ErrorCode::NotFound => Self::NotFound,
            ErrorCode::ServiceUnavailable => Self::Unavailable,
            _ => Self::Internal(error.to_string()),
        }
    }
}

impl From<diesel::result::Error> for AdminError {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::from(error).into()
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::LoginRequired => StatusCode::SEE_OTHER,
            Self::Forbidden | Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (title, message) = match self {
            Self::LoginRequired => return redirect("/admin/login"),
            Self::Forbidden => (
                "Forbidden",
                "This account is not an operator. Sign in with an operator account.",
            ),
            Self::CsrfFailed => (
                "Form expired",
                "The form was missing its security token or it did not match your session. Go back, reload the page and try again.",
            ),
            Self::NotFound => ("Not found", "There is nothing here."),
            Self::BadRequest(message) => ("Bad request", message.as_str()),
            Self::Unavailable => (
                "Database unavailable",
                "The database cannot be reached right now. Try again shortly.",
            ),
            // The request log names the cause, with the request id.
            Self::Internal(_) => ("Something went wrong", "The error was logged."),
        };
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| message.to_owned());
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

/// A form that cannot be read has no token to check: 403, like a wrong token (and
/// never actix's plain text). Malformed query strings are a 400 page.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(16 * 1024)
        .error_handler(|err, _req: &HttpRequest| {
            log::debug!("admin form refused: {err}");
            AdminError::CsrfFailed.into()
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req: &HttpRequest| AdminError::BadRequest(err.to_string()).into())
}
