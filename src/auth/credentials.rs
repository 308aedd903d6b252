//! Checking an email and password, shared by /login, /token and the panel's login: the
//! same limits, the same timing for unknown emails, the same disabled-account rule;
//! and re-checking the signed-in user's password before a sensitive change.

use crate::crypto::hasher_pool::HasherError;
use crate::db::{self, sessions, users, users::User};
use crate::domain::{ClientInfo, Email, SessionId};
use crate::failure::{Disabled, Fault, LimitError, Limited, fails_underneath};
use crate::limits::throttle::Action;
use crate::state::AppState;

/// Why an email and password did not sign anyone in: this use case's own answer,
/// which the API and the panel (its login page) each put in their own words.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong email or password: the same for both.
    #[error("wrong email or password")]
    WrongCredentials,
    /// The right password of a disabled account.
    #[error(transparent)]
    Disabled(#[from] Disabled),
    /// Too many attempts (this address, this client on the account, or the account's
    /// turn too far away), or the account's hashing lane is full.
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(SignInError, limited);

/// Why the signed-in user's password did not confirm a sensitive change.
#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("the confirmation password is wrong")]
    WrongPassword,
    /// A user without a password whose session signed in longer ago than
    /// RECENT_SIGN_IN: signing in again is the proof.
    #[error("the session did not sign in recently enough")]
    ReauthenticationRequired,
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(ConfirmError, limited);

/// The user whose email and password these are, or why not. The client's count of
/// attempts on the account is not forgotten here: the sign-in may still need its
/// second factor (the session's transaction forgets them once it is complete).
pub async fn check(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    password: &str,
) -> Result<User, SignInError> {
    state
        .throttle
        .check_ip(&state.pool, Action::Login, client.ip)
        .await?;
    let limits = state.throttle.accounts();
    let (lookup, ip) = (email.clone(), client.ip);
    let checked = db::run(&state.pool, move |conn| -> Result<_, LimitError> {
        let user = users::find_by_email(conn, lookup.as_str())?;
        let user_id = user.as_ref().map(|u| u.id.as_str());
        let wait = limits.check_login(conn, &lookup, user_id, ip, db::now())?;
        Ok((user, wait))
    })
    .await;
    let (user, wait) = match checked {
        Ok(checked) => checked,
        Err(refused) => {
            // Refused before any hash: the address's budget is not charged for it.
            if matches!(refused, LimitError::Limited(_)) {
                state
                    .throttle
                    .refund_ip(&state.pool, Action::Login, client.ip)
                    .await;
            }
            return Err(refused.into());
        }
    };
    // An account under attack takes strangers' guesses in turns: this one waits for
    // its turn.
    if !wait.is_zero() {
        actix_web::rt::time::sleep(wait).await;
    }

    // One lane per address tried: a flood against one account waits behind itself.
    let lane = format!("login:{}", email.as_str());
    let phc = user.as_ref().and_then(|u| u.password_hash.as_deref());
    let verified = match state.hasher.verify_stored(&lane, password, phc).await {
        Ok(verified) => verified,
        Err(e @ (HasherError::LaneFull | HasherError::Busy)) => {
            // Turned away before the hash: the password was never checked, so the
            // attempt is given back to this client and its address.
            db::run(&state.pool, move |conn| {
                limits.refund_login(conn, &email, ip)
            })
            .await?;
            state
                .throttle
                .refund_ip(&state.pool, Action::Login, client.ip)
                .await;
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    let Some(user) = user.filter(|_| verified) else {
        state.metrics.login_failures.inc();
        db::run(&state.pool, move |conn| {
            limits.record_failed_login(conn, &email, db::now())
        })
        .await?;
        return Err(SignInError::WrongCredentials);
    };
    // Only someone who knows the password learns that the account is disabled.
    if user.is_disabled_at(db::now()) {
        return Err(Disabled::of(&user).into());
    }
    Ok(user)
}

/// Inside a sign-in's session transaction: the stored password is still the one
/// `checked` (the hash the password was verified against). A reset, a change or a
/// takeover that committed in between ends that sign-in here, with the answer of a
/// wrong password.
pub fn password_unchanged(
    conn: &mut db::DbConnection,
    user_id: &str,
    checked: Option<&str>,
) -> Result<(), SignInError> {
    let current = users::find_by_id(conn, user_id)?.and_then(|u| u.password_hash);
    if current.as_deref() == checked && current.is_some() {
        return Ok(());
    }
    log::info!("a sign-in was refused: the password changed while it was being checked");
    Err(SignInError::WrongCredentials)
}

/// How recently a session of a user without a password must have signed in to
/// confirm a sensitive change: a stolen session soon stops being enough.
pub const RECENT_SIGN_IN: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Confirms a sensitive change (an email change, withdrawal): the password of a user
/// who has one (`None` is a wrong one), a session signed in within RECENT_SIGN_IN for
/// a user who has none (a password sent by such a user is not looked at).
pub async fn confirm_identity(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    password: Option<&str>,
) -> Result<(), ConfirmError> {
    if user.password_hash.is_none() {
        return recent_sign_in(state, session_id).await;
    }
    // Left out by a user who has one: the wrong password, with nothing to hash.
    let Some(password) = password else {
        return Err(ConfirmError::WrongPassword);
    };
    confirm(state, client, user, session_id, password).await
}

/// The session signed in within RECENT_SIGN_IN.
pub async fn recent_sign_in(state: &AppState, session_id: &SessionId) -> Result<(), ConfirmError> {
    let id = session_id.to_owned();
    let signed_in_at = db::run(&state.pool, move |conn| -> Result<_, Fault> {
        Ok(sessions::signed_in_at(conn, &id)?)
    })
    .await?;
    match signed_in_at {
        Some(at) if db::now() - at <= RECENT_SIGN_IN => Ok(()),
        _ => Err(ConfirmError::ReauthenticationRequired),
    }
}

/// Re-checks the signed-in user's password before a sensitive change
/// (change-password, withdraw): 400 INVALID_PASSWORD when it is wrong, 429 after too
/// many wrong ones in this session or from this client.
pub async fn confirm(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    password: &str,
) -> Result<(), ConfirmError> {
    state
        .throttle
        .check_ip(&state.pool, Action::ConfirmPassword, client.ip)
        .await?;
    let limits = state.throttle.accounts();
    let session = session_id.to_owned();
    let lookup = session.clone();
    db::run(&state.pool, move |conn| {
        limits.check_confirmation(conn, &lookup, db::now())
    })
    .await?;
    let lane = format!("user:{}", user.id);
    if state
        .hasher
        .verify_stored(&lane, password, user.password_hash.as_deref())
        .await?
    {
        return Ok(());
    }
    db::run(&state.pool, move |conn| {
        limits.record_failed_confirmation(conn, &session, db::now())
    })
    .await?;
    Err(ConfirmError::WrongPassword)
}
