//! The session cookie exactly as the contract writes it, and the cookie that binds a
//! social sign-in to the browser that started it.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};

use crate::config::Settings;

/// The value of cookie `name` as the browser sent it, or None (also when empty): read
/// straight from the `Cookie` headers. The session cookie is a JWT, whose characters
/// are never percent-encoded, and actix's own `req.cookie()` percent-decodes every
/// cookie of the request first: for a 560-character ES256 token that was 3,300
/// instructions a request, more than verifying it from memory (callgrind, /me).
pub fn raw_value<'a>(req: &'a actix_web::HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|header| std::str::from_utf8(header.as_bytes()).ok())
        .find_map(|header| value_in(header, name))
}

/// The first non-empty value of `name` in one `Cookie` header (`a=1; b=2`). Found by
/// substring search rather than splitting every pair: the header is mostly the token.
fn value_in<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(found) = header.get(from..)?.find(name) {
        let start = from + found;
        let after = start + name.len();
        let at_pair_start = header
            .get(..start)
            .is_some_and(|before| before.trim_end().is_empty() || before.trim_end().ends_with(';'));
        if at_pair_start && header.get(after..)?.starts_with('=') {
            let rest = header.get(after + 1..)?;
            let value = rest
                .find(';')
                .map_or(rest, |end| rest.get(..end).unwrap_or(rest));
            let value = value.trim();
            return (!value.is_empty()).then_some(value);
        }
        from = after;
    }
    None
}

/// `HttpOnly; SameSite=Lax; Path=/`, `Max-Age` for a remembered session (none: a
/// browser-session cookie), `Secure` when COOKIE_SECURE; `Domain` and another
/// `SameSite` only when COOKIE_DOMAIN and COOKIE_SAMESITE say so.
pub fn session_cookie(
    settings: &Settings,
    jwt: String,
    max_age_seconds: Option<i64>,
) -> Cookie<'static> {
    let same_site = settings.cookie.same_site;
    let name = settings.cookie.name.clone();
    http_only(settings, name, "/", same_site, true, jwt, max_age_seconds)
}

/// Every cookie here: HttpOnly, for `path`, Secure when COOKIE_SECURE, with
/// COOKIE_DOMAIN when `with_domain`, kept `max_age` seconds (None: until the browser
/// closes; 0 clears it).
fn http_only(
    settings: &Settings,
    name: String,
    path: &'static str,
    same_site: SameSite,
    with_domain: bool,
    value: String,
    max_age: Option<i64>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, value)
        .http_only(true)
        .same_site(same_site)
        .path(path)
        .secure(settings.cookie.secure)
        .finish();
    if let Some(domain) = settings.cookie.domain.as_ref().filter(|_| with_domain) {
        cookie.set_domain(domain.clone());
    }
    if let Some(seconds) = max_age {
        cookie.set_max_age(CookieDuration::seconds(seconds));
    }
    cookie
}

/// The same cookie, emptied and expired (`Max-Age=0`).
pub fn cleared_cookie(settings: &Settings) -> Cookie<'static> {
    session_cookie(settings, String::new(), Some(0))
}

/// The social sign-in's binding cookie is sent only to the callbacks.
const SOCIAL_CALLBACK_PATH: &str = "/api/v1/auth/callback";

pub fn social_binding_cookie_name(settings: &Settings) -> String {
    format!("{}_oauth", settings.cookie.name)
}

/// HttpOnly, sent only to the callback. SameSite=Lax is what lets it come back on the
/// provider's redirect (a top-level navigation); with COOKIE_SAMESITE=None (app and
/// API on different sites) it must be None too, or the browser would not keep it.
/// `max_age` 0 clears it.
pub fn social_binding_cookie(settings: &Settings, value: String, max_age: i64) -> Cookie<'static> {
    let same_site = match settings.cookie.same_site {
        SameSite::None => SameSite::None,
        _ => SameSite::Lax,
    };
    let name = social_binding_cookie_name(settings);
    let path = SOCIAL_CALLBACK_PATH;
    http_only(settings, name, path, same_site, false, value, Some(max_age))
}

