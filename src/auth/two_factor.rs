//! The TOTP second factor and its recovery codes: setting one up (a secret that waits
//! for its first code), turning it on (ten recovery codes, shown once), off, new
//! codes; and the sign-in step in between the password and the session, held by a
//! challenge of five minutes that five answers void.
//!
//! Every code check is counted before it is made, in one statement that racing
//! requests cannot slip past: against the challenge (a sign-in), or the session (a
//! signed-in user proving it is them), and against this client's attempts on the
//! account (429 past the login limit). A wrong code also counts toward the account's
//! failures like a wrong password, and is audited.

use chrono::TimeDelta;

use super::credentials::{self, ConfirmError};
use super::{acting, notices};
use crate::crypto::{recovery_codes, sealed, tokens, totp};
use crate::db::users::User;
use crate::db::{
    self, DbConnection, audit, recovery_codes as codes, single_use, two_factor as secrets, users,
};
use crate::domain::{AuditEvent, ClientInfo, CodeStep, SecondFactor, SessionId, SignInMethod};
use crate::failure::{Fault, Invalid, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::AccountLimits;
use crate::mail::SecurityNotice;
use crate::state::AppState;

/// How long a sign-in waits for its code.
pub const CHALLENGE_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// How long a set-up secret waits for its first code.
const SETUP_LIFETIME: TimeDelta = TimeDelta::minutes(15);
/// What the sealing key is derived for.
pub(crate) const SEAL_PURPOSE: &[u8] = b"totp secret";

/// Why a change to the second factor was not made.
#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    /// No proof sent, or no set-up waiting for its first code.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The password is wrong, or missing where the account has one, or sent where it
    /// has none.
    #[error("the password is wrong or not the proof this account gives")]
    WrongPassword,
    /// A user without a password turning the factor off from a session that did not
    /// sign in recently.
    #[error("the session did not sign in recently enough")]
    ReauthenticationRequired,
    /// The code is wrong, used, out of its window, or its secret cannot be opened.
    #[error("the code is wrong")]
    WrongCode,
    /// Two-step verification is not on: nothing to turn off or make codes for.
    #[error("two-step verification is not on")]
    NotOn,
    /// The user is gone (withdrawn meanwhile).
    #[error("the user is gone")]
    UserGone,
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(TwoFactorError, limited);

impl From<ConfirmError> for TwoFactorError {
    fn from(error: ConfirmError) -> Self {
        match error {
            ConfirmError::WrongPassword => Self::WrongPassword,
            ConfirmError::ReauthenticationRequired => Self::ReauthenticationRequired,
            ConfirmError::Limited(limited) => Self::Limited(limited),
            ConfirmError::Fault(fault) => Self::Fault(fault),
        }
    }
}

/// What `/setup` hands back: the secret three ways.
pub struct Setup {
    pub secret_base32: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

/// How the user proves it is them before a change to the factor: their password, or
/// (for a user without one) a current code.
pub enum Proof<'a> {
    Password(&'a str),
    Code(&'a str),
}

impl<'a> Proof<'a> {
    /// The proof `user` must give from what was sent: the password when they have one
    /// (a code alone will not do: a session could otherwise guess the factor away),
    /// else a code. Neither: VALIDATION_ERROR; the other one: INVALID_PASSWORD (a code
    /// is no password; a password cannot be right for an account without one).
    pub fn required_of(
        user: &User,
        password: Option<&'a str>,
        code: Option<&'a str>,
    ) -> Result<Self, TwoFactorError> {
        let password = password.filter(|p| !p.is_empty());
        let code = code.filter(|c| !c.trim().is_empty());
        match (user.password_hash.is_some(), password, code) {
            (_, None, None) => Err(Invalid {
                field: "password",
                problem: "is required (or `code`, for an account without a password)",
            }
            .into()),
            (true, Some(password), _) => Ok(Proof::Password(password)),
            (false, _, Some(code)) => Ok(Proof::Code(code)),
            // A code is no password; a password cannot be right for an account
            // without one.
            (true, None, Some(_)) | (false, Some(_), None) => Err(TwoFactorError::WrongPassword),
        }
    }
}

/// A second-factor answer at sign-in.
pub enum Answer<'a> {
    Code(&'a str),
    RecoveryCode(&'a str),
}

/// Who finishes a challenge: a browser (cookie) or a bearer client (token pair);
/// each holds its own kind of token.
pub use crate::db::single_use::TwoFactorChallenge as Holder;

/// Answers a challenge has checked before it is void. An answer is counted as it is
/// claimed, before it is checked, and a right one spends the challenge, so what a
/// live challenge counts are wrong answers and ones in flight.
pub const MAX_ANSWERS: i32 = 5;

/// A sign-in that passed its first factor: the value its holder presents to finish
/// it (the `two_factor` cookie, or a bearer client's `challenge`).
pub struct Pending {
    pub challenge: String,
}

fn seal(state: &AppState, secret: &[u8]) -> Result<String, Fault> {
    sealed::seal(state.settings.secret_key.bytes(), SEAL_PURPOSE, secret)
        .ok_or_else(|| Fault::internal("sealing the TOTP secret failed"))
}

/// The secret, or None when this SECRET_KEY did not seal it (the key changed: the
/// factor cannot be checked any more; recovery codes still work).
fn open(key: &crate::config::SecretKey, sealed_secret: &str) -> Option<Vec<u8>> {
    let secret = sealed::open_any(key, SEAL_PURPOSE, sealed_secret);
    if secret.is_none() {
        log::error!(
            "a TOTP secret cannot be opened: it was sealed under a key neither SECRET_KEY nor PREVIOUS_SECRET_KEYS holds; the user needs a recovery code or an operator's reset"
        );
    }
    secret
}

/// Ten new recovery codes for `user_id`, and what is stored of them (derived on the
/// hashing threads, never on a worker).
async fn fresh_recovery_codes(
    state: &AppState,
    user_id: &str,
) -> Result<(Vec<String>, Vec<String>), Fault> {
    let plain = recovery_codes::generate();
    let normalized = plain
        .iter()
        .filter_map(|c| recovery_codes::normalize(c))
        .collect();
    let derived = state
        .hasher
        .derive(
            &format!("user:{user_id}"),
            normalized,
            recovery_codes::salt(user_id),
            recovery_codes::params(),
        )
        .await?;
    let stored = derived
        .iter()
        .map(|d| recovery_codes::stored_form(d))
        .collect();
    Ok((plain, stored))
}

/// A fresh secret waiting for its first code. A user with a password confirms it.
pub async fn setup(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    password: Option<&str>,
) -> Result<Setup, TwoFactorError> {
    if user.password_hash.is_some() {
        let password = password.ok_or(TwoFactorError::WrongPassword)?;
        credentials::confirm(state, client, user, session_id, password).await?;
    }
    let secret = totp::new_secret();
    let issuer = &state.settings.accounts.second_factor_issuer;
    let (secret_base32, otpauth_uri) = totp::base32(&secret)
        .zip(totp::otpauth_uri(&secret, issuer, &user.email))
        .ok_or_else(|| Fault::internal("the TOTP secret could not be encoded"))?;
    let qr_svg = totp::qr_svg(&otpauth_uri)
        .ok_or_else(|| Fault::internal("the QR code could not be drawn"))?;
    let sealed_secret = seal(state, &secret)?;
    let user_id = user.id.clone();
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        Ok(secrets::set_pending(
            conn,
            &user_id,
            &sealed_secret,
            db::now(),
        )?)
    })
    .await?;
    Ok(Setup {
        secret_base32,
        otpauth_uri,
        qr_svg,
    })
}

/// Turns the factor on with the first code of the pending secret; returns the ten
/// recovery codes (the only time they are shown).
pub async fn enable(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    code: &str,
    lang: Lang,
) -> Result<(User, Vec<String>), TwoFactorError> {
    let user_id = user.id.clone();
    let pending = db::run(&state.pool, move |conn| -> Result<_, Fault> {
        Ok(secrets::pending(conn, &user_id)?)
    })
    .await?;
    let Some((sealed_secret, _)) = pending.filter(|(_, at)| *at + SETUP_LIFETIME > db::now())
    else {
        return Err(Invalid {
            field: "code",
            problem: "no set-up is waiting: call /two-factor/setup first",
        }
        .into());
    };
    let secret =
        open(&state.settings.secret_key, &sealed_secret).ok_or(TwoFactorError::WrongCode)?;
    let now = db::now();
    let step = totp::matching_step(&secret, code, now.and_utc().timestamp(), None)
        .ok_or(TwoFactorError::WrongCode)?;
    let (plain, hashes) = fresh_recovery_codes(state, &user.id).await?;
    let letters = notices::Letters::new(state);
    let updated = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, TwoFactorError> {
            secrets::activate(conn, &me.user.id, &sealed_secret, step, now)?;
            codes::replace_all(conn, &me.user.id, &hashes, now)?;
            audit::record(conn, &AuditEvent::UserTwoFactorEnabled, me.entry())?;
            letters.notify(conn, &me.user.email, lang, SecurityNotice::TwoFactorEnabled)?;
            users::find_by_id(conn, &me.user.id)?.ok_or(TwoFactorError::UserGone)
        },
    )
    .await?;
    Ok((updated, plain))
}

/// Checks a proof of the signed-in user before a change to the factor. A code is
/// counted against the session and this client, checked and claimed, and a wrong one
/// recorded, in one transaction.
async fn check_proof(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    proof: Proof<'_>,
) -> Result<(), TwoFactorError> {
    let code = match proof {
        Proof::Password(password) => {
            return Ok(credentials::confirm(state, client, user, session_id, password).await?);
        }
        Proof::Code(code) => code.to_owned(),
    };
    let limits = state.throttle.accounts();
    let key = state.settings.secret_key.clone();
    let session = session_id.to_owned();
    let right = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, TwoFactorError> {
            let email = stored_email(&me.user)?;
            limits.count_code_attempt(conn, &email, me.client.ip, &session, db::now())?;
            if claim_code(conn, &key, &me.user.id, &code)? {
                return Ok(true);
            }
            let audited = (CodeStep::Proof, SecondFactor::Totp);
            record_wrong_code(conn, limits, &me.user, &me.client, Some(audited))?;
            Ok(false)
        },
    )
    .await?;
    if right {
        return Ok(());
    }
    state.metrics.login_failures.inc();
    Err(TwoFactorError::WrongCode)
}

