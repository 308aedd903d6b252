//! Email verification: a single-use link (24 hours, stored as its hash) mailed at
//! sign-up and on request; spending it marks the address verified. With
//! REQUIRE_EMAIL_VERIFICATION, an unverified address cannot log in.

use chrono::TimeDelta;

use super::email_change::{self, EmailChangeError};
use super::session_lifecycle::{self, BrowserSession, OpenedSession, SignInRecord};
use crate::config::FrontendRoute;
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::single_use::{self, EmailVerification, SentTo};
use crate::db::{self, DbConnection, audit, users, users::User};
use crate::domain::ClientInfo;
use crate::domain::{AuditEvent, FirstFactor, SignInMethod};
use crate::domain::{Email, UserId};
use crate::failure::{Disabled, Fault, LimitError, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::{Action, MailKind};
use crate::mail;
use crate::state::AppState;

/// How long a verification link works (and the sign-up binding cookie lives).
pub const LIFETIME: TimeDelta = TimeDelta::hours(24);

/// Whose address a send-verification-email request is about.
pub enum Recipient {
    /// Anyone may ask for a mail to an address: the answer never says whether it has
    /// an account.
    Address(Email),
    /// The signed-in user's own address.
    User(Box<User>),
}

/// A fresh verification link, written with a change: its row, the mail's count and
/// the mail itself go on the change's connection, so they commit (or roll back) with
/// it. Made before the transaction (the token, what mailing takes).
pub struct NewLink {
    token: String,
    token_hash: String,
    limits: crate::limits::throttle::AccountLimits,
    letters: super::notices::Letters,
}

impl NewLink {
    pub fn new(state: &AppState) -> Self {
        let token = tokens::new_secret();
        Self {
            token_hash: tokens::hash_secret(&token),
            token,
            limits: state.throttle.accounts(),
            letters: super::notices::Letters::new(state),
        }
    }

    /// Stores the link for `user_id` and queues its mail to `email`, unless a link went
    /// to that address within the minute (the limit per address).
    pub fn write(
        &self,
        conn: &mut DbConnection,
        user_id: &str,
        email: &str,
        lang: Lang,
    ) -> Result<(), Fault> {
        let now = db::now();
        if !self
            .limits
            .mail_allowed(conn, MailKind::Verification, email, now)?
        {
            return Ok(());
        }
        let sent_to = SentTo {
            email: email.to_owned(),
        };
        single_use::insert(
            conn,
            EmailVerification,
            &self.token_hash,
            Some(user_id),
            &sent_to,
            now,
            now + LIFETIME,
        )?;
        let kind = mail::LinkMail::Verification;
        self.letters.mail_link(
            conn,
            email,
            lang,
            kind,
            FrontendRoute::VerifyEmail,
            &self.token,
        )?;
        Ok(())
    }
}

/// Mails a fresh link to the user's address after the response, unless one went to
/// that address within the minute (the limit per address).
pub fn mail_later(state: &AppState, user: &User, lang: Lang) {
    let (state, user_id, email) = (state.clone(), user.id.clone(), user.email.clone());
    actix_web::rt::spawn(async move {
        if let Err(e) = issue_and_mail(&state, user_id, email, lang).await {
            log::error!("verification mail could not be sent: {e}");
        }
    });
}

async fn issue_and_mail(
    state: &AppState,
    user_id: UserId,
    email: String,
    lang: Lang,
) -> Result<(), Fault> {
    let link = NewLink::new(state);
    // The mail's count, its link and the mail commit together.
    db::write(&state.pool, move |conn| {
        link.write(conn, &user_id, &email, lang)
    })
    .await
}

/// /send-verification-email: answered at once, the same way whatever the address;
/// the per-IP budget, the lookup and the mail come after the response (as for
/// forgot-password). Verified, disabled and unknown addresses get no mail.
pub fn request(
    state: &AppState,
    client: &ClientInfo,
    recipient: Recipient,
    lang: Lang,
) -> Result<(), LimitError> {
    super::after_answer::count_after_answer(
        state,
        Action::VerificationMail,
        client.ip,
        "verification mail request",
        move |state| async move {
            let user = match recipient {
                Recipient::User(user) => Some(*user),
                Recipient::Address(email) => {
                    db::run(&state.pool, move |conn| -> Result<_, Fault> {
                        Ok(users::find_by_email(conn, email.as_str())?)
                    })
                    .await?
                }
            };
            match user.filter(|u| !u.email_verified && !u.is_disabled_at(db::now())) {
                Some(user) => issue_and_mail(&state, user.id, user.email, lang).await,
                None => Ok(()),
            }
        },
    )
}

/// Why a verification link verified nothing, or signed nobody in.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Unknown, used or expired; or the account's address changed since, or it was
    /// withdrawn.
    #[error("the verification link is not valid")]
    InvalidToken,
    /// A link to a new address that another account took meanwhile.
    #[error("the address has an account")]
    EmailTaken,
    /// The address is verified, but the account is disabled: nobody is signed in.
    #[error(transparent)]
    Disabled(#[from] Disabled),
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(VerifyError, limited);

impl From<EmailChangeError> for VerifyError {
    fn from(error: EmailChangeError) -> Self {
        match error {
            EmailChangeError::EmailTaken => Self::EmailTaken,
            EmailChangeError::Limited(limited) => Self::Limited(limited),
            EmailChangeError::Fault(fault) => Self::Fault(fault),
            // Opening a link asks for no confirmation.
            EmailChangeError::Invalid(_) | EmailChangeError::Unconfirmed(_) => Self::InvalidToken,
        }
    }
}

/// /verify-email: spends the token and marks the address it was sent to verified;
/// when `binding` is the sign-up binding of this very user (the browser that signed
/// up while verification was required), that browser is signed in too, in the same
/// transaction. A disabled user's address is verified all the same; nobody is signed
/// in.
pub async fn verify_and_sign_in(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
    binding: Option<&str>,
) -> Result<(User, Option<BrowserSession>), VerifyError> {
    state
        .throttle
        .check_ip(&state.pool, Action::VerifyEmail, client.ip)
        .await?;
    let token_hash = tokens::hash_secret(token);
    let key = state.settings.secret_key.clone();
    let binding = binding.map(str::to_owned);
    let lifetime = session_lifecycle::browser_lifetime(state, true);
    let visitor = client.clone();
    let verified = db::write(&state.pool, move |conn| -> Result<_, VerifyError> {
        let now = db::now();
        let spent = single_use::consume(conn, EmailVerification, &token_hash, now)?;
        let Some((user_id, email)) =
            spent.and_then(|link| link.user_id.map(|id| (id, link.payload.email)))
        else {
            // The same page opens a link to a new address.
            let ip = visitor.ip_text();
            return match email_change::open(conn, &token_hash, ip.as_deref())? {
                Ok(email_change::Opened::Changed(user)) => Ok(Verified::Alone(*user)),
                Ok(email_change::Opened::NotOne) | Err(email_change::Gone) => {
                    Err(VerifyError::InvalidToken)
                }
            };
        };
        // The account's address changed, or it was withdrawn: the token proves
        // nothing about the account any more.
        if users::set_email_verified(conn, &user_id, &email, now)? == 0 {
            return Err(VerifyError::InvalidToken);
        }
        single_use::spend_all_for_user(conn, EmailVerification, &user_id)?;
        let ip = visitor.ip_text();
        audit::record(
            conn,
            &AuditEvent::UserEmailVerified,
            audit::Entry::by_user(&user_id, &email, ip.as_deref()),
        )?;
        let user = users::find_by_id(conn, &user_id)?.ok_or(VerifyError::InvalidToken)?;
        let bound = binding.is_some_and(|b| {
            key.all()
                .any(|key| tokens::is_signup_binding(key, &user.id, &b))
        });
        if !bound {
            return Ok(Verified::Alone(user));
        }
        if user.is_disabled_at(now) {
            return Ok(Verified::Disabled(user));
        }
        decisions::take_turn(conn, Subject::Sessions(&user.id))?;
        let record = SignInRecord::login(SignInMethod::only(FirstFactor::EmailLink));
        let opened =
            session_lifecycle::begin_browser_session(conn, &user, &visitor, lifetime, &record)?;
        Ok(Verified::SignedIn(Box::new(user), opened))
    })
    .await?;
    match verified {
        Verified::Alone(user) => Ok((user, None)),
        Verified::Disabled(user) => Err(Disabled::of(&user).into()),
        Verified::SignedIn(user, opened) => {
            let session = opened.into_cookie(&state.jwt, &user, true)?;
            Ok((*user, Some(session)))
        }
    }
}

/// What a verification link did.
enum Verified {
    /// The address is verified; nobody is signed in.
    Alone(User),
    /// The address is verified, and the account is disabled.
    Disabled(User),
    SignedIn(Box<User>, OpenedSession),
}

/// REQUIRE_EMAIL_VERIFICATION, and the user's address is not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the address is not verified")]
pub struct NotVerified;

/// With REQUIRE_EMAIL_VERIFICATION, an unverified user is refused and sent a fresh
/// link (at most one a minute).
pub fn refuse_unverified(state: &AppState, user: &User, lang: Lang) -> Result<(), NotVerified> {
    if !state.settings.accounts.require_email_verification || user.email_verified {
        return Ok(());
    }
    mail_later(state, user, lang);
    Err(NotVerified)
}
