//! The sign-in's second step, as one use case: the answer to a challenge (a TOTP code
//! or a recovery code) and the session it earns commit in one transaction. A crash,
//! or a failure anywhere in between, leaves the challenge, the code's step and the
//! recovery code as they were and no session: the user answers again. A wrong answer
//! commits too, as an outcome: the answer counted against the challenge and the
//! client, the account's failures, the audit entry.
//!
//! What cannot run inside the transaction runs around it: deriving a recovery code's
//! hash (the hashing threads) before, the wait an account under attack imposes and
//! the security mail after.

use std::time::Duration;

use super::session_lifecycle::{
    self, BrowserSession, OpenedBearer, OpenedSession, SignInRecord, TokenPair,
};
use super::two_factor::{self, Answer, Holder};
use crate::crypto::{recovery_codes, tokens};
use crate::db::decisions::{self, Subject};
use crate::db::users::User;
use crate::db::{self, DbConnection, audit, recovery_codes as codes, single_use, users};
use crate::domain::{
    AuditEvent, ClientInfo, CodeStep, FirstFactor, SecondFactor, SignInMethod, UserId,
};
use crate::failure::{Disabled, Fault, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::AccountLimits;
use crate::mail::SecurityNotice;
use crate::state::AppState;

/// A second step as its holder sent it.
pub struct Step<'a> {
    /// The challenge cookie's value, or a bearer client's `challenge`.
    pub challenge: &'a str,
    pub holder: Holder,
    pub answer: Answer<'a>,
    /// A browser's `rememberMe`, overriding what the first step asked.
    pub remember: Option<bool>,
}

