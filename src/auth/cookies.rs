//! The session cookie exactly as the contract writes it.

use actix_web::cookie::Cookie;
use actix_web::cookie::time::Duration as CookieDuration;

use crate::config::Settings;

/// `HttpOnly; SameSite=Lax; Path=/`, `Max-Age` for a remembered session (none: a
/// browser-session cookie), `Secure` when COOKIE_SECURE; `Domain` and another
/// `SameSite` only when COOKIE_DOMAIN and COOKIE_SAMESITE say so.
pub fn session_cookie(
    settings: &Settings,
    jwt: String,
    max_age_seconds: Option<i64>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(settings.cookie_name.clone(), jwt)
        .http_only(true)
        .same_site(settings.cookie_same_site)
        .path("/")
        .secure(settings.cookie_secure)
        .finish();
    if let Some(domain) = &settings.cookie_domain {
        cookie.set_domain(domain.clone());
    }
    if let Some(seconds) = max_age_seconds {
        cookie.set_max_age(CookieDuration::seconds(seconds));
    }
    cookie
}

/// The same cookie, emptied and expired (`Max-Age=0`).
pub fn cleared_cookie(settings: &Settings) -> Cookie<'static> {
    session_cookie(settings, String::new(), Some(0))
}
