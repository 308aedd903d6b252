//! Single-use tokens, one store for every kind: a reset or invitation link, an
//! email verification link, a sign-in's second-factor challenge, a passkey
//! ceremony, a social sign-in in flight. Each is found by the hash of the value its
//! holder presents (the link's token, a cookie, a bearer client's challenge), lives
//! until `expires_at`, and is spent once: of two requests racing to spend it, one
//! deletes the row and wins. Each kind is a type (`Kind`) that says its stored
//! `kind` and the shape of what it carries (`Payload`, stored as JSON).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::schema::single_use_tokens as t;
use super::{DbConnection, RunOn};
use crate::domain::UserId;
use crate::domain::string_enum::string_enum;

string_enum! {
    /// A token's `kind`.
    pub enum TokenKind {
        PasswordReset = "password_reset",
        EmailVerification = "email_verification",
        EmailChange = "email_change",
        EmailSignInLink = "email_sign_in_link",
        EmailSignInCode = "email_sign_in_code",
        TwoFactorBrowser = "two_factor_browser",
        TwoFactorBearer = "two_factor_bearer",
        PasskeyCeremony = "passkey_ceremony",
        SocialSignIn = "social_sign_in",
    }
}

/// A kind of token: its stored name and what it carries.
pub trait Kind: Copy {
    type Payload: Serialize + DeserializeOwned;
    fn kind(self) -> TokenKind;
}

/// A token as stored.
#[derive(Debug, Clone)]
pub struct Token<P> {
    /// The user it acts for (a challenge's, a link's); None for a ceremony or sign-in
    /// that has no user yet.
    pub user_id: Option<UserId>,
    pub payload: P,
    /// Answers claimed so far (a challenge's).
    pub answers: i32,
    pub expires_at: NaiveDateTime,
}

type Row = (Option<UserId>, String, i32, NaiveDateTime);

fn token<P: DeserializeOwned>(
    (user_id, payload, answers, expires_at): Row,
) -> QueryResult<Token<P>> {
    let payload = serde_json::from_str(&payload)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(Token {
        user_id,
        payload,
        answers,
        expires_at,
    })
}

pub fn insert<K: Kind>(
    conn: &mut DbConnection,
    kind: K,
    token_hash: &str,
    user_id: Option<&str>,
    payload: &K::Payload,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    let payload = serde_json::to_string(payload)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(t::table)
        .values((
            t::token_hash.eq(token_hash),
            t::kind.eq(kind.kind()),
            t::user_id.eq(user_id),
            t::payload.eq(payload),
            t::answers.eq(0),
            t::created_at.eq(now),
            t::expires_at.eq(expires_at),
        ))
        .execute_on(conn)
        .map(drop)
}

/// The live token of this kind with this hash, without spending it.
pub fn find<K: Kind>(
    conn: &mut DbConnection,
    kind: K,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Token<K::Payload>>> {
    t::table
        .find(token_hash)
        .filter(t::kind.eq(kind.kind()))
        .filter(t::expires_at.gt(now))
        .select((t::user_id, t::payload, t::answers, t::expires_at))
        .first_on::<Row>(conn)
        .optional()?
        .map(token)
        .transpose()
}

/// Spends the token of this kind with this hash, live or expired (the caller may
/// want to say which): Some for the one request whose delete removed it. In the
/// caller's write transaction.
pub fn take<K: Kind>(
    conn: &mut DbConnection,
    kind: K,
    token_hash: &str,
) -> QueryResult<Option<Token<K::Payload>>> {
    let found = t::table
        .find(token_hash)
        .filter(t::kind.eq(kind.kind()))
        .select((t::user_id, t::payload, t::answers, t::expires_at))
        .first_on::<Row>(conn)
        .optional()?;
    let Some(found) = found else {
        return Ok(None);
    };
    let deleted = diesel::delete(t::table.find(token_hash)).execute_on(conn)?;
    if deleted == 1 {
        token(found).map(Some)
    } else {
        Ok(None)
    }
}

/// Spends the live token of this kind with this hash: None when it is unknown,
/// spent or expired.
pub fn consume<K: Kind>(
    conn: &mut DbConnection,
    kind: K,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Token<K::Payload>>> {
    Ok(take(conn, kind, token_hash)?.filter(|taken| taken.expires_at > now))
}

/// Claims one answer of the live token (fewer than `max` claimed): the count goes up
/// first, in one conditional statement, so that of answers racing in parallel at most
/// `max` are ever checked. None when there is nothing left to claim.
pub fn claim_answer<K: Kind>(
    conn: &mut DbConnection,
    kind: K,
    token_hash: &str,
    max: i32,
    now: NaiveDateTime,
) -> QueryResult<Option<Token<K::Payload>>> {
    let claimed = super::update(
        t::table
            .find(token_hash)
            .filter(t::kind.eq(kind.kind()))
            .filter(t::expires_at.gt(now))
            .filter(t::answers.lt(max)),
        t::answers.eq(t::answers + 1),
    )
    .execute_on(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    find(conn, kind, token_hash, now)
}

/// Spends every token of this kind the user holds (a new password kills every
/// outstanding reset link).
pub fn spend_all_for_user<K: Kind>(
    conn: &mut DbConnection,
    kind: K,
    user_id: &str,
) -> QueryResult<usize> {
    diesel::delete(
        t::table
            .filter(t::kind.eq(kind.kind()))
            .filter(t::user_id.eq(user_id)),
    )
    .execute_on(conn)
}

/// Spends every token of every kind acting for the user (withdrawal, a takeover).
pub fn spend_everything_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::user_id.eq(user_id))).execute_on(conn)
}

