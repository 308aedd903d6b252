//! Checking an email and password, shared by /login and /token: the same rate
//! limits, the same timing for unknown emails, the same disabled-account rule.

use actix_web::HttpRequest;
use chrono::TimeDelta;

use crate::db::{self, throttles, users, users::User};
use crate::domain::Email;
use crate::error::{ApiError, ErrorCode};
use crate::rate_limit::Action;
use crate::state::AppState;

/// Five wrong passwords within fifteen minutes block the account until the fifteen
/// minutes are over, on every instance.
pub const LOGIN_POLICY: throttles::Policy = throttles::Policy {
    max_attempts: 5,
    window: TimeDelta::minutes(15),
};

pub fn login_key(email: &Email) -> String {
    format!("login:{}", email.as_str())
}

/// The user whose email and password these are, or the error to answer with.
pub async fn check(
    state: &AppState,
    req: &HttpRequest,
    email: Email,
    password: &str,
) -> Result<User, ApiError> {
    state
        .limiter
        .check(Action::Login, state.proxies.client_ip(req))?;
    let key = login_key(&email);
    let limited = state.limiter.enabled();
    let lookup_key = key.clone();
    let (user, counted) = db::run(&state.pool, move |conn| {
        let throttle = if limited {
            throttles::status(conn, &lookup_key, db::now())?
        } else {
            throttles::Status::Clear
        };
        if let throttles::Status::Blocked(retry) = throttle {
            return Err(ApiError::new(ErrorCode::RateLimited).with_retry_after(retry));
        }
        let counted = throttle == throttles::Status::Counting;
        Ok((users::find_by_email(conn, email.as_str())?, counted))
    })
    .await?;

    let verified = match &user {
        Some(user) => state.hasher.verify(password, &user.password_hash).await?,
        None => state.hasher.verify_dummy(password).await?,
    };
    let Some(user) = user.filter(|_| verified) else {
        if limited {
            db::run(&state.pool, move |conn| {
                throttles::record_attempt(conn, &key, LOGIN_POLICY, db::now())?;
                Ok(())
            })
            .await?;
        }
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    };
    // Only someone who knows the password learns that the account is disabled.
    if user.disabled_at.is_some() {
        return Err(ApiError::new(ErrorCode::AccountDisabled));
    }
    // Most logins have no failures to forget: no write for them.
    if counted {
        db::run(&state.pool, move |conn| Ok(throttles::clear(conn, &key)?)).await?;
    }
    Ok(user)
}

/// Re-checks the signed-in user's password before a sensitive change
/// (change-password, withdraw): 400 INVALID_PASSWORD when it is wrong.
pub async fn confirm(state: &AppState, user: &User, password: &str) -> Result<(), ApiError> {
    if state.hasher.verify(password, &user.password_hash).await? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidPassword))
    }
}
