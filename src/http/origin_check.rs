//! The contract's CSRF rule for cookie-authenticated unsafe requests: the Origin (or,
//! failing that, the Referer) must be an allowed CORS origin or the server's own; and
//! a browser may not start a session from a foreign page (login CSRF). `check` is the
//! whole rule; `middleware::GuardOrigins` applies it to every API route.

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::{AUTHORIZATION, HOST, ORIGIN, REFERER};

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
        .or_else(|| {
            req.uri()
                .authority()
                .map(actix_web::http::uri::Authority::as_str)
        })
        .unwrap_or_else(|| req.app_config().host());
    format!("{scheme}://{host}").to_ascii_lowercase()
}

/// Why `check` refused `req`, for the operator's log: the origin it named and the
/// origins that would have passed.
pub fn explain_refusal(req: &HttpRequest, settings: &Settings, proxies: &TrustedProxies) -> String {
    let claimed = request_origin(req);
    let named = match (&claimed, req.headers().contains_key(ORIGIN)) {
        (Some(origin), true) => format!("Origin {origin}"),
        (Some(origin), false) => format!("Referer from {origin}"),
        (None, _) if req.headers().contains_key(ORIGIN) || req.headers().contains_key(REFERER) => {
            "an Origin or Referer that names no origin".to_owned()
        }
        (None, _) => "neither Origin nor Referer".to_owned(),
    };
    let cors = settings.frontend.cors_origins.describe();
    let own = own_origin(req, settings, proxies);
    let own_from = if settings.server.public_origin.is_some() {
        "PUBLIC_ORIGIN"
    } else if proxies.from_trusted_proxy(req) {
        "forwarded by a trusted proxy"
    } else {
        "the Host header; PUBLIC_ORIGIN is not set"
    };
    let line = format!(
        "CSRF_FAILED: {} {} with the session cookie or starting one, refused: it names {named}; \
         allowed are CORS_ORIGINS ({cors}) and this server's own origin {own} ({own_from})",
        req.method(),
        req.path()
    );
    line
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

/// The API's routes the session cookie authenticates, as `(method, path template)`:
/// read from the OpenAPI document, which is the route table (registering a handler
/// documents it, with `cookie` among its security requirements when it takes the
/// cookie).
#[derive(Debug, Clone, Default)]
pub struct CookieRoutes(Vec<(Method, String)>);

impl CookieRoutes {
    pub fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (template, item) in &document.paths.paths {
            let operations = [
                (Method::GET, item.get.as_ref()),
                (Method::POST, item.post.as_ref()),
                (Method::PUT, item.put.as_ref()),
                (Method::PATCH, item.patch.as_ref()),
                (Method::DELETE, item.delete.as_ref()),
            ];
            for (method, operation) in operations {
                if operation.is_some_and(takes_cookie) {
                    routes.push((method, template.clone()));
                }
            }
        }
        Self(routes)
    }

    pub fn covers(&self, method: &Method, path: &str) -> bool {
        self.0
            .iter()
            .any(|(m, template)| m == method && path_matches(template, path))
    }
}

/// Whether an operation takes the session cookie (a `cookie` security requirement).
pub fn takes_cookie(operation: &utoipa::openapi::path::Operation) -> bool {
    operation.security.as_ref().is_some_and(|requirements| {
        requirements.iter().any(|requirement| {
            serde_json::to_value(requirement)
                .ok()
                .and_then(|value| value.get("cookie").cloned())
                .is_some()
        })
    })
}

/// `/api/v1/auth/sessions/{id}` matches `/api/v1/auth/sessions/abc`.
pub fn path_matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) if ts.starts_with('{') && !ps.is_empty() => {}
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return false,
        }
    }
}

/// Whether the request presents a bearer token (which exempts it from the rule: no
/// browser attaches one by itself).
pub fn presents_bearer(req: &HttpRequest) -> bool {
    bearer_token(req).is_some()
}

/// The `Authorization: Bearer` token, when there is a non-empty one. Another scheme
/// (Basic, from a proxy) is no bearer token.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|header| header.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim())
}

/// The panel's rule, for every unsafe request under `/admin`: a browser that names an
/// origin must name the server's own (the panel is never embedded in another site,
/// and CORS_ORIGINS, the app's, have no business posting to it). The panel's forms
/// carry their session's token besides.
pub fn foreign_to_panel(req: &HttpRequest, settings: &Settings, proxies: &TrustedProxies) -> bool {
    is_unsafe(req.method())
        && request_origin(req).is_some_and(|origin| origin != own_origin(req, settings, proxies))
        || claims_unreadable_origin(req)
}

/// An Origin or Referer that is there but names no origin ("null", junk): refused
/// wherever an origin is checked.
fn claims_unreadable_origin(req: &HttpRequest) -> bool {
    is_unsafe(req.method())
        && (req.headers().contains_key(ORIGIN) || req.headers().contains_key(REFERER))
        && request_origin(req).is_none()
}

/// The contract's CSRF rule for one API request, applied to every route by
/// `middleware::GuardOrigins` before any handler or extractor runs, so that no
/// handler can forget it:
/// - safe methods, and requests with a bearer token, pass;
/// - an unsafe request presenting the session cookie to a route the cookie
///   authenticates needs an allowed Origin (or Referer); one with neither is refused;
/// - any other unsafe request (sign-up, login, a reset: routes that set a cookie
///   without presenting one) is refused when a browser names a foreign origin (login
///   CSRF); a client that names none (curl, a server) passes.
pub fn check(
    req: &HttpRequest,
    settings: &Settings,
    proxies: &TrustedProxies,
    cookie_routes: &CookieRoutes,
) -> Result<(), ApiError> {
    if !is_unsafe(req.method()) || presents_bearer(req) {
        return Ok(());
    }
    let presents_cookie = super::cookies::raw_value(req, &settings.cookie.name).is_some();
    let refused = if presents_cookie && cookie_routes.covers(req.method(), req.path()) {
        !origin_allowed(req, settings, proxies)
    } else {
        foreign_origin(req, settings, proxies)
    };
    if refused {
        return Err(ApiError::new(ErrorCode::CsrfFailed));
    }
    Ok(())
}
