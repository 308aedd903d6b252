//! What every signed-in page shares: the layout's data, rendering, redirects.

use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use askama::Template;

use super::error::AdminError;
use super::flash::Flash;

/// Data of the shared layout: who is signed in, the CSRF token, a flash message, and
/// the page itself (where the language switch comes back to).
pub struct Layout {
    pub operator: String,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub here: String,
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

/// 303 See Other: the answer to every successful form.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location.to_owned()))
        .finish()
}
