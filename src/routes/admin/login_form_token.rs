//! The login form's CSRF token, for visitors who have no panel session yet: a random
//! token in the form and, signed with a key derived from SECRET_KEY and good for one
//! hour, in a cookie of its own (double submit). Each token works once: a used one's
//! hash is kept until its hour is over (`admin::sign_in::spend_form_token`). Nothing
//! else is stored for an anonymous visitor; the panel session (and its own form token)
//! starts at sign-in.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::AdminError;
use crate::config::Settings;
use crate::crypto::tokens;

const COOKIE: &str = "sekisho_admin_login";
const LIFETIME_SECONDS: i64 = 3600;

fn mac(key: &[u8]) -> Result<Hmac<Sha256>, AdminError> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).map_err(|e| AdminError::internal(e.to_string()))?;
    mac.update(b"sekisho admin login form\0");
    Ok(mac)
}

fn signature(settings: &Settings, token: &str, expires: i64) -> Result<String, AdminError> {
    let mut mac = mac(settings.secret_key.bytes())?;
    mac.update(format!("{token}.{expires}").as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

fn cookie(settings: &Settings, value: String, max_age: i64) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/admin/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(settings.cookie.secure)
        .max_age(CookieDuration::seconds(max_age))
        .finish()
}

/// A fresh token for the form, and the cookie that vouches for it.
pub fn issue(settings: &Settings) -> Result<(String, Cookie<'static>), AdminError> {
    let token = tokens::new_secret();
    let expires = chrono::Utc::now().timestamp() + LIFETIME_SECONDS;
    let signed = format!(
        "{token}.{expires}.{}",
        signature(settings, &token, expires)?
    );
    Ok((token.clone(), cookie(settings, signed, LIFETIME_SECONDS)))
}

/// The cookie's removal, once the operator is signed in.
pub fn spent(settings: &Settings) -> Cookie<'static> {
    cookie(settings, String::new(), 0)
}

/// A login form token that checked out: the caller spends it (it works once).
#[derive(Debug)]
pub struct CheckedToken {
    pub token: String,
    /// When the token would have expired anyway (UTC).
    pub expires_at: chrono::NaiveDateTime,
}

/// 403 unless `submitted` is the token of this browser's unexpired, untampered cookie.
pub fn verify(
    req: &HttpRequest,
    settings: &Settings,
    submitted: Option<&str>,
) -> Result<CheckedToken, AdminError> {
    let cookie = req.cookie(COOKIE).ok_or(AdminError::CsrfFailed)?;
    let mut parts = cookie.value().splitn(3, '.');
    let (Some(token), Some(expires), Some(claimed), Some(submitted)) =
        (parts.next(), parts.next(), parts.next(), submitted)
    else {
        return Err(AdminError::CsrfFailed);
    };
    let expires: i64 = expires.parse().map_err(|_| AdminError::CsrfFailed)?;
    let claimed = hex::decode(claimed).map_err(|_| AdminError::CsrfFailed)?;
    // Signed under SECRET_KEY, or a previous key shortly before a rotation.
    let mut genuine = false;
    for key in settings.secret_key.all() {
        let mut mac = mac(key)?;
        mac.update(format!("{token}.{expires}").as_bytes());
        genuine |= mac.verify_slice(&claimed).is_ok();
    }
    let fresh = expires > chrono::Utc::now().timestamp();
    let expires_at = chrono::DateTime::from_timestamp(expires, 0).map(|t| t.naive_utc());
    match expires_at {
        Some(expires_at)
            if genuine
                && fresh
                && super::form_token::constant_time_eq(token.as_bytes(), submitted.as_bytes()) =>
        {
            Ok(CheckedToken {
                token: token.to_owned(),
                expires_at,
            })
        }
        _ => Err(AdminError::CsrfFailed),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::cookie::Cookie;
    use actix_web::test::TestRequest;

    use super::*;

    fn settings() -> Settings {
        Settings::from_lookup(|name| (name == "SECRET_KEY").then(|| "k".repeat(40))).unwrap()
    }

    fn with_cookie(value: &str) -> HttpRequest {
        TestRequest::default()
            .cookie(Cookie::new(COOKIE, value.to_owned()))
            .to_http_request()
    }

    #[test]
    fn only_this_browsers_fresh_untampered_token_passes() {
        let settings = settings();
        let (token, cookie) = issue(&settings).unwrap();
        let req = with_cookie(cookie.value());
        assert!(verify(&req, &settings, Some(&token)).is_ok());
        // Another token, none, or no cookie.
        assert!(verify(&req, &settings, Some("another token")).is_err());
        assert!(verify(&req, &settings, None).is_err());
        assert!(
            verify(
                &TestRequest::default().to_http_request(),
                &settings,
                Some(&token)
            )
            .is_err()
        );

        // The cookie's token swapped for one the attacker chose, signature kept.
        let (_, expires, signature) = {
            let mut parts = cookie.value().splitn(3, '.');
            (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            )
        };
        let forged = with_cookie(&format!("chosen.{expires}.{signature}"));
        assert!(verify(&forged, &settings, Some("chosen")).is_err());

        // Signed with another SECRET_KEY.
        let other =
            Settings::from_lookup(|name| (name == "SECRET_KEY").then(|| "o".repeat(40))).unwrap();
        let (other_token, other_cookie) = issue(&other).unwrap();
        assert!(
            verify(
                &with_cookie(other_cookie.value()),
                &settings,
                Some(&other_token)
            )
            .is_err()
        );

        // Correctly signed, but expired.
        let past = chrono::Utc::now().timestamp() - 1;
        let stale = format!("{token}.{past}.{}", signature_of(&settings, &token, past));
        assert!(verify(&with_cookie(&stale), &settings, Some(&token)).is_err());
    }

    fn signature_of(settings: &Settings, token: &str, expires: i64) -> String {
        signature(settings, token, expires).unwrap()
    }
}
