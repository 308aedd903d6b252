//! What every admin page shares: the layout's data, flash messages, redirects and
//! the error pages.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

/// Data of the shared layout: who is signed in, the CSRF token, a flash message.
pub struct Layout {
    pub operator: String,
    pub csrf: String,
    pub flash: Option<Flash>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`: a CSS class.
    pub kind: String,
    pub text: String,
}

const FLASH_KEY: &str = "flash";

/// Shows `text` on the next page this operator sees (after a redirect).
pub fn flash(session: &Session, kind: &str, text: impl Into<String>) {
    let _ = session.insert(
        FLASH_KEY,
        Flash {
            kind: kind.to_owned(),
            text: text.into(),
        },
    );
}

pub fn take_flash(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
}

/// 303 See Other: the answer to every successful form.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location.to_owned()))
        .finish()
}

/// Only a path inside the panel may be a redirect target (no open redirect).
pub fn safe_return(target: Option<&str>, fallback: &str) -> String {
    match target {
        Some(t) if t.starts_with("/admin") && !t.starts_with("//") && !t.contains("://") => {
            t.to_owned()
        }
        _ => fallback.to_owned(),
    }
}

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

impl std::fmt::Display for AdminError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
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
            Self::Internal(cause) => {
                log::error!("admin panel: {cause}");
                ("Something went wrong", "The error was logged.")
            }
        };
        let body = ErrorPage { title, message }
            .render()
            .unwrap_or_else(|_| message.to_owned());
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

/// Renders a page template as an HTML response.
pub fn html(template: &impl Template) -> Result<HttpResponse, AdminError> {
    let body = template
        .render()
        .map_err(|e| AdminError::internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(16 * 1024)
        .error_handler(|err, _req: &HttpRequest| AdminError::BadRequest(err.to_string()).into())
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req: &HttpRequest| AdminError::BadRequest(err.to_string()).into())
}

/// Page numbers in query strings: 1-based, clamped.
pub fn page_number(raw: Option<u32>) -> i64 {
    i64::from(raw.unwrap_or(1).clamp(1, 100_000))
}

pub const PER_PAGE: i64 = 25;

/// The queries fetch one row more than a page: its presence says whether a next page
/// exists, without counting the table. Returns the page and that answer.
pub fn split_page<T>(mut rows: Vec<T>) -> (Vec<T>, bool) {
    let has_next = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    (rows, has_next)
}
