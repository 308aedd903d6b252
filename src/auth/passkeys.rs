//! Passkeys: registering one (signed in), listing, renaming and removing them, and
//! signing in with one. Each ceremony is a row between its options and its answer,
//! held by a cookie of the browser that asked, so it is single use, lasts five
//! minutes and finishes on any instance. A passkey proves possession and user
//! verification at once, so its sign-in asks for no second factor.

use chrono::TimeDelta;
use serde_json::Value;

use super::acting;
use super::email_verification::NotVerified;
use super::session_lifecycle::{self, BrowserSession, SignInRecord};
use crate::crypto::passkey::{self, CEREMONY_LIFETIME, PasskeyError, RelyingParty};
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::passkeys::{NewPasskey, PasskeyInfo};
use crate::db::single_use::{self, CeremonyPurpose, PasskeyCeremony};
use crate::db::users::User;
use crate::db::{self, audit, passkeys, sessions, users};
use crate::domain::SessionEndReason;
use crate::domain::{AuditEvent, ClientInfo, Email, PasskeyId, PasskeyRemoval, SessionId, UserId};
use crate::failure::{Disabled, Fault, Invalid, Limited, fails_underneath};
use crate::i18n::Lang;
use crate::limits::throttle::Action;
use crate::mail::SecurityNotice;
use crate::state::AppState;

/// The longest passkey name, in characters.
const MAX_NAME: usize = 64;

/// Why a passkey was not registered, changed, removed or signed in with.
#[derive(Debug, thiserror::Error)]
pub enum PasskeysError {
    /// The ceremony or the authenticator's answer is refused (passkeys off, no live
    /// ceremony, a failed check); why is for the log only.
    #[error("passkey refused: {0}")]
    Failed(String),
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The user has no passkey with this id.
    #[error("no such passkey")]
    NotFound,
    /// It is the user's only way to sign in.
    #[error("the user's last way to sign in")]
    LastSignInMethod,
    /// No (live) account has a passkey with this credential id.
    #[error("no passkey has this credential id")]
    UnknownCredential,
    #[error(transparent)]
    NotVerified(#[from] NotVerified),
    #[error(transparent)]
    Disabled(#[from] Disabled),
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(PasskeysError, limited);

/// Options for the browser, and the value of the cookie that holds the ceremony.
pub struct CeremonyStarted {
    pub options: Value,
    pub ceremony: String,
}

fn relying_party(state: &AppState) -> Result<&RelyingParty, PasskeysError> {
    state
        .passkeys
        .as_ref()
        .ok_or_else(|| failed("passkeys are off: no relying party is configured (WEBAUTHN_RP_ID)"))
}

/// Refused, with the reason for the log only.
fn failed(reason: impl Into<String>) -> PasskeysError {
    PasskeysError::Failed(reason.into())
}

fn refused(error: PasskeyError) -> PasskeysError {
    match error {
        PasskeyError::State(_) => Fault::internal(error).into(),
        other => failed(other.to_string()),
    }
}

fn lifetime() -> TimeDelta {
    TimeDelta::from_std(CEREMONY_LIFETIME).unwrap_or(TimeDelta::minutes(5))
}

/// A name for a passkey: trimmed, 1 to 64 characters, no control characters.
pub fn valid_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Invalid {
            field: "name",
            problem: "must be 1 to 64 characters, without control characters",
        });
    }
    Ok(name.to_owned())
}

async fn begin(
    state: &AppState,
    purpose: CeremonyPurpose,
    user_id: Option<UserId>,
    ceremony_state: String,
) -> Result<String, Fault> {
    let ceremony = tokens::new_secret();
    let token_hash = tokens::hash_secret(&ceremony);
    let payload = single_use::Ceremony {
        purpose,
        state: ceremony_state,
    };
    db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let now = db::now();
        let end = now + lifetime();
        let user = user_id.as_deref();
        Ok(single_use::insert(
            conn,
            PasskeyCeremony,
            &token_hash,
            user,
            &payload,
            now,
            end,
        )?)
    })
    .await?;
    Ok(ceremony)
}

/// A spent ceremony: whose it was, and webauthn-rs's state of it.
struct Taken {
    purpose: CeremonyPurpose,
    user_id: Option<UserId>,
    state: String,
}

