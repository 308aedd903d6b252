//! Changing the account's address: confirmed by the password (or a recent sign-in for
//! a user without one), a link to the new address (24 hours, single use), a notice to
//! the old one; the address changes only when the link is opened, and only if nobody
//! else holds the new address then. A typo or a stolen session alone moves nothing.

use super::credentials::{self, ConfirmError};
use super::{acting, notices};
use crate::config::FrontendRoute;
use crate::crypto::tokens;
use crate::db::single_use::{self, ChangeOfAddress, EmailChange};
use crate::db::{self, DbConnection, audit, users, users::User};
use crate::domain::{AuditEvent, ClientInfo, Email, SessionId};
use crate::failure::{Fault, Invalid, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::{Action, MailKind};
use crate::mail::{LinkMail, SecurityNotice};
use crate::state::AppState;

/// How long the link to the new address works.
pub const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Why a change of address was not asked for, or not made.
#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    /// Another account has the new address (when asked, or when the link is opened).
    #[error("the address has an account")]
    EmailTaken,
    /// The new address is the account's own.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The password is wrong, or the session of a user without one is not recent.
    #[error(transparent)]
    Unconfirmed(#[from] ConfirmError),
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(EmailChangeError, limited);

/// /user/change-email: after the confirmation, in one transaction: the link to the
/// new address (replacing any earlier one), the notice to the current one, the audit
/// entry. At most one link a minute goes to an address: within it the earlier link
/// stays the live one and nothing is sent.
pub async fn request(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    new_email: Email,
    password: Option<&str>,
    lang: Lang,
) -> Result<(), EmailChangeError> {
    if new_email.as_str() == user.email {
        return Err(Invalid {
            field: "newEmail",
            problem: "is already your address",
        }
        .into());
    }
    state
        .throttle
        .check_ip(&state.pool, Action::VerificationMail, client.ip)
        .await?;
    credentials::confirm_identity(state, client, user, session_id, password).await?;
    let token = tokens::new_secret();
    let token_hash = tokens::hash_secret(&token);
    let limits = state.throttle.accounts();
    let letters = notices::Letters::new(state);
    acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, EmailChangeError> {
            if users::find_by_email(conn, new_email.as_str())?.is_some() {
                return Err(EmailChangeError::EmailTaken);
            }
            let now = db::now();
            if !limits.mail_allowed(conn, MailKind::EmailChange, new_email.as_str(), now)? {
                return Ok(());
            }
            // One change in flight: a new request replaces the earlier link.
            single_use::spend_all_for_user(conn, EmailChange, &me.user.id)?;
            let change = ChangeOfAddress {
                new_email: new_email.as_str().to_owned(),
                previous_email: me.user.email.clone(),
            };
            single_use::insert(
                conn,
                EmailChange,
                &token_hash,
                Some(&me.user.id),
                &change,
                now,
                now + LIFETIME,
            )?;
            let to = new_email.as_str();
            letters.mail_link(
                conn,
                to,
                lang,
                LinkMail::EmailChange,
                FrontendRoute::VerifyEmail,
                &token,
            )?;
            let notice = SecurityNotice::EmailChangeRequested;
            letters.notify(conn, &me.user.email, lang, notice)?;
            let event = AuditEvent::UserEmailChangeRequested {
                new_email: change.new_email,
            };
            audit::record(conn, &event, me.entry())?;
            Ok(())
        },
    )
    .await
}

/// What opening a link to a new address did.
pub enum Opened {
    /// Not a change-of-address link.
    NotOne,
    /// The account's address is the new one, verified.
    Changed(Box<User>),
}

/// Inside verify-email's transaction: spends `token_hash` if it is a live
/// change-of-address link and moves its account to the new address. A link whose
/// account has another address by now (changed again, withdrawn) is INVALID_TOKEN to
/// the caller; a new address another account took meanwhile is EMAIL_TAKEN, and the
/// link stays unspent (the transaction rolls back).
pub fn open(
    conn: &mut DbConnection,
    token_hash: &str,
    ip: Option<&str>,
) -> Result<Result<Opened, Gone>, EmailChangeError> {
    let now = db::now();
    let Some(link) = single_use::consume(conn, EmailChange, token_hash, now)? else {
        return Ok(Ok(Opened::NotOne));
    };
    let Some(user_id) = link.user_id else {
        return Ok(Err(Gone));
    };
    let change = link.payload;
    if users::find_by_email(conn, &change.new_email)?.is_some_and(|other| other.id != user_id) {
        return Err(EmailChangeError::EmailTaken);
    }
    match users::change_email(
        conn,
        &user_id,
        &change.previous_email,
        &change.new_email,
        now,
    ) {
        Err(e) if db::is_unique_violation(&e) => return Err(EmailChangeError::EmailTaken),
        Ok(0) => return Ok(Err(Gone)),
        other => other?,
    };
    // Links sent to the old address (a reset, a verification) prove nothing now.
    single_use::spend_all_for_user(conn, single_use::PasswordReset, &user_id)?;
    single_use::spend_all_for_user(conn, single_use::EmailVerification, &user_id)?;
    audit::record(
        conn,
        &AuditEvent::UserEmailChanged {
            previous_email: change.previous_email,
        },
        audit::Entry::by_user(&user_id, &change.new_email, ip),
    )?;
    let Some(user) = users::find_by_id(conn, &user_id)? else {
        return Ok(Err(Gone));
    };
    Ok(Ok(Opened::Changed(Box::new(user))))
}

/// The link's account has another address by now, or is gone.
#[derive(Debug)]
pub struct Gone;
