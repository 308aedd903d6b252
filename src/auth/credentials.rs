//! Checking an email and password, shared by /login, /token and the panel's login: the
//! same limits, the same timing for unknown emails, the same disabled-account rule.

use super::client_info::ClientInfo;
use super::throttle::Action;
use crate::db::{self, users, users::User};
use crate::domain::Email;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The user whose email and password these are, or the error to answer with.
pub async fn check(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    password: &str,
) -> Result<User, ApiError> {
    state.throttle.check_ip(Action::Login, client.ip)?;
    let limits = state.throttle.accounts();
    let lookup = email.clone();
    let (user, failures_on_record) = db::run(&state.pool, move |conn| {
        let failures = limits.check_login(conn, &lookup, db::now())?;
        Ok((users::find_by_email(conn, lookup.as_str())?, failures))
    })
    .await?;

    let verified = match &user {
        Some(user) => state.hasher.verify(password, &user.password_hash).await?,
        None => state.hasher.verify_dummy(password).await?,
    };
    let Some(user) = user.filter(|_| verified) else {
        db::run(&state.pool, move |conn| {
            limits.record_failed_login(conn, &email, db::now())
        })
        .await?;
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    };
    // Only someone who knows the password learns that the account is disabled.
    if user.disabled_at.is_some() {
        return Err(ApiError::new(ErrorCode::AccountDisabled));
    }
    // Most logins have no failures to forget: no write for them.
    if failures_on_record {
        let email = user.email.clone();
        db::run(&state.pool, move |conn| {
            limits.forget_failed_logins(conn, &email)
        })
        .await?;
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