/// Spends the ceremony the cookie holds; whatever follows, it cannot be answered again.
async fn take(
    state: &AppState,
    ceremony: Option<&str>,
    purposes: &'static [CeremonyPurpose],
) -> Result<Taken, PasskeysError> {
    let Some(ceremony) = ceremony else {
        return Err(no_ceremony_cookie());
    };
    let token_hash = tokens::hash_secret(ceremony);
    // The spend commits whatever the answer: the inner result is the refusal, if any.
    db::write(&state.pool, move |conn| {
        take_in(conn, &token_hash, purposes)
    })
    .await?
}

fn no_ceremony_cookie() -> PasskeysError {
    failed("no ceremony cookie: the options were asked for in another browser, or not at all")
}

/// Inside the caller's transaction: spends the ceremony with this hash and says
/// whether it may be answered (live, and of one of `purposes`).
fn take_in(
    conn: &mut db::DbConnection,
    token_hash: &str,
    purposes: &[CeremonyPurpose],
) -> Result<Result<Taken, PasskeysError>, Fault> {
    let taken = single_use::take(conn, PasskeyCeremony, token_hash)?;
    Ok(match taken {
        None => Err(failed(
            "no such ceremony: already answered, or never started",
        )),
        Some(c) if c.expires_at <= db::now() => Err(failed("the ceremony expired (5 minutes)")),
        Some(c) if !purposes.contains(&c.payload.purpose) => Err(failed(format!(
            "the ceremony was a {}, not a {}",
            c.payload.purpose,
            purposes
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
        Some(c) => Ok(Taken {
            purpose: c.payload.purpose,
            user_id: c.user_id,
            state: c.payload.state,
        }),
    })
}

/// Creation options for a new passkey of the signed-in user.
pub async fn registration_options(
    state: &AppState,
    user: &User,
) -> Result<CeremonyStarted, PasskeysError> {
    let rp = relying_party(state)?.clone();
    let user_id = user.id.clone();
    let existing = db::run(&state.pool, move |conn| -> Result<_, Fault> {
        Ok(passkeys::credential_ids_of(conn, &user_id)?)
    })
    .await?;
    let display = user.name.clone().unwrap_or_else(|| user.email.clone());
    let (options, ceremony_state) = rp
        .registration_options(&user.id, &user.email, &display, &existing)
        .map_err(refused)?;
    let ceremony = begin(
        state,
        CeremonyPurpose::Register,
        Some(user.id.clone()),
        ceremony_state,
    )
    .await?;
    Ok(CeremonyStarted { options, ceremony })
}

/// Checks the authenticator's answer and stores the passkey.
pub async fn register(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    ceremony: Option<&str>,
    credential: Value,
    name: Option<String>,
    lang: Lang,
) -> Result<PasskeyInfo, PasskeysError> {
    let name = name.as_deref().map(valid_name).transpose()?;
    let rp = relying_party(state)?.clone();
    let taken = take(state, ceremony, &[CeremonyPurpose::Register]).await?;
    if taken.user_id.as_deref() != Some(user.id.as_str()) {
        return Err(failed("the ceremony was started by another user"));
    }
    let new = rp
        .finish_registration(credential, &taken.state)
        .map_err(refused)?;
    let id = PasskeyId::new_random();
    let letters = super::notices::Letters::new(state);
    let added = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, PasskeysError> {
            let name = match name {
                Some(name) => name,
                None => format!(
                    "Passkey {}",
                    passkeys::count_for_user(conn, &me.user.id)? + 1
                ),
            };
            let inserted = passkeys::insert(
                conn,
                &NewPasskey {
                    id: &id,
                    user_id: &me.user.id,
                    credential_id: &new.credential_id,
                    credential: &new.record,
                    sign_count: 0,
                    name: &name,
                },
                db::now(),
            );
            match inserted {
                Err(e) if db::is_unique_violation(&e) => {
                    return Err(failed("this credential is registered already"));
                }
                other => other?,
            }
            audit::record(
                conn,
                &AuditEvent::UserPasskeyAdded {
                    passkey: id.to_string(),
                    name: Some(name.clone()),
                },
                me.entry(),
            )?;
            letters.notify(conn, &me.user.email, lang, SecurityNotice::PasskeyAdded)?;
            passkeys::find_for_user(conn, &me.user.id, &id)?
                .ok_or_else(|| Fault::internal("the passkey just stored is gone").into())
        },
    )
    .await?;
    Ok(added)
}

pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<PasskeyInfo>, Fault> {
    let user_id = user_id.to_owned();
    db::run(&state.pool, move |conn| -> Result<_, Fault> {
        Ok(passkeys::for_user(conn, &user_id)?)
    })
    .await
}

/// 404 when the user has no passkey with this id.
pub async fn rename(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    id: PasskeyId,
    name: &str,
) -> Result<PasskeyInfo, PasskeysError> {
    let name = valid_name(name)?;
    acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, PasskeysError> {
            if !passkeys::rename(conn, &me.user.id, &id, &name)? {
                return Err(PasskeysError::NotFound);
            }
            audit::record(
                conn,
                &AuditEvent::UserPasskeyRenamed {
                    passkey: id.to_string(),
                    name: Some(name.clone()),
                },
                me.entry(),
            )?;
            passkeys::find_for_user(conn, &me.user.id, &id)?.ok_or(PasskeysError::NotFound)
        },
    )
    .await
}

/// 404 when the user has no passkey with this id; LAST_SIGN_IN_METHOD when it is
/// their only way to sign in. The removal follows `remove_passkey`: every other
/// session of the user ends (one signed in with a stolen device among them).
pub async fn remove(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
    id: PasskeyId,
    lang: Lang,
) -> Result<(), PasskeysError> {
    let keep = session_id.clone();
    let letters = super::notices::Letters::new(state);
    acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, PasskeysError> {
            if super::sign_in_methods::count(conn, &me.user.id)? <= 1
                && passkeys::find_for_user(conn, &me.user.id, &id)?.is_some()
            {
                return Err(PasskeysError::LastSignInMethod);
            }
            let removal = remove_passkey(conn, &me.user.id, &id, Some(&keep))?
                .ok_or(PasskeysError::NotFound)?;
            audit::record(
                conn,
                &AuditEvent::UserPasskeyRemoved { removal },
                me.entry(),
            )?;
            letters.notify(conn, &me.user.email, lang, SecurityNotice::PasskeyRemoved)?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// The one rule for removing a passkey, whoever removes it (its owner, or an operator
/// for a lost device): the passkey goes and every session of its user ends but
/// `keep` (the owner's own, when the owner removes it). None when the user has no
/// passkey with this id. Runs in the caller's transaction, which records the removal.
pub fn remove_passkey(
    conn: &mut db::DbConnection,
    user_id: &str,
    passkey_id: &str,
    keep: Option<&str>,
) -> Result<Option<PasskeyRemoval>, Fault> {
    let Some(passkey) = passkeys::find_for_user(conn, user_id, passkey_id)? else {
        return Ok(None);
    };
    passkeys::delete(conn, user_id, passkey_id)?;
    let ended = sessions::revoke_all_for_user(
        conn,
        user_id,
        keep,
        SessionEndReason::PasskeyRemoved,
        db::now(),
    )?;
    Ok(Some(PasskeyRemoval {
        passkey: passkey.id,
        name: Some(passkey.name),
        sessions_ended: Some(u64::try_from(ended).unwrap_or(u64::MAX)),
    }))
}

/// Request options, the same for everyone: no credentials listed, so the
/// authenticator offers its discoverable ones. With an email, the ceremony is bound to
/// that address's account (none, for an address without one): only its passkeys can
/// answer, and the options never tell whether it exists or has passkeys.
pub async fn sign_in_options(
    state: &AppState,
    client: &ClientInfo,
    email: Option<Email>,
) -> Result<CeremonyStarted, PasskeysError> {
    state
        .throttle
        .check_ip(&state.pool, Action::PasskeyOptions, client.ip)
        .await?;
    let rp = relying_party(state)?.clone();
    let (user_id, purpose) = match email {
        None => (None, CeremonyPurpose::SignIn),
        Some(email) => {
            let address = email.as_str().to_owned();
            let owner = db::run(&state.pool, move |conn| -> Result<_, Fault> {
                Ok(users::find_by_email(conn, &address)?.map(|user| user.id))
            })
            .await?;
            (owner, CeremonyPurpose::SignInNamed)
        }
    };
    let (options, ceremony_state) = rp.sign_in_options().map_err(refused)?;
    let ceremony = begin(state, purpose, user_id, ceremony_state).await?;
    Ok(CeremonyStarted { options, ceremony })
}

/// Checks the answer to sign-in options and starts a browser session for its owner:
/// the ceremony spent, the passkey's new counter, the session and the login's audit
/// entry in one transaction. A refusal commits too (the ceremony stays spent; a
/// counter that went backwards is audited). An unknown credential is
/// INVALID_CREDENTIALS; anything else wrong is PASSKEY_FAILED.
pub async fn sign_in(
    state: &AppState,
    client: &ClientInfo,
    ceremony: Option<&str>,
    credential: Value,
    remember: bool,
    lang: Lang,
) -> Result<(User, BrowserSession), PasskeysError> {
    state
        .throttle
        .check_ip(&state.pool, Action::PasskeySignIn, client.ip)
        .await?;
    let rp = relying_party(state)?.clone();
    let Some(ceremony) = ceremony else {
        return Err(no_ceremony_cookie());
    };
    let answer = Answer {
        token_hash: tokens::hash_secret(ceremony),
        credential,
        client: client.clone(),
        lifetime: session_lifecycle::browser_lifetime(state, remember),
        must_verify: state.settings.accounts.require_email_verification,
    };
    let outcome = db::write(&state.pool, move |conn| decide_sign_in(conn, &rp, answer)).await?;
    match outcome {
        PasskeySignIn::Refused(refusal) => Err(refusal),
        PasskeySignIn::Unverified(user) => {
            super::email_verification::refuse_unverified(state, &user, lang)?;
            Err(NotVerified.into())
        }
        PasskeySignIn::SignedIn(user, opened) => {
            let session = opened.into_cookie(&state.jwt, &user, remember)?;
            Ok((*user, session))
        }
    }
}

/// A sign-in's answer, owned: the transaction runs on the blocking pool.
struct Answer {
    token_hash: String,
    credential: Value,
    client: ClientInfo,
    lifetime: chrono::TimeDelta,
    must_verify: bool,
}

enum PasskeySignIn {
    Refused(PasskeysError),
    Unverified(Box<User>),
    SignedIn(Box<User>, session_lifecycle::OpenedSession),
}

/// The sign-in's transaction (see `sign_in`).
fn decide_sign_in(
    conn: &mut db::DbConnection,
    rp: &RelyingParty,
    answer: Answer,
) -> Result<PasskeySignIn, Fault> {
    use PasskeySignIn::Refused;
    let purposes = [CeremonyPurpose::SignIn, CeremonyPurpose::SignInNamed];
    let taken = match take_in(conn, &answer.token_hash, &purposes)? {
        Ok(taken) => taken,
        Err(refusal) => return Ok(Refused(refusal)),
    };
    let presented = match RelyingParty::presented(answer.credential) {
        Ok(presented) => presented,
        Err(e) => return Ok(Refused(refused(e))),
    };
    let unknown = || Refused(PasskeysError::UnknownCredential);
    let Some(stored) = passkeys::find_by_credential_id(conn, &presented.credential_id)? else {
        return Ok(unknown());
    };
    let Some(user) = users::find_by_id(conn, &stored.user_id)?.filter(|u| u.deleted_at.is_none())
    else {
        return Ok(unknown());
    };
    if taken.purpose == CeremonyPurpose::SignInNamed
        && taken.user_id.as_deref() != Some(user.id.as_str())
    {
        return Ok(Refused(failed(
            "the credential is not one of those the options allowed (the email named another account)",
        )));
    }
    if presented
        .user_handle
        .as_ref()
        .is_some_and(|handle| Some(handle) != passkey::user_handle(&user.id).as_ref())
    {
        return Ok(Refused(failed(
            "the user handle is not the credential's owner",
        )));
    }
    let used = match rp.finish_sign_in(&presented, &taken.state, &stored.credential) {
        Ok(used) => used,
        Err(PasskeyError::CounterWentBack) => {
            let ip = answer.client.ip_text();
            audit::record(
                conn,
                &AuditEvent::UserPasskeyCounterRegressed {
                    passkey: stored.id.clone(),
                },
                audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
            )?;
            return Ok(Refused(refused(PasskeyError::CounterWentBack)));
        }
        Err(other) => return Ok(Refused(refused(other))),
    };
    let now = db::now();
    if user.is_disabled_at(now) {
        return Ok(Refused(Disabled::of(&user).into()));
    }
    if answer.must_verify && !user.email_verified {
        return Ok(PasskeySignIn::Unverified(Box::new(user)));
    }
    decisions::take_turn(conn, Subject::Sessions(&user.id))?;
    let recorded = passkeys::record_use(
        conn,
        &stored.id,
        stored.sign_count,
        &used.record,
        used.sign_count,
        now,
    )?;
    if !recorded {
        return Ok(Refused(failed(
            "another sign-in with this passkey was recorded at the same time",
        )));
    }
    let record = SignInRecord::passkey(stored.name.clone());
    let opened = session_lifecycle::begin_browser_session(
        conn,
        &user,
        &answer.client,
        answer.lifetime,
        &record,
    )?;
    Ok(PasskeySignIn::SignedIn(Box::new(user), opened))
}