/// Why a second step signed nobody in.
#[derive(Debug, thiserror::Error)]
pub enum SecondStepError {
    /// No live challenge (none, expired, voided, another holder's, or spent by a
    /// racing answer).
    #[error("no live challenge")]
    NoChallenge,
    /// The code or recovery code is wrong, used or out of its window (counted).
    #[error("the code is wrong")]
    WrongCode,
    #[error(transparent)]
    Disabled(#[from] Disabled),
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(SecondStepError, limited);

/// A passed second step: the user, signed in.
pub enum Finished {
    Browser {
        user: Box<User>,
        session: BrowserSession,
    },
    Bearer {
        pair: TokenPair,
    },
}

/// The answer, made ready outside the transaction.
enum Prepared {
    Code(String),
    /// A recovery code's stored forms (salted, and legacy), for the user it was
    /// derived for.
    RecoveryCode {
        user_id: UserId,
        stored: String,
        legacy: String,
    },
    /// A recovery code no code can be (wrong length or letters): wrong, and counted
    /// as such.
    Unreadable,
}

impl Prepared {
    fn factor(&self) -> SecondFactor {
        match self {
            Self::Code(_) => SecondFactor::Totp,
            Self::RecoveryCode { .. } | Self::Unreadable => SecondFactor::RecoveryCode,
        }
    }
}

enum Opened {
    Browser(OpenedSession, bool),
    Bearer(OpenedBearer),
}

enum Outcome {
    /// No live challenge (none, expired, voided, another holder's, or spent by a
    /// racing answer).
    NoChallenge,
    Wrong {
        wait: Duration,
    },
    Passed {
        user: Box<User>,
        wait: Duration,
        opened: Opened,
    },
}

/// What the transaction needs, owned: it runs on the blocking pool.
struct Context {
    token_hash: String,
    holder: Holder,
    remember: Option<bool>,
    answer: Prepared,
    client: ClientInfo,
    limits: AccountLimits,
    key: crate::config::SecretKey,
    lifetimes: (chrono::TimeDelta, chrono::TimeDelta),
    letters: super::notices::Letters,
    lang: Lang,
}

/// Finishes a challenge with a code or a recovery code. No live challenge: 401
/// UNAUTHORIZED. A wrong answer: 400 INVALID_CODE, counted toward the account's
/// failures and audited; five answers void the challenge.
pub async fn finish(
    state: &AppState,
    client: &ClientInfo,
    step: Step<'_>,
    lang: Lang,
) -> Result<Finished, SecondStepError> {
    let token_hash = tokens::hash_secret(step.challenge);
    let answer = prepare(state, &token_hash, step.holder, step.answer).await?;
    let context = Context {
        token_hash,
        holder: step.holder,
        remember: step.remember,
        answer,
        client: client.clone(),
        limits: state.throttle.accounts(),
        key: state.settings.secret_key.clone(),
        letters: super::notices::Letters::new(state),
        lang,
        lifetimes: (
            session_lifecycle::browser_lifetime(state, true),
            session_lifecycle::browser_lifetime(state, false),
        ),
    };
    let outcome = db::write(&state.pool, move |conn| decide(conn, context)).await?;
    match outcome {
        Outcome::NoChallenge => Err(SecondStepError::NoChallenge),
        Outcome::Wrong { wait } => {
            state.metrics.login_failures.inc();
            pause(wait).await;
            Err(SecondStepError::WrongCode)
        }
        Outcome::Passed { user, wait, opened } => {
            pause(wait).await;
            Ok(match opened {
                Opened::Browser(opened, remember) => {
                    let session = opened.into_cookie(&state.jwt, &user, remember)?;
                    Finished::Browser { user, session }
                }
                Opened::Bearer(opened) => {
                    let pair = opened.into_pair(state)?;
                    Finished::Bearer { pair }
                }
            })
        }
    }
}

/// An account under attack takes strangers' answers in turns: the answer is decided
/// at once, and its holder waits for its turn before hearing it.
async fn pause(wait: Duration) {
    if !wait.is_zero() {
        actix_web::rt::time::sleep(wait).await;
    }
}

/// A recovery code is derived (salted by its user) on the hashing threads; that needs
/// the challenge's user, read here without claiming anything.
async fn prepare(
    state: &AppState,
    token_hash: &str,
    holder: Holder,
    answer: Answer<'_>,
) -> Result<Prepared, SecondStepError> {
    let typed = match answer {
        Answer::Code(code) => return Ok(Prepared::Code(code.to_owned())),
        Answer::RecoveryCode(typed) => typed,
    };
    let lookup = token_hash.to_owned();
    let user_id = db::run(&state.pool, move |conn| -> Result<_, Fault> {
        let live = single_use::find(conn, holder, &lookup, db::now())?;
        Ok(live
            .filter(|challenge| challenge.answers < two_factor::MAX_ANSWERS)
            .and_then(|challenge| challenge.user_id))
    })
    .await?
    .ok_or(SecondStepError::NoChallenge)?;
    let Some(normalized) = recovery_codes::normalize(typed) else {
        return Ok(Prepared::Unreadable);
    };
    let legacy = recovery_codes::legacy_hash(&normalized);
    let derived = state
        .hasher
        .derive(
            &format!("user:{user_id}"),
            vec![normalized],
            recovery_codes::salt(&user_id),
            recovery_codes::params(),
        )
        .await?;
    let stored = derived
        .first()
        .map(|d| recovery_codes::stored_form(d))
        .ok_or_else(|| Fault::internal("no recovery code was derived"))?;
    Ok(Prepared::RecoveryCode {
        user_id,
        stored,
        legacy,
    })
}

/// The transaction: claim an answer of the challenge, check it, and either record a
/// wrong one or spend the challenge and open the session.
fn decide(conn: &mut DbConnection, ctx: Context) -> Result<Outcome, SecondStepError> {
    let now = db::now();
    let claimed = single_use::claim_answer(
        conn,
        ctx.holder,
        &ctx.token_hash,
        two_factor::MAX_ANSWERS,
        now,
    )?;
    let Some((user_id, found)) = claimed.and_then(|c| c.user_id.map(|id| (id, c.payload))) else {
        return Ok(Outcome::NoChallenge);
    };
    let Some(user) = users::find_by_id(conn, &user_id)? else {
        return Ok(Outcome::NoChallenge);
    };
    if user.is_disabled_at(now) {
        return Err(Disabled::of(&user).into());
    }
    let email = two_factor::stored_email(&user)?;
    let wait = ctx
        .limits
        .check_login(conn, &email, Some(&user.id), ctx.client.ip, now)?;
    let factor = ctx.answer.factor();
    if !answer_is_right(conn, &ctx, &user)? {
        let audited = Some((CodeStep::SignIn, factor));
        two_factor::record_wrong_code(conn, ctx.limits, &user, &ctx.client, audited)?;
        return Ok(Outcome::Wrong { wait });
    }
    if single_use::take(conn, ctx.holder, &ctx.token_hash)?.is_none() {
        // A racing right answer spent it first: undo this one's spending.
        return Err(SecondStepError::NoChallenge);
    }
    if ctx.limits.enabled() {
        ctx.limits
            .forget_failed_logins(conn, &user.email, ctx.client.ip)?;
    }
    let first = found
        .first_factor
        .unwrap_or_else(|| SignInMethod::only(FirstFactor::Password));
    let method = first.then(factor);
    decisions::take_turn(conn, Subject::Sessions(&user.id))?;
    let opened = match ctx.holder {
        Holder::Browser => {
            let remember = ctx.remember.unwrap_or(found.remember_me);
            let lifetime = if remember {
                ctx.lifetimes.0
            } else {
                ctx.lifetimes.1
            };
            let record = SignInRecord::login(method);
            let opened = session_lifecycle::begin_browser_session(
                conn,
                &user,
                &ctx.client,
                lifetime,
                &record,
            )?;
            Opened::Browser(opened, remember)
        }
        Holder::Bearer => Opened::Bearer(session_lifecycle::begin_bearer_session(
            conn,
            ctx.key.bytes(),
            &user,
            &ctx.client,
            method,
        )?),
    };
    Ok(Outcome::Passed {
        user: Box::new(user),
        wait,
        opened,
    })
}

/// Checks and spends the answer: a code's step is claimed, a recovery code used
/// (and audited).
fn answer_is_right(conn: &mut DbConnection, ctx: &Context, user: &User) -> Result<bool, Fault> {
    match &ctx.answer {
        Prepared::Code(code) => two_factor::claim_code(conn, &ctx.key, &user.id, code),
        Prepared::Unreadable => Ok(false),
        Prepared::RecoveryCode {
            user_id,
            stored,
            legacy,
        } => {
            // Derived for the challenge's user as read before; a challenge is never
            // moved to another user, but the check costs nothing.
            if *user_id != user.id || !codes::consume(conn, &user.id, (stored, legacy), db::now())?
            {
                return Ok(false);
            }
            let ip = ctx.client.ip_text();
            audit::record(
                conn,
                &AuditEvent::UserRecoveryCodeUsed,
                audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
            )?;
            let notice = SecurityNotice::RecoveryCodeUsed;
            ctx.letters.notify(conn, &user.email, ctx.lang, notice)?;
            Ok(true)
        }
    }
}