/// Housekeeping: tokens past their end.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::expires_at.lt(now))).execute_on(conn)
}

/// Nothing to carry: the token and its user are the whole of it.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize)]
pub struct Nothing {}

/// A reset link, or an operator's invitation (the same: it sets the password).
#[derive(Debug, Clone, Copy)]
pub struct PasswordReset;

impl Kind for PasswordReset {
    type Payload = Nothing;
    fn kind(self) -> TokenKind {
        TokenKind::PasswordReset
    }
}

/// An email verification link: the address it was sent to.
#[derive(Debug, Clone, Copy)]
pub struct EmailVerification;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SentTo {
    pub email: String,
}

impl Kind for EmailVerification {
    type Payload = SentTo;
    fn kind(self) -> TokenKind {
        TokenKind::EmailVerification
    }
}

/// A link to confirm a new address for an account: the address it was sent to, and
/// the account's address when it was asked for (the change holds only while that is
/// still the account's).
#[derive(Debug, Clone, Copy)]
pub struct EmailChange;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeOfAddress {
    pub new_email: String,
    pub previous_email: String,
}

impl Kind for EmailChange {
    type Payload = ChangeOfAddress;
    fn kind(self) -> TokenKind {
        TokenKind::EmailChange
    }
}

/// The link of a sign-in by email, found by its token's hash: the address it went to,
/// and where the same mail's code is kept (spending either spends both).
#[derive(Debug, Clone, Copy)]
pub struct EmailSignInLink;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInLink {
    pub email: String,
    pub code_slot: String,
}

impl Kind for EmailSignInLink {
    type Payload = SignInLink;
    fn kind(self) -> TokenKind {
        TokenKind::EmailSignInLink
    }
}

/// The code of a sign-in by email, found by its address's slot (one pending code per
/// address): the code's keyed hash, and the same mail's link. Its `answers` count the
/// codes tried.
#[derive(Debug, Clone, Copy)]
pub struct EmailSignInCode;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInCode {
    pub code_hash: String,
    pub link_hash: String,
}

impl Kind for EmailSignInCode {
    type Payload = SignInCode;
    fn kind(self) -> TokenKind {
        TokenKind::EmailSignInCode
    }
}

/// A sign-in waiting for its second factor, held by a browser (a cookie) or a bearer
/// client (an opaque value): finished the way it was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TwoFactorChallenge {
    Browser,
    Bearer,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Challenged {
    pub remember_me: bool,
    /// How the first factor was proven; None in challenges from before it was kept
    /// (a password then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_factor: Option<crate::domain::SignInMethod>,
}

impl Kind for TwoFactorChallenge {
    type Payload = Challenged;
    fn kind(self) -> TokenKind {
        match self {
            Self::Browser => TokenKind::TwoFactorBrowser,
            Self::Bearer => TokenKind::TwoFactorBearer,
        }
    }
}

/// A WebAuthn ceremony between its options and its answer.
#[derive(Debug, Clone, Copy)]
pub struct PasskeyCeremony;

string_enum! {
    /// What a passkey ceremony's options were for.
    pub enum CeremonyPurpose {
        Register = "register",
        /// A sign-in with no email: any of the authenticator's credentials for this RP.
        SignIn = "sign_in",
        /// A sign-in for the account an email named: only its passkeys can answer
        /// (none, for an address without an account).
        SignInNamed = "sign_in_named",
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Ceremony {
    pub purpose: CeremonyPurpose,
    /// webauthn-rs's state of the ceremony.
    pub state: String,
}

impl Kind for PasskeyCeremony {
    type Payload = Ceremony;
    fn kind(self) -> TokenKind {
        TokenKind::PasskeyCeremony
    }
}

/// A social sign-in in flight; its user is the one linking a provider, if any.
#[derive(Debug, Clone, Copy)]
pub struct SocialSignIn;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct PendingSignIn {
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub callback_url: String,
    pub error_callback_url: String,
}

impl Kind for SocialSignIn {
    type Payload = PendingSignIn;
    fn kind(self) -> TokenKind {
        TokenKind::SocialSignIn
    }
}
