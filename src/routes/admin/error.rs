//! The panel's one error type: each variant is an HTML page (or the redirect to the
//! login page), never a raw string; internal causes go to the log only. The page is
//! rendered in English here, where the request is unknown, and again in the operator's
//! language by `localize` on the way out.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use askama::Template;

use super::layout::redirect;
use super::text::Text;
use crate::db::DbError;
use crate::error::{ApiError, ErrorCode};
use crate::failure::Fault;

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorPage<'a> {
    t: Text,
    /// Catalog keys.
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
    /// The catalog key of what was wrong with the request.
    BadRequest(&'static str),
    Unavailable,
    Internal(String),
}

impl AdminError {
    pub fn internal(cause: impl Into<String>) -> Self {
        Self::Internal(cause.into())
    }

    /// The page's title and text, as catalog keys; None for the login redirect.
    fn page(&self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Self::LoginRequired => return None,
            Self::Forbidden => ("error.forbidden.title", "error.forbidden.text"),
            Self::CsrfFailed => ("error.csrf.title", "error.csrf.text"),
            Self::NotFound => ("error.not_found.title", "error.not_found.text"),
            Self::BadRequest(message) => ("error.bad_request.title", message),
            Self::Unavailable => ("error.unavailable.title", "error.unavailable.text"),
            // The request log names the cause, with the request id.
            Self::Internal(_) => ("error.internal.title", "error.internal.text"),
        })
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

impl From<Fault> for AdminError {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Database(error) => error.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<DbError> for AdminError {
    fn from(error: DbError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable
        } else {
            Self::Internal(error.to_string())
        }
    }
}

/// An error page's keys, carried in the response for `localize`.
#[derive(Clone, Copy)]
struct ErrorPageKeys(&'static str, &'static str);

fn render(t: Text, (title, message): (&str, &str)) -> String {
    ErrorPage { t, title, message }
        .render()
        .unwrap_or_else(|_| message.to_owned())
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
        let Some(page) = self.page() else {
            return redirect("/admin/login");
        };
        let mut response = HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .body(render(Text::default(), page));
        response
            .extensions_mut()
            .insert(ErrorPageKeys(page.0, page.1));
        response
    }
}

/// Renders an error page again in the operator's language and time zone.
pub async fn localize(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let t = Text::of(req.request());
    let res = next.call(req).await?.map_into_boxed_body();
    let keys = res.response().extensions().get::<ErrorPageKeys>().copied();
    match keys {
        Some(ErrorPageKeys(title, message)) => {
            let body = render(t, (title, message));
            Ok(res.map_body(|_, _| BoxBody::new(body)))
        }
        None => Ok(res),
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
    web::QueryConfig::default().error_handler(|err, _req: &HttpRequest| {
        log::debug!("admin query refused: {err}");
        AdminError::BadRequest("error.bad_request.text").into()
    })
}