/// The panel sign-in's code step, after its password (which counted this client's
/// attempt): whether `code` is the user's current code, claiming it; a wrong one
/// counts toward the account's failures (the panel audits the attempt itself).
pub async fn check_sign_in_code(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    code: &str,
) -> Result<bool, Fault> {
    let limits = state.throttle.accounts();
    let key = state.settings.secret_key.clone();
    let code = code.to_owned();
    let right = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, Fault> {
            if claim_code(conn, &key, &me.user.id, &code)? {
                return Ok(true);
            }
            record_wrong_code(conn, limits, &me.user, &me.client, None)?;
            Ok(false)
        },
    )
    .await?;
    if !right {
        state.metrics.login_failures.inc();
    }
    Ok(right)
}

/// Inside the caller's transaction: a wrong code counts as a wrong password does
/// (the account's failures) and, with `audited`, is audited with where it was given
/// and of which kind. The caller counts the failure metric once this commits.
pub(super) fn record_wrong_code(
    conn: &mut DbConnection,
    limits: AccountLimits,
    user: &User,
    client: &ClientInfo,
    audited: Option<(CodeStep, SecondFactor)>,
) -> Result<(), Fault> {
    limits.record_failed_login(conn, &stored_email(user)?, db::now())?;
    if let Some((step, factor)) = audited {
        let ip = client.ip_text();
        audit::record(
            conn,
            &AuditEvent::UserSecondFactorFailed { step, factor },
            audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
        )?;
    }
    Ok(())
}

