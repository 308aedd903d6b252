//! The panel's CSRF tokens: one random token per signed-in panel session, in every
//! form (the login form has its own, see `login_form_token`).

use actix_session::Session;

use super::error::AdminError;
use crate::crypto::tokens;

const KEY: &str = "csrf_token";

/// The session's token, created on first use.
pub fn token(session: &Session) -> Result<String, AdminError> {
    if let Ok(Some(existing)) = session.get::<String>(KEY) {
        return Ok(existing);
    }
    renew(session)
}

/// A new token for the session, whatever it held: at sign-in, so that no token from
/// before the sign-in (another operator's, on a shared browser) works after it.
pub fn renew(session: &Session) -> Result<String, AdminError> {
    let fresh = tokens::new_secret();
    session
        .insert(KEY, &fresh)
        .map_err(|e| AdminError::internal(e.to_string()))?;
    Ok(fresh)
}

/// 403 unless `submitted` is the session's token.
pub fn verify(session: &Session, submitted: Option<&str>) -> Result<(), AdminError> {
    let expected = session.get::<String>(KEY).ok().flatten();
    match (expected, submitted) {
        (Some(expected), Some(submitted))
            if constant_time_eq(expected.as_bytes(), submitted.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(AdminError::CsrfFailed),
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
