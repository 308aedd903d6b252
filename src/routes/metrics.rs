//! GET /metrics: the Prometheus scrape. Never open to everyone: with METRICS_BIND it is
//! served on that address alone (a port kept internal), and on the main address only
//! to a scraper that presents METRICS_TOKEN as a bearer token. With neither set, the
//! main address answers 404 as for any unknown path.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::{ExposeSecret, SecretString};

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The main listener's route, present only when METRICS_TOKEN is set.
pub fn configure_public(cfg: &mut web::ServiceConfig, token: Option<SecretString>) {
    if let Some(token) = token {
        cfg.app_data(web::Data::new(ScrapeToken(token)))
            .route("/metrics", web::get().to(scrape_with_token));
    }
}

/// The METRICS_BIND listener's only route.
pub fn configure_internal(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

struct ScrapeToken(SecretString);

async fn scrape_with_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Data<ScrapeToken>,
) -> Result<HttpResponse, ApiError> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same_secret(
        presented.trim().as_bytes(),
        token.0.expose_secret().as_bytes(),
    ) {
        let mut response =
            actix_web::ResponseError::error_response(&ApiError::new(ErrorCode::Unauthorized));
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Ok(response);
    }
    scrape(state).await
}

async fn scrape(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state
        .metrics
        .render(&state.pool)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(OPENMETRICS).body(text))
}

/// Compares in time that does not depend on where the first difference is.
fn same_secret(presented: &[u8], expected: &[u8]) -> bool {
    presented.len() == expected.len()
        && presented
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn only_the_same_bytes_match() {
        assert!(same_secret(b"scrape-token-1234", b"scrape-token-1234"));
        assert!(!same_secret(b"scrape-token-1235", b"scrape-token-1234"));
        assert!(!same_secret(b"scrape", b"scrape-token-1234"));
        assert!(!same_secret(b"", b"scrape-token-1234"));
    }
}