pub(super) fn stored_email(user: &User) -> Result<crate::domain::Email, Fault> {
    crate::domain::Email::parse(&user.email)
        .map_err(|_| Fault::internal("a stored address does not parse"))
}

/// Inside the caller's transaction: whether `code` is the user's current code,
/// claiming its step (once, across every instance).
pub(super) fn claim_code(
    conn: &mut DbConnection,
    key: &crate::config::SecretKey,
    user_id: &str,
    code: &str,
) -> Result<bool, Fault> {
    let Some((sealed_secret, last_step)) = secrets::active(conn, user_id)? else {
        return Ok(false);
    };
    let Some(secret) = open(key, &sealed_secret) else {
        return Ok(false);
    };
    let now = db::now().and_utc().timestamp();
    let Some(step) = totp::matching_step(&secret, code, now, last_step) else {
        return Ok(false);
    };
    Ok(secrets::claim_step(conn, user_id, step)?)
}

/// Turns the factor off (password, or a code for a user without one).
pub async fn disable(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    proof: Proof<'_>,
    lang: Lang,
) -> Result<User, TwoFactorError> {
    if user.two_factor_enabled_at.is_none() {
        // Nothing to turn off or make codes for.
        return Err(TwoFactorError::NotOn);
    }
    // Without a password a code alone is not enough: whoever holds the session and
    // the phone must also have signed in lately.
    if user.password_hash.is_none() {
        credentials::recent_sign_in(state, session_id).await?;
    }
    check_proof(state, client, user, session_id, proof).await?;
    let letters = notices::Letters::new(state);
    let updated = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, TwoFactorError> {
            secrets::remove(conn, &me.user.id, db::now())?;
            audit::record(conn, &AuditEvent::UserTwoFactorDisabled, me.entry())?;
            letters.notify(
                conn,
                &me.user.email,
                lang,
                SecurityNotice::TwoFactorDisabled,
            )?;
            users::find_by_id(conn, &me.user.id)?.ok_or(TwoFactorError::UserGone)
        },
    )
    .await?;
    Ok(updated)
}

