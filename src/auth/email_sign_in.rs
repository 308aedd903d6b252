//! Sign-in by email: one mail with a link to the app's page and a six-digit code,
//! both for 10 minutes, either one once (spending one spends the other); five wrong
//! codes void it; one mail per address a minute. The request is answered before the
//! address is looked at, so the answer says nothing about it. Opening the link or
//! giving the code proves the address: an address without an account gets one
//! (verified, no password) unless EMAIL_SIGN_IN_CREATES_USERS=false, and an account
//! whose address was never proven is taken over cleanly, as a provider's sign-in does.

use chrono::TimeDelta;
use subtle::ConstantTimeEq;

use super::notices::Letters;
use super::session_lifecycle::{self, BrowserSession, OpenedSession, SignIn, SignInRecord};
use super::two_factor::{self, Holder};
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::single_use::{self, EmailSignInCode, EmailSignInLink, SignInCode, SignInLink};
use crate::db::{self, DbConnection, audit, users, users::User};
use crate::domain::{AuditEvent, ClientInfo, Email, FirstFactor, Removed, SignInMethod};
use crate::failure::{Disabled, Fault, LimitError, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::{Action, MailKind};
use crate::state::AppState;

/// How long the link and the code work.
pub const LIFETIME: TimeDelta = TimeDelta::minutes(10);

/// Wrong codes before the mail's code and link are void.
const MAX_CODE_ANSWERS: i32 = 5;

/// Why a link or a code signed nobody in.
#[derive(Debug, thiserror::Error)]
pub enum EmailSignInError {
    /// The link is unknown, used or expired.
    #[error("the sign-in link is not valid")]
    InvalidToken,
    /// The code is wrong, used, expired or voided; or the address has no account and
    /// sign-in by email makes none.
    #[error("the sign-in code is not right")]
    InvalidCode,
    #[error(transparent)]
    Disabled(#[from] Disabled),
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(EmailSignInError, limited);

/// /sign-in/email: answered at once, the same way whatever the address; the count,
/// the mail and its link and code come after the answer (as for forgot-password).
pub fn request(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    callback: Option<url::Url>,
    lang: Lang,
) -> Result<(), LimitError> {
    super::after_answer::count_after_answer(
        state,
        Action::EmailSignIn,
        client.ip,
        "email sign-in request",
        move |state| async move { mail(&state, email, callback, lang).await },
    )
}

async fn mail(
    state: &AppState,
    email: Email,
    callback: Option<url::Url>,
    lang: Lang,
) -> Result<(), Fault> {
    let token = tokens::new_secret();
    let link_hash = tokens::hash_secret(&token);
    let code = tokens::new_code();
    let key = state.settings.secret_key.clone();
    let creates_users = state.settings.accounts.email_sign_in_creates_users;
    let limits = state.throttle.accounts();
    let letters = Letters::new(state);
    // One transaction: the mail's count, the link and code (replacing the address's
    // earlier ones), and the mail.
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let now = db::now();
        if !limits.mail_allowed(conn, MailKind::SignIn, email.as_str(), now)? {
            return Ok(());
        }
        // No mail that could not sign anyone in.
        if !creates_users && users::find_by_email(conn, email.as_str())?.is_none() {
            return Ok(());
        }
        let slot = tokens::sign_in_code_slot(key.bytes(), email.as_str());
        if let Some(earlier) = single_use::take(conn, EmailSignInCode, &slot)? {
            single_use::take(conn, EmailSignInLink, &earlier.payload.link_hash)?;
        }
        let link = SignInLink {
            email: email.as_str().to_owned(),
            code_slot: slot.clone(),
        };
        let end = now + LIFETIME;
        single_use::insert(conn, EmailSignInLink, &link_hash, None, &link, now, end)?;
        let code_row = SignInCode {
            code_hash: tokens::hash_sign_in_code(key.bytes(), email.as_str(), &code),
            link_hash,
        };
        single_use::insert(conn, EmailSignInCode, &slot, None, &code_row, now, end)?;
        let to = email.as_str();
        letters.mail_sign_in(conn, to, lang, &token, &code, callback.as_ref())?;
        Ok(())
    })
    .await
}

/// What the browser presents: the link's token, or the address and the code.
pub enum Proof {
    Link(String),
    Code { email: Email, code: String },
}

/// /sign-in/email/verify: spends the link or the code and signs the browser in (or
/// starts the second factor's challenge), in one transaction with the account made
/// or taken over, the address verified and the audit entries.
pub async fn verify(
    state: &AppState,
    client: &ClientInfo,
    proof: Proof,
    remember: bool,
) -> Result<SignIn<(User, BrowserSession)>, EmailSignInError> {
    state
        .throttle
        .check_ip(&state.pool, Action::EmailSignInVerify, client.ip)
        .await?;
    let key = state.settings.secret_key.clone();
    let landing = LandingRules {
        creates_users: state.settings.accounts.email_sign_in_creates_users,
        lifetime: session_lifecycle::browser_lifetime(state, remember),
        remember,
        visitor: client.clone(),
    };
    let landed = db::write(&state.pool, move |conn| -> Result<_, EmailSignInError> {
        let now = db::now();
        let (email, factor) = match proof {
            Proof::Link(token) => {
                let link_hash = tokens::hash_secret(&token);
                let link = single_use::consume(conn, EmailSignInLink, &link_hash, now)?
                    .ok_or(EmailSignInError::InvalidToken)?;
                single_use::take(conn, EmailSignInCode, &link.payload.code_slot)?;
                (link.payload.email, FirstFactor::MagicLink)
            }
            Proof::Code { email, code } => {
                let slot = tokens::sign_in_code_slot(key.bytes(), email.as_str());
                // The try is counted first, in one statement: of codes racing in
                // parallel at most five are ever compared.
                let Some(pending) =
                    single_use::claim_answer(conn, EmailSignInCode, &slot, MAX_CODE_ANSWERS, now)?
                else {
                    return Ok(Landed::WrongCode);
                };
                let given = tokens::hash_sign_in_code(key.bytes(), email.as_str(), &code);
                let right: bool = given
                    .as_bytes()
                    .ct_eq(pending.payload.code_hash.as_bytes())
                    .into();
                if !right {
                    // Committed: the try stays counted.
                    return Ok(Landed::WrongCode);
                }
                single_use::take(conn, EmailSignInCode, &slot)?;
                single_use::take(conn, EmailSignInLink, &pending.payload.link_hash)?;
                (email.as_str().to_owned(), FirstFactor::EmailCode)
            }
        };
        landing.land(conn, &email, factor, now)
    })
    .await?;
    match landed {
        Landed::WrongCode => Err(EmailSignInError::InvalidCode),
        Landed::Challenge(pending) => Ok(SignIn::SecondFactor(pending)),
        Landed::Session(user, opened) => {
            let session = opened.into_cookie(&state.jwt, &user, remember)?;
            Ok(SignIn::Complete((*user, session)))
        }
    }
}

/// What the transaction left the browser with.
enum Landed {
    WrongCode,
    Challenge(two_factor::Pending),
    Session(Box<User>, OpenedSession),
}

/// How a proven address signs in, moved into the transaction.
struct LandingRules {
    creates_users: bool,
    lifetime: TimeDelta,
    remember: bool,
    visitor: ClientInfo,
}

impl LandingRules {
    fn land(
        &self,
        conn: &mut DbConnection,
        email: &str,
        factor: FirstFactor,
        now: chrono::NaiveDateTime,
    ) -> Result<Landed, EmailSignInError> {
        let method = SignInMethod::only(factor);
        let ip = self.visitor.ip_text();
        let user = match users::find_by_email(conn, email)? {
            Some(user) if user.is_disabled_at(now) => return Err(Disabled::of(&user).into()),
            Some(user) if user.email_verified => user,
            Some(unproven) => take_over(conn, unproven, ip.as_deref(), now)?,
            None if self.creates_users => {
                let parsed = Email::parse(email)
                    .map_err(|_| Fault::internal("a stored sign-in address does not parse"))?;
                let user = User {
                    email_verified: true,
                    ..User::new_member(&parsed, now)
                };
                users::insert(conn, &users::NewUser::from(&user))?;
                let event = AuditEvent::UserSignup {
                    method: method.clone(),
                };
                let entry = audit::Entry::by_user(&user.id, &user.email, ip.as_deref());
                audit::record(conn, &event, entry)?;
                user
            }
            None => return Err(EmailSignInError::InvalidCode),
        };
        if user.two_factor_enabled_at.is_some() {
            let pending =
                two_factor::challenge(conn, &user, Holder::Browser, self.remember, &method)?;
            return Ok(Landed::Challenge(pending));
        }
        decisions::take_turn(conn, Subject::Sessions(&user.id))?;
        let record = SignInRecord::login(method);
        let opened = session_lifecycle::begin_browser_session(
            conn,
            &user,
            &self.visitor,
            self.lifetime,
            &record,
        )?;
        Ok(Landed::Session(Box::new(user), opened))
    }
}

/// The owner of the address signs in to an account someone made with it and never
/// proved: whoever made it loses every way in (password, sessions, factors, passkeys,
/// providers), audited, and the address is verified.
fn take_over(
    conn: &mut DbConnection,
    unproven: User,
    ip: Option<&str>,
    now: chrono::NaiveDateTime,
) -> Result<User, Fault> {
    decisions::take_turn(conn, Subject::Sessions(&unproven.id))?;
    decisions::take_turn(conn, Subject::SignInMethods(&unproven.id))?;
    let stripped = users::strip_unproven(conn, &unproven, now)?;
    users::set_email_verified(conn, &unproven.id, &unproven.email, now)?;
    let event = AuditEvent::UserAccountReclaimed {
        provider: "email".to_owned(),
        removed: Removed::from(stripped),
    };
    let entry = audit::Entry::by_user(&unproven.id, &unproven.email, ip);
    audit::record(conn, &event, entry)?;
    users::find_by_id(conn, &unproven.id)?
        .ok_or_else(|| Fault::internal("the account taken over is gone"))
}