/// The sign-up binding cookie is sent only to verify-email.
const VERIFY_EMAIL_PATH: &str = "/api/v1/auth/verify-email";

pub fn signup_binding_cookie_name(settings: &Settings) -> String {
    format!("{}_signup", settings.cookie.name)
}

/// With REQUIRE_EMAIL_VERIFICATION, sign-up sets no session but this: HttpOnly, sent
/// only to verify-email, as long as the verification link lives, with the session
/// cookie's SameSite, Secure and Domain (it must reach the API wherever the session
/// cookie would). `max_age` 0 clears it.
pub fn signup_binding_cookie(settings: &Settings, value: String, max_age: i64) -> Cookie<'static> {
    companion_cookie(
        settings,
        signup_binding_cookie_name(settings),
        VERIFY_EMAIL_PATH,
        value,
        max_age,
    )
}

/// A short-lived HttpOnly cookie for one `path` that goes wherever the session cookie
/// goes (its SameSite, Secure and Domain). `max_age` 0 clears it.
fn companion_cookie(
    settings: &Settings,
    name: String,
    path: &'static str,
    value: String,
    max_age: i64,
) -> Cookie<'static> {
    let same_site = settings.cookie.same_site;
    http_only(settings, name, path, same_site, true, value, Some(max_age))
}

/// The contract's name for the challenge cookie of a sign-in waiting for its second
/// factor.
pub const TWO_FACTOR_COOKIE: &str = "two_factor";
/// It is sent only to the second step.
const TWO_FACTOR_PATH: &str = "/api/v1/auth/two-factor/verify";

/// HttpOnly, SameSite=Lax (a provider's redirect back may start the step), five
/// minutes, with the session cookie's Secure and Domain. `max_age` 0 clears it.
pub fn two_factor_cookie(settings: &Settings, value: String, max_age: i64) -> Cookie<'static> {
    let name = TWO_FACTOR_COOKIE.to_owned();
    let path = TWO_FACTOR_PATH;
    http_only(
        settings,
        name,
        path,
        SameSite::Lax,
        true,
        value,
        Some(max_age),
    )
}

pub fn two_factor_cookie_removal(settings: &Settings) -> Cookie<'static> {
    two_factor_cookie(settings, String::new(), 0)
}

/// A passkey ceremony's cookie is sent only to the auth API (where both answers go).
const PASSKEY_PATH: &str = "/api/v1/auth";

pub fn passkey_cookie_name(settings: &Settings) -> String {
    format!("{}_passkey", settings.cookie.name)
}

/// Binds a passkey ceremony to the browser that asked for its options: HttpOnly, five
/// minutes, with the session cookie's SameSite, Secure and Domain (it must reach the
/// API wherever the session cookie does, also from an app on another site). `max_age`
/// 0 clears it.
pub fn passkey_cookie(settings: &Settings, value: String, max_age: i64) -> Cookie<'static> {
    companion_cookie(
        settings,
        passkey_cookie_name(settings),
        PASSKEY_PATH,
        value,
        max_age,
    )
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::raw_value;

    #[test]
    fn the_named_cookie_is_read_as_sent() {
        let req = TestRequest::default()
            .insert_header(("cookie", "theme=dark; access_token=a.b.c ; x=1"))
            .to_http_request();
        assert_eq!(raw_value(&req, "access_token"), Some("a.b.c"));
        assert_eq!(raw_value(&req, "theme"), Some("dark"));
        assert_eq!(raw_value(&req, "token"), None);
        let inside = TestRequest::default()
            .insert_header(("cookie", "my_access_token=x;access_token=y"))
            .to_http_request();
        assert_eq!(raw_value(&inside, "access_token"), Some("y"));
        let two = TestRequest::default()
            .append_header(("cookie", "a=1"))
            .append_header(("cookie", "access_token=first; access_token=second"))
            .to_http_request();
        assert_eq!(raw_value(&two, "access_token"), Some("first"));
        let empty = TestRequest::default()
            .insert_header(("cookie", "access_token=; other=2"))
            .to_http_request();
        assert_eq!(raw_value(&empty, "access_token"), None);
        assert_eq!(
            raw_value(&TestRequest::default().to_http_request(), "a"),
            None
        );
    }
}