/// Ten new recovery codes; the old ones stop working.
pub async fn new_recovery_codes(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    proof: Proof<'_>,
    lang: Lang,
) -> Result<Vec<String>, TwoFactorError> {
    if user.two_factor_enabled_at.is_none() {
        // Nothing to turn off or make codes for.
        return Err(TwoFactorError::NotOn);
    }
    check_proof(state, client, user, session_id, proof).await?;
    let (plain, hashes) = fresh_recovery_codes(state, &user.id).await?;
    let letters = notices::Letters::new(state);
    acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, TwoFactorError> {
            codes::replace_all(conn, &me.user.id, &hashes, db::now())?;
            audit::record(conn, &AuditEvent::UserRecoveryCodesRenewed, me.entry())?;
            let notice = SecurityNotice::RecoveryCodesRenewed;
            letters.notify(conn, &me.user.email, lang, notice)?;
            Ok(())
        },
    )
    .await?;
    Ok(plain)
}

/// After the first factor (`first`: how it was proven): a challenge for `user`, held
/// by a browser or a bearer client.
pub fn challenge(
    conn: &mut DbConnection,
    user: &User,
    holder: Holder,
    remember: bool,
    first: &SignInMethod,
) -> Result<Pending, Fault> {
    let challenge = tokens::new_secret();
    let now = db::now();
    let challenged = single_use::Challenged {
        remember_me: remember,
        first_factor: Some(first.clone()),
    };
    single_use::insert(
        conn,
        holder,
        &tokens::hash_secret(&challenge),
        Some(&user.id),
        &challenged,
        now,
        now + CHALLENGE_LIFETIME,
    )?;
    Ok(Pending { challenge })
}
