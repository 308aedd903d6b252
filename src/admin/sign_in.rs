//! The operator's sign-in and sign-out: the password check the API uses, an audit
//! entry for every attempt, and the rule that only operators get in.

use crate::auth::credentials::{self, SignInError};
use crate::auth::two_factor;
use crate::crypto::tokens;
use crate::db::{self, DbError, Pool, audit, form_tokens, users, users::User};
use crate::domain::{AuditEvent, ClientInfo, Email};
use crate::failure::Fault;
use crate::state::AppState;

/// How a sign-in ended.
#[derive(Debug)]
pub enum OperatorSignIn {
    /// An operator: the panel's session starts.
    Operator(Box<User>),
    /// The right password of an account that is not an operator.
    NotOperator,
    /// An operator with a second factor, and no code (or a wrong one) given.
    CodeNeeded {
        wrong: bool,
    },
    /// ADMIN_REQUIRE_TWO_FACTOR, and this operator has no second factor.
    TwoFactorRequired,
    Refused(LoginRefusal),
}

/// Why the password check refused, in the words the login page uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    WrongCredentials,
    Disabled,
    RateLimited,
}

/// Checks the credentials under the API's limits, then an operator's second factor
/// (`code`), and records the attempt.
pub async fn sign_in(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    password: &str,
    code: Option<&str>,
) -> Result<OperatorSignIn, Fault> {
    let attempted = email.as_str().to_owned();
    let checked = credentials::check(state, client, email, password).await;
    let (outcome, event, actor) = match checked {
        Ok(user) if user.is_admin() && user.two_factor_enabled_at.is_some() => {
            let id = user.id.clone();
            match code.map(str::trim).filter(|c| !c.is_empty()) {
                // Asked for, not yet given: nothing to record.
                None => return Ok(OperatorSignIn::CodeNeeded { wrong: false }),
                Some(code)
                    if two_factor::check_sign_in_code(state, client, &user, code).await? =>
                {
                    (
                        OperatorSignIn::Operator(Box::new(user)),
                        AuditEvent::AdminLogin,
                        Some(id),
                    )
                }
                Some(_) => (
                    OperatorSignIn::CodeNeeded { wrong: true },
                    AuditEvent::AdminLoginFailed,
                    Some(id),
                ),
            }
        }
        Ok(user) if user.is_admin() && state.settings.admin.require_two_factor => (
            OperatorSignIn::TwoFactorRequired,
            AuditEvent::AdminLoginRefused,
            Some(user.id),
        ),
        Ok(user) if user.is_admin() => {
            let id = user.id.clone();
            (
                OperatorSignIn::Operator(Box::new(user)),
                AuditEvent::AdminLogin,
                Some(id),
            )
        }
        Ok(user) => (
            OperatorSignIn::NotOperator,
            AuditEvent::AdminLoginRefused,
            Some(user.id),
        ),
        // Refused by a limit: counted (the 429 in the request metrics), not written,
        // or a flood would grow the log without bound.
        Err(SignInError::Limited(_)) => {
            return Ok(OperatorSignIn::Refused(LoginRefusal::RateLimited));
        }
        Err(SignInError::Fault(fault)) => return Err(fault),
        Err(SignInError::WrongCredentials) => (
            OperatorSignIn::Refused(LoginRefusal::WrongCredentials),
            AuditEvent::AdminLoginFailed,
            None,
        ),
        Err(SignInError::Disabled(_)) => (
            OperatorSignIn::Refused(LoginRefusal::Disabled),
            AuditEvent::AdminLoginFailed,
            None,
        ),
    };
    // Signed in with everything it takes: this client's attempts are forgotten (a
    // right password alone, with the code still to come, forgets nothing), with the
    // attempt's audit entry.
    let forget = match &outcome {
        OperatorSignIn::Operator(user) => Some(user.email.clone()),
        _ => None,
    };
    let (limits, ip, address) = (state.throttle.accounts(), client.ip_text(), client.ip);
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        if let Some(email) = forget {
            limits.forget_failed_logins_if_enabled(conn, &email, address)?;
        }
        let entry = audit::Entry::by(actor.as_deref(), Some(&attempted), ip.as_deref());
        Ok(audit::record(conn, &event, entry)?)
    })
    .await?;
    Ok(outcome)
}

/// Records the operator's sign-out (the caller ends the panel session).
pub async fn sign_out(pool: &Pool, operator_id: String, ip: Option<String>) -> Result<(), DbError> {
    db::write(pool, move |conn| {
        let email = users::find_by_id(conn, &operator_id)?.map(|user| user.email);
        let entry = audit::Entry::by(Some(&operator_id), email.as_deref(), ip.as_deref());
        Ok(audit::record(conn, &AuditEvent::AdminLogout, entry)?)
    })
    .await
}

/// The signed-in operator's account, if it may still use the panel.
#[derive(Debug)]
pub enum OperatorCheck {
    Allowed(Box<User>),
    /// Withdrawn or gone: sign in again.
    Gone,
    /// No longer an operator, or disabled since.
    Forbidden,
}

pub async fn check_operator(pool: &Pool, user_id: String) -> Result<OperatorCheck, DbError> {
    let user = db::run(pool, move |conn| -> Result<_, DbError> {
        Ok(users::find_by_id(conn, &user_id)?)
    })
    .await?;
    Ok(match user.filter(|u| u.deleted_at.is_none()) {
        None => OperatorCheck::Gone,
        Some(user) if !user.is_admin() || user.is_disabled_at(db::now()) => {
            OperatorCheck::Forbidden
        }
        Some(user) => OperatorCheck::Allowed(Box::new(user)),
    })
}

/// Spends a login form token; false when it was spent already (a replayed form).
pub async fn spend_form_token(
    pool: &Pool,
    token: &str,
    expires_at: chrono::NaiveDateTime,
) -> Result<bool, DbError> {
    let hash = tokens::hash_secret(token);
    db::run(pool, move |conn| {
        Ok(form_tokens::spend(conn, &hash, expires_at)?)
    })
    .await
}
