//! Password reset by mail: a single-use token, stored as its hash, sent as a link to
//! the front-end; spending it sets the new password, ends every session and signs the
//! browser that spent it in (or asks it for the second factor, as a login does). The
//! owner therefore gets in from a new device even while strangers flood the account,
//! and that device is known from then on.

use chrono::TimeDelta;

use super::session_lifecycle::{self, BrowserSession, SignInRecord};
use super::two_factor::{self, Holder};
use crate::config::FrontendRoute;
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::single_use::{self, PasswordReset};
use crate::db::users::User;
use crate::db::{self, audit, sessions, users};
use crate::domain::ClientInfo;
use crate::domain::SessionEndReason;
use crate::domain::{AuditEvent, FirstFactor, SignInMethod};
use crate::domain::{Email, Password};
use crate::failure::{Fault, LimitError, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::{Action, MailKind};
use crate::mail;
use crate::state::AppState;

const RESET_TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(30);

/// /forgot-password: mails a reset link when the address has an enabled account.
/// Nothing waits for the database before the answer, so it takes as long, and says as
/// little, whether or not the address has an account: the per-IP budget is counted
/// after it (an address found out of budget there gets no mail, and 429 from then on),
/// then the lookup, the token and the mail.
pub fn request(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    lang: Lang,
) -> Result<(), LimitError> {
    let ip_text = client.ip_text();
    super::after_answer::count_after_answer(
        state,
        Action::ForgotPassword,
        client.ip,
        "password reset request",
        move |state| async move { issue_and_mail(&state, ip_text, email, lang).await },
    )
}

async fn issue_and_mail(
    state: &AppState,
    ip: Option<String>,
    email: Email,
    lang: Lang,
) -> Result<(), Fault> {
    let limits = state.throttle.accounts();
    let token = tokens::new_secret();
    let token_hash = tokens::hash_secret(&token);
    let letters = super::notices::Letters::new(state);
    // One transaction: the mail's count, the link, its audit entry and its mail.
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let now = db::now();
        if !limits.mail_allowed(conn, MailKind::Reset, email.as_str(), now)? {
            return Ok(());
        }
        let Some(user) = users::find_by_email(conn, email.as_str())? else {
            return Ok(());
        };
        if user.is_disabled_at(now) {
            return Ok(());
        }
        let end = now + RESET_TOKEN_LIFETIME;
        let link = single_use::Nothing {};
        single_use::insert(
            conn,
            PasswordReset,
            &token_hash,
            Some(&user.id),
            &link,
            now,
            end,
        )?;
        audit::record(
            conn,
            &AuditEvent::UserPasswordResetRequested,
            audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
        )?;
        let kind = mail::LinkMail::Reset;
        letters.mail_link(
            conn,
            &user.email,
            lang,
            kind,
            FrontendRoute::ResetPassword,
            &token,
        )?;
        Ok(())
    })
    .await
}

/// What a completed reset leaves the browser that spent the link with.
pub enum Reset {
    /// Signed in: a new session.
    SignedIn(Box<User>, BrowserSession),
    /// The second factor is on: a challenge for it, as after a login's password.
    SecondFactor(two_factor::Pending),
    /// The account is disabled: the password is set, nobody is signed in.
    Disabled,
}

/// Why a reset link set no password.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Unknown, used or expired, or its account withdrawn.
    #[error("the reset link is not valid")]
    InvalidToken,
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(ResetError, limited);

/// Where the transaction left the browser, before the cookie is signed.
enum Landing {
    Session(Box<User>, session_lifecycle::OpenedSession),
    SecondFactor(two_factor::Pending),
    Disabled,
}

/// /reset-password: spends the token and sets the new password; every session of the
/// user is revoked and earlier failed logins are forgotten; then this browser is
/// signed in, in the same transaction (a session made before the revocation could
/// not survive it).
pub async fn complete(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    new: Password,
) -> Result<Reset, ResetError> {
    state
        .throttle
        .check_ip(&state.pool, Action::ResetPassword, client.ip)
        .await?;
    let token_hash = tokens::hash_secret(token);
    // The token is looked at first: a junk token costs a lookup, never a hash.
    let lookup = token_hash.clone();
    let usable = db::run(&state.pool, move |conn| -> Result<_, Fault> {
        Ok(single_use::find(conn, PasswordReset, &lookup, db::now())?.is_some())
    })
    .await?;
    if !usable {
        return Err(ResetError::InvalidToken);
    }
    // Then the hash, and the token is spent (still conditionally: two racing resets
    // with one token succeed once) together with the new password.
    let hash = state
        .hasher
        .hash(&format!("reset:{token_hash}"), new.expose())
        .await?;
    let visitor = client.clone();
    let limits = state.throttle.accounts();
    let lifetime = session_lifecycle::browser_lifetime(state, true);
    let landing = db::write(&state.pool, move |conn| -> Result<_, ResetError> {
        let now = db::now();
        let spent = single_use::consume(conn, PasswordReset, &token_hash, now)?;
        let Some(user_id) = spent.and_then(|link| link.user_id) else {
            return Err(ResetError::InvalidToken);
        };
        let Some(mut user) = users::find_by_id(conn, &user_id)?.filter(|u| u.deleted_at.is_none())
        else {
            return Err(ResetError::InvalidToken);
        };
        // A sign-in with the old password racing this waits, then finds it gone.
        decisions::take_turn(conn, Subject::Sessions(&user.id))?;
        users::set_password_hash(conn, &user.id, &hash)?;
        // The link reached the address's inbox: that proves the address.
        users::set_email_verified(conn, &user.id, &user.email, now)?;
        sessions::revoke_all_for_user(conn, &user.id, None, SessionEndReason::PasswordReset, now)?;
        single_use::spend_all_for_user(conn, PasswordReset, &user.id)?;
        // A change of address asked from a session the reset just ended is cancelled.
        single_use::spend_all_for_user(conn, single_use::EmailChange, &user.id)?;
        limits.forget_all_failed_logins(conn, &user.email)?;
        let ip = visitor.ip_text();
        audit::record(
            conn,
            &AuditEvent::UserPasswordReset,
            audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
        )?;
        user.email_verified = true;
        if user.is_disabled_at(now) {
            return Ok(Landing::Disabled);
        }
        if user.two_factor_enabled_at.is_some() {
            let first = SignInMethod::only(FirstFactor::PasswordReset);
            let pending = two_factor::challenge(conn, &user, Holder::Browser, true, &first)?;
            return Ok(Landing::SecondFactor(pending));
        }
        let record = SignInRecord::login(SignInMethod::only(FirstFactor::PasswordReset));
        let opened =
            session_lifecycle::begin_browser_session(conn, &user, &visitor, lifetime, &record)?;
        Ok(Landing::Session(Box::new(user), opened))
    })
    .await?;
    Ok(match landing {
        Landing::Session(user, opened) => {
            let session = opened.into_cookie(&state.jwt, &user, true)?;
            Reset::SignedIn(user, session)
        }
        Landing::SecondFactor(pending) => Reset::SecondFactor(pending),
        Landing::Disabled => Reset::Disabled,
    })
}
