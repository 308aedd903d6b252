//! The account's own life: signing up, changing the password, withdrawing.

use super::credentials;
use super::credentials::ConfirmError;
use super::session_lifecycle::{self, BrowserSession, SignInRecord};
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::single_use::{self, PasswordReset};
use crate::db::{self, audit, sessions, users, users::User};
use crate::domain::SessionEndReason;
use crate::domain::{AuditEvent, Email, FirstFactor, Password, SignInMethod};
use crate::domain::{ClientInfo, SessionId};
use crate::failure::{Fault, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::Action;
use crate::state::AppState;

pub struct NewAccount {
    pub email: Email,
    pub password: Password,
    pub name: Option<String>,
}

/// Why a sign-up made no account.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// The address has an account (or a racing sign-up took it first).
    #[error("the address has an account")]
    EmailTaken,
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(SignUpError, limited);

/// What a sign-up gives the browser.
pub enum SignedUp {
    /// Signed in at once.
    Session(BrowserSession),
    /// REQUIRE_EMAIL_VERIFICATION: no session for an address never proven; this
    /// binding (for a cookie) lets verify-email sign in the browser that signed up.
    VerificationRequired { binding: String },
}

/// /signup: creates the user and starts a browser session (or, when addresses must be
/// verified first, only mails the link); EMAIL_TAKEN when the address has an account.
pub async fn sign_up(
    state: &AppState,
    client: &ClientInfo,
    account: NewAccount,
    lang: Lang,
) -> Result<(User, SignedUp), SignUpError> {
    state
        .throttle
        .check_ip(&state.pool, Action::Signup, client.ip)
        .await?;
    let limits = state.throttle.accounts();
    let lookup = account.email.clone();
    let taken = db::run(&state.pool, move |conn| -> Result<_, SignUpError> {
        limits.count_signup(conn, &lookup, db::now())?;
        Ok(users::find_by_email(conn, lookup.as_str())?.is_some())
    })
    .await?;
    if taken {
        return Err(SignUpError::EmailTaken);
    }

    let lane = format!("signup:{}", account.email.as_str());
    let hash = state.hasher.hash(&lane, account.password.expose()).await?;
    let now = db::now();
    let user = User {
        name: account.name,
        password_hash: Some(hash),
        ..User::new_member(&account.email, now)
    };
    let row = user.clone();
    let verify_first = state.settings.accounts.require_email_verification;
    let lifetime = session_lifecycle::browser_lifetime(state, true);
    let visitor = client.clone();
    let link = super::email_verification::NewLink::new(state);
    // The account, its audit entry, its verification link and mail, and (unless the
    // address must be proven first) its session: one transaction. A sign-up that
    // committed has its mail queued; one that rolled back mails nothing.
    let opened = db::write(&state.pool, move |conn| -> Result<_, SignUpError> {
        match users::insert(conn, &users::NewUser::from(&row)) {
            // Two sign-ups racing for one address: the loser hears EMAIL_TAKEN.
            Err(e) if db::is_unique_violation(&e) => {
                return Err(SignUpError::EmailTaken);
            }
            other => other?,
        };
        link.write(conn, &row.id, &row.email, lang)?;
        let record = SignInRecord::signup(SignInMethod::only(FirstFactor::Password));
        if verify_first {
            let ip = visitor.ip_text();
            let entry = audit::Entry::by_user(&row.id, &row.email, ip.as_deref());
            audit::record(conn, &record.event(), entry)?;
            return Ok(None);
        }
        decisions::take_turn(conn, Subject::Sessions(&row.id))?;
        Ok(Some(session_lifecycle::begin_browser_session(
            conn, &row, &visitor, lifetime, &record,
        )?))
    })
    .await?;

    let Some(opened) = opened else {
        let binding = tokens::signup_binding(state.settings.secret_key.bytes(), &user.id);
        return Ok((user, SignedUp::VerificationRequired { binding }));
    };
    let session = opened.into_cookie(&state.jwt, &user, true)?;
    Ok((user, SignedUp::Session(session)))
}

/// /change-password: every other session of the user is revoked, outstanding reset
/// links die.
pub async fn change_password(
    state: &AppState,
    client: &ClientInfo,
    user: User,
    session_id: SessionId,
    current: &str,
    new: Password,
) -> Result<(), ConfirmError> {
    credentials::confirm(state, client, &user, &session_id, current).await?;
    let hash = state
        .hasher
        .hash(&format!("user:{}", user.id), new.expose())
        .await?;
    let ip = client.ip_text();
    let keep = session_id;
    db::write(&state.pool, move |conn| -> Result<_, ConfirmError> {
        // A sign-in with the old password racing this waits, then finds it gone.
        decisions::take_turn(conn, Subject::Sessions(&user.id))?;
        let now = db::now();
        users::set_password_hash(conn, &user.id, &hash)?;
        sessions::revoke_all_for_user(
            conn,
            &user.id,
            Some(&keep),
            SessionEndReason::PasswordChanged,
            now,
        )?;
        single_use::spend_all_for_user(conn, PasswordReset, &user.id)?;
        // A change of address asked from a session this change ended is cancelled.
        single_use::spend_all_for_user(conn, single_use::EmailChange, &user.id)?;
        audit::record(
            conn,
            &AuditEvent::UserPasswordChanged,
            audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
        )?;
        Ok(())
    })
    .await
}

/// /user/withdraw: the row is soft-deleted with its email and name obfuscated (so the
/// address can sign up again) and every session deleted. Confirmed by the password,
/// or for a user without one by a recent sign-in.
pub async fn withdraw(
    state: &AppState,
    client: &ClientInfo,
    user: User,
    session_id: SessionId,
    password: Option<&str>,
) -> Result<(), ConfirmError> {
    credentials::confirm_identity(state, client, &user, &session_id, password).await?;
    let ip = client.ip_text();
    db::write(&state.pool, move |conn| -> Result<_, ConfirmError> {
        // Audited first: `user.deleted` carries the address the deletion obfuscates.
        audit::record(
            conn,
            &AuditEvent::UserWithdrawn,
            audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
        )?;
        users::soft_delete(conn, &user.id, db::now())?;
        Ok(())
    })
    .await
}
