//! The contract's CSRF rule for cookie-authenticated unsafe requests: the Origin (or,
//! failing that, the Referer) must be an allowed CORS origin or the server's own.

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::{HOST, ORIGIN, REFERER};

use crate::config::TrustedProxies;
use crate::config::{Settings, normalize_origin};
use crate::error::{ApiError, ErrorCode};

pub fn is_unsafe(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// The origin the request claims to come from: Origin, else Referer's origin.
pub fn request_origin(req: &HttpRequest) -> Option<String> {
    if let Some(origin) = req.headers().get(ORIGIN) {
        return origin.to_str().ok().and_then(normalize_origin);
    }
    let referer = req.headers().get(REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// This server's origin: PUBLIC_ORIGIN when set; else what a trusted proxy forwarded
/// (Forwarded, X-Forwarded-Host/-Proto); else the Host header. Forwarding headers
/// from anyone else are ignored: a client could name any host in them.
fn own_origin(req: &HttpRequest, settings: &Settings, proxies: &TrustedProxies) -> String {
    if let Some(public) = &settings.server.public_origin {
        return public.clone();
    }
    if proxies.from_trusted_proxy(req) {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host()).to_ascii_lowercase();
    }
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or_else(|| req.app_config().host());
    format!("{scheme}://{host}").to_ascii_lowercase()
}

/// Whether the request's claimed origin may act with the user's cookie. A request
/// with neither header is refused: browsers always send Origin on such requests.
pub fn origin_allowed(req: &HttpRequest, settings: &Settings, proxies: &TrustedProxies) -> bool {
    match request_origin(req) {
        Some(origin) => {
            settings.frontend.cors_origins.allows(&origin)
                || origin == own_origin(req, settings, proxies)
        }
        None => false,
    }
}

/// For requests that set a cookie without one (signup, login): a browser's Origin
/// must be allowed (no login CSRF); a client that sends none (curl, a server) may.
pub fn foreign_origin(req: &HttpRequest, settings: &Settings, proxies: &TrustedProxies) -> bool {
    let claimed = req.headers().contains_key(ORIGIN) || req.headers().contains_key(REFERER);
    claimed && !origin_allowed(req, settings, proxies)
}

/// Signup and login set a cookie without presenting one: a browser's Origin must still
/// be allowed, so that a foreign page cannot log a visitor in (login CSRF).
pub fn refuse_foreign_origin(
    req: &HttpRequest,
    settings: &Settings,
    proxies: &TrustedProxies,
) -> Result<(), ApiError> {
    if foreign_origin(req, settings, proxies) {
        return Err(ApiError::new(ErrorCode::CsrfFailed));
    }
    Ok(())
}
