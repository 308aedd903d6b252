//! A session's life: started by a password sign-in (a browser cookie, or a bearer pair
//! for other clients), kept going by refresh-token rotation, ended by logout or by the
//! user revoking it. Every session is a row of `sessions`; the tokens only name it.

use chrono::{NaiveDateTime, TimeDelta};

use super::acting;
use super::credentials::SignInError;
use super::email_verification::NotVerified;
use super::two_factor::{self, Holder};
use super::{credentials, email_verification};
use crate::crypto::jwt::{JwtKeys, TokenSubject};
use crate::crypto::tokens;
use crate::db::decisions::{self, Subject};
use crate::db::sessions::Session;
use crate::db::users::User;
use crate::db::{self, DbConnection, Pool, audit, sessions};
use crate::domain::SessionEndReason;
use crate::domain::{AuditEvent, AuditTarget, Email, FirstFactor, SessionKind, SignInMethod};
use crate::domain::{ClientInfo, Role, SessionId, UserId};
use crate::failure::{Fault, fails_underneath};
use crate::i18n::Lang;
use crate::state::AppState;

/// Live sessions one user may hold: a new one ends the least recently used beyond
/// this (an account signed in over and over, by a script or an attacker who has the
/// password, cannot grow its session list, and every listing of it, without bound).
pub const LIVE_SESSIONS_PER_USER: i64 = 100;

/// A remember-me=false browser session lives one day.
pub const SHORT_SESSION: TimeDelta = TimeDelta::days(1);
pub const REFRESH_SESSION_LIFETIME: TimeDelta = TimeDelta::days(30);

struct NewSessionSpec<'a> {
    user_id: &'a str,
    method: &'a SignInMethod,
    kind: SessionKind,
    lifetime: TimeDelta,
    refresh_token_hash: Option<&'a str>,
    client: &'a ClientInfo,
}

/// Inserts the session row; returns its id and expiry. The caller holds the user's
/// sessions decision lock (`decisions::Subject::Sessions`): sign-ins racing past the
/// cap count in turns, or each would end one session and leave the user over it.
fn create(
    conn: &mut DbConnection,
    spec: &NewSessionSpec<'_>,
    now: NaiveDateTime,
) -> Result<(SessionId, NaiveDateTime), Fault> {
    let id = SessionId::new_random();
    let expires_at = now + spec.lifetime;
    let ip = spec.client.ip_text();
    sessions::insert(
        conn,
        &sessions::NewSession {
            id: &id,
            user_id: Some(spec.user_id),
            kind: spec.kind,
            token_hash: None,
            refresh_token_hash: spec.refresh_token_hash,
            state: None,
            created_at: now,
            last_seen_at: now,
            expires_at,
            ip: ip.as_deref(),
            user_agent: spec.client.user_agent.as_deref(),
            sign_in_method: Some(spec.method),
        },
    )?;
    sessions::end_least_recently_used(conn, spec.user_id, LIVE_SESSIONS_PER_USER, now)?;
    Ok((id, expires_at))
}

/// The user as a token describes them to other services (its `email`,
/// `emailVerified` and `role` claims), when it is signed.
#[derive(Debug, Clone)]
struct TokenUser {
    id: UserId,
    email: String,
    email_verified: bool,
    role: Role,
}

impl From<&User> for TokenUser {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            role: user.role,
        }
    }
}

/// A JWT for session `sid` of `user`, valid until `expires_at`.
fn sign(
    keys: &JwtKeys,
    user: &TokenUser,
    sid: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<String, Fault> {
    let subject = TokenSubject {
        user_id: &user.id,
        session_id: sid,
        email: &user.email,
        email_verified: user.email_verified,
        role: user.role.as_str(),
    };
    keys.sign(
        &subject,
        now.and_utc().timestamp(),
        expires_at.and_utc().timestamp(),
    )
    .map_err(Fault::internal)
}

/// A browser session just started: what its cookie carries, and for how long the
/// browser should keep it (`None`: until the browser closes).
#[derive(Debug)]
pub struct BrowserSession {
    pub token: String,
    pub max_age_seconds: Option<i64>,
}

/// What a right password led to: a session, or (the second factor on) a challenge
/// waiting for the code.
pub enum SignIn<T> {
    Complete(T),
    SecondFactor(two_factor::Pending),
}

/// Why /login or /token signed nobody in.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Credentials(#[from] SignInError),
    /// REQUIRE_EMAIL_VERIFICATION, and the address is not verified (a fresh link is
    /// on its way).
    #[error(transparent)]
    NotVerified(#[from] NotVerified),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(LoginError);

/// A challenge for `user` when the second factor is on.
async fn second_factor(
    state: &AppState,
    user: &User,
    holder: Holder,
    remember: bool,
) -> Result<Option<two_factor::Pending>, Fault> {
    if user.two_factor_enabled_at.is_none() {
        return Ok(None);
    }
    let user = user.clone();
    db::write(&state.pool, move |conn| {
        let first = SignInMethod::only(FirstFactor::Password);
        two_factor::challenge(conn, &user, holder, remember, &first).map(Some)
    })
    .await
}

/// /login: checks the password and starts a browser session, or a challenge when
/// the second factor is on.
pub async fn sign_in(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    password: &str,
    remember: bool,
    lang: Lang,
) -> Result<SignIn<(User, BrowserSession)>, LoginError> {
    let user = credentials::check(state, client, email, password).await?;
    email_verification::refuse_unverified(state, &user, lang)?;
    if let Some(pending) = second_factor(state, &user, Holder::Browser, remember).await? {
        return Ok(SignIn::SecondFactor(pending));
    }
    let record = SignInRecord::login(SignInMethod::only(FirstFactor::Password));
    let limits = state.throttle.accounts();
    let session =
        start_browser_session_after(state, client, &user, remember, record, move |conn, me| {
            // `me.user` is the user as the password was checked against it.
            let checked = me.user.password_hash.as_deref();
            credentials::password_unchanged(conn, &me.user.id, checked)?;
            // Signed in: this client's counted attempts are forgotten, with the session.
            Ok(limits.forget_failed_logins_if_enabled(conn, &me.user.email, me.client.ip)?)
        })
        .await?;
    Ok(SignIn::Complete((user, session)))
}

/// What a new session records: how it was signed in (`/sessions` shows it) and the
/// audit event of its start (a sign-in, or a sign-up).
pub struct SignInRecord {
    method: SignInMethod,
    /// A sign-up's first session (audited as the sign-up), not a sign-in.
    signup: bool,
    /// The passkey's name, when one signed in.
    passkey_name: Option<String>,
}

impl SignInRecord {
    pub fn login(method: SignInMethod) -> Self {
        Self {
            method,
            signup: false,
            passkey_name: None,
        }
    }

    pub fn signup(method: SignInMethod) -> Self {
        Self {
            signup: true,
            ..Self::login(method)
        }
    }

    /// A sign-in with the passkey named `name`.
    pub fn passkey(name: String) -> Self {
        Self {
            passkey_name: Some(name),
            ..Self::login(SignInMethod::only(FirstFactor::Passkey))
        }
    }

    /// The audit event the session's start records.
    pub fn event(&self) -> AuditEvent {
        let method = self.method.clone();
        if self.signup {
            AuditEvent::UserSignup { method }
        } else {
            AuditEvent::UserLogin {
                method,
                passkey_name: self.passkey_name.clone(),
            }
        }
    }
}

/// The same, with `first` run in the session's transaction: a change the sign-in
/// makes (a passkey's counter) commits with the session and its audit entry, or not
/// at all.
async fn start_browser_session_after<F>(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    remember: bool,
    record: SignInRecord,
    first: F,
) -> Result<BrowserSession, LoginError>
where
    F: FnOnce(&mut DbConnection, &acting::Acting) -> Result<(), LoginError> + Send + 'static,
{
    let lifetime = browser_lifetime(state, remember);
    let opened = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, LoginError> {
            // Before `first`'s checks: a change racing this sign-in (a reset, a takeover)
            // either commits before them or sees this session to end it.
            decisions::take_turn(conn, Subject::Sessions(&me.user.id))?;
            first(conn, me)?;
            Ok(begin_browser_session(
                conn, &me.user, &me.client, lifetime, &record,
            )?)
        },
    )
    .await?;
    Ok(opened.into_cookie(&state.jwt, user, remember)?)
}

/// Inside the caller's transaction, which holds the user's sessions turn
/// (`decisions::Subject::Sessions`): a browser session for `user` and its audit
/// entry. The cookie's token is signed from what it answers once that has committed.
pub fn begin_browser_session(
    conn: &mut DbConnection,
    user: &User,
    client: &ClientInfo,
    lifetime: TimeDelta,
    record: &SignInRecord,
) -> Result<OpenedSession, Fault> {
    let opened = open_browser_session(conn, &user.id, client, lifetime, &record.method)?;
    let ip = client.ip_text();
    audit::record(
        conn,
        &record.event(),
        audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
    )?;
    Ok(opened)
}

/// How long a browser session lives: ACCESS_TOKEN_EXPIRE_DAYS when remembered, a day
/// when not.
pub fn browser_lifetime(state: &AppState, remember: bool) -> TimeDelta {
    if remember {
        TimeDelta::days(state.settings.session.remember_days)
    } else {
        SHORT_SESSION
    }
}

/// A browser session's row, written in the caller's transaction; the cookie's token
/// is signed from it once that has committed.
pub struct OpenedSession {
    sid: SessionId,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    lifetime: TimeDelta,
}

/// Inserts a browser session for `user_id` (how it was signed in: `method`) inside the
/// caller's transaction.
fn open_browser_session(
    conn: &mut DbConnection,
    user_id: &str,
    client: &ClientInfo,
    lifetime: TimeDelta,
    method: &SignInMethod,
) -> Result<OpenedSession, Fault> {
    let now = db::now();
    let (sid, expires_at) = create(
        conn,
        &NewSessionSpec {
            user_id,
            method,
            kind: SessionKind::Browser,
            lifetime,
            refresh_token_hash: None,
            client,
        },
        now,
    )?;
    Ok(OpenedSession {
        sid,
        issued_at: now,
        expires_at,
        lifetime,
    })
}

impl OpenedSession {
    /// The cookie's token; kept by the browser for the session's lifetime when
    /// `remember`, else until it closes.
    pub fn into_cookie(
        self,
        keys: &JwtKeys,
        user: &User,
        remember: bool,
    ) -> Result<BrowserSession, Fault> {
        Ok(BrowserSession {
            token: sign(
                keys,
                &TokenUser::from(user),
                &self.sid,
                self.issued_at,
                self.expires_at,
            )?,
            max_age_seconds: remember.then(|| self.lifetime.num_seconds()),
        })
    }
}

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until `access_token` expires.
    pub expires_in: i64,
}

/// What a token pair is made from.
struct Grant {
    session_id: SessionId,
    user: TokenUser,
    session_expires_at: NaiveDateTime,
    refresh_token: String,
    issued_at: NaiveDateTime,
}

impl Grant {
    /// Inside the refresh's transaction: the grant of `session`, with its user as
    /// the token will describe them.
    fn for_session(
        conn: &mut DbConnection,
        session: &Session,
        refresh_token: String,
        issued_at: NaiveDateTime,
    ) -> Result<Self, Fault> {
        let user_id = session
            .user_id
            .as_ref()
            .ok_or_else(|| Fault::internal("bearer session without a user"))?;
        let user = crate::db::users::find_by_id(conn, user_id)?
            .ok_or_else(|| Fault::internal("a bearer session's user is gone"))?;
        Ok(Self {
            session_id: session.id.clone(),
            user: TokenUser::from(&user),
            session_expires_at: session.expires_at,
            refresh_token,
            issued_at,
        })
    }

    /// Signing is deterministic: the same grant gives the same access token, which is
    /// how a refresh inside the grace window returns the very pair already issued.
    fn into_pair(self, keys: &JwtKeys, lifetime: TimeDelta) -> Result<TokenPair, Fault> {
        let expires_at = (self.issued_at + lifetime).min(self.session_expires_at);
        let access_token = sign(
            keys,
            &self.user,
            &self.session_id,
            self.issued_at,
            expires_at,
        )?;
        Ok(TokenPair {
            access_token,
            refresh_token: self.refresh_token,
            expires_in: (expires_at - self.issued_at).num_seconds(),
        })
    }
}

/// /token: checks the password and starts a bearer session of 30 days, or a
/// challenge when the second factor is on.
pub async fn issue_bearer(
    state: &AppState,
    client: &ClientInfo,
    email: Email,
    password: &str,
    lang: Lang,
) -> Result<SignIn<TokenPair>, LoginError> {
    let user = credentials::check(state, client, email, password).await?;
    email_verification::refuse_unverified(state, &user, lang)?;
    if let Some(pending) = second_factor(state, &user, Holder::Bearer, true).await? {
        return Ok(SignIn::SecondFactor(pending));
    }
    let method = SignInMethod::only(FirstFactor::Password);
    start_bearer_session(state, client, &user, method, user.password_hash.as_deref())
        .await
        .map(SignIn::Complete)
}

/// A bearer session of 30 days for `user`, signed in as `method`; `checked_password`
/// is the stored hash the password was checked against, when that was the first
/// factor (refused if it changed meanwhile).
async fn start_bearer_session(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    method: SignInMethod,
    checked_password: Option<&str>,
) -> Result<TokenPair, LoginError> {
    let checked = checked_password.map(str::to_owned);
    let key = state.settings.secret_key.clone();
    let limits = state.throttle.accounts();
    let opened = acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, LoginError> {
            decisions::take_turn(conn, Subject::Sessions(&me.user.id))?;
            if checked.is_some() {
                credentials::password_unchanged(conn, &me.user.id, checked.as_deref())?;
                // Signed in by password: this client's counted attempts are forgotten.
                limits.forget_failed_logins_if_enabled(conn, &me.user.email, me.client.ip)?;
            }
            Ok(begin_bearer_session(
                conn,
                key.bytes(),
                &me.user,
                &me.client,
                method,
            )?)
        },
    )
    .await?;
    Ok(opened.into_pair(state)?)
}

/// A bearer session written, its pair still to sign once the transaction committed.
pub struct OpenedBearer(Grant);

impl OpenedBearer {
    pub fn into_pair(self, state: &AppState) -> Result<TokenPair, Fault> {
        self.0
            .into_pair(&state.jwt, state.settings.session.access_token_ttl)
    }
}

/// Inside the caller's transaction, which holds the user's sessions turn: a bearer
/// session of 30 days for `user` and its audit entry.
pub fn begin_bearer_session(
    conn: &mut DbConnection,
    key: &[u8],
    user: &User,
    client: &ClientInfo,
    method: SignInMethod,
) -> Result<OpenedBearer, Fault> {
    let refresh_token = tokens::new_secret();
    let refresh_hash = tokens::hash_refresh_token(key, &refresh_token);
    let now = db::now();
    let (session_id, session_expires_at) = create(
        conn,
        &NewSessionSpec {
            user_id: &user.id,
            method: &method,
            kind: SessionKind::Bearer,
            lifetime: REFRESH_SESSION_LIFETIME,
            refresh_token_hash: Some(&refresh_hash),
            client,
        },
        now,
    )?;
    let ip = client.ip_text();
    audit::record(
        conn,
        &AuditEvent::UserTokenIssued { method },
        audit::Entry::by_user(&user.id, &user.email, ip.as_deref()),
    )?;
    Ok(OpenedBearer(Grant {
        session_id,
        user: TokenUser::from(user),
        session_expires_at,
        refresh_token,
        issued_at: now,
    }))
}

/// Why a refresh token gave no new pair.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// A spent token came back after the grace window: its session is revoked.
    #[error("a spent refresh token was presented again")]
    Reused,
    /// Unknown, expired, or its session ended.
    #[error("the refresh token is not live")]
    Unknown,
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(RefreshError);

enum Refreshed {
    /// This request rotated the session (or lost a race to one that did, within the
    /// grace window): answer with this pair.
    Pair(Grant),
    /// A spent token came back after the grace window: the session is revoked.
    Reused,
    Unknown,
}

/// /refresh: spends `presented` and returns the next pair. Rotation is a conditional
/// UPDATE, so of racing refreshes one rotates; the others, and a second tab within
/// REFRESH_GRACE_SECONDS, get the same pair. Any other replay of a spent token is
/// TOKEN_REUSED and revokes the session.
pub async fn refresh(state: &AppState, presented: String) -> Result<TokenPair, RefreshError> {
    let keys = state.settings.secret_key.clone();
    let grace = TimeDelta::seconds(
        i64::try_from(state.settings.session.refresh_grace_seconds).unwrap_or(i64::MAX),
    );
    let outcome = db::run(&state.pool, move |conn| -> Result<_, Fault> {
        // The next token and its hash are keyed under SECRET_KEY; the presented one's
        // hash may be under a previous key (issued before a rotation): each is tried,
        // the current key first.
        let next = tokens::next_refresh_token(keys.bytes(), &presented);
        let next_hash = tokens::hash_refresh_token(keys.bytes(), &next);
        let hashes: Vec<String> = keys
            .all()
            .map(|key| tokens::hash_refresh_token(key, &presented))
            .collect();
        let now = db::now();
        for hash in &hashes {
            if let Some(session) = sessions::find_by_refresh_hash(conn, hash, now)?
                && sessions::rotate_refresh(conn, &session.id, hash, &next_hash, now)?
            {
                return Ok(Refreshed::Pair(Grant::for_session(
                    conn, &session, next, now,
                )?));
            }
        }
        // Not current (any more): a spent token, of any age. Inside the grace window,
        // and only if the session moved on exactly to the token derived from this one,
        // the caller gets the pair that rotation issued; any other replay is reuse.
        let mut spent = None;
        for hash in hashes {
            if let Some(session) = sessions::find_by_spent_refresh_hash(conn, &hash)? {
                spent = Some((session, hash));
                break;
            }
        }
        let Some((session, hash)) = spent else {
            return Ok(Refreshed::Unknown);
        };
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Ok(Refreshed::Unknown);
        }
        let rotated_at = session.refresh_rotated_at.unwrap_or(session.created_at);
        // Only the token spent by the latest rotation may get the current pair.
        let in_grace = now - rotated_at <= grace
            && session.previous_refresh_token_hash.as_deref() == Some(hash.as_str())
            && session.refresh_token_hash.as_deref() == Some(next_hash.as_str());
        if in_grace {
            return Ok(Refreshed::Pair(Grant::for_session(
                conn, &session, next, rotated_at,
            )?));
        }
        db::write_transaction(conn, |conn| {
            sessions::revoke(conn, &session.id, SessionEndReason::RefreshTokenReused, now)?;
            let actor = audit::Entry::by(session.user_id.as_deref(), None, None);
            audit::record(
                conn,
                &AuditEvent::SessionRefreshTokenReused,
                actor.on(AuditTarget::Session, &session.id),
            )
        })?;
        Ok(Refreshed::Reused)
    })
    .await?;
    match outcome {
        Refreshed::Pair(grant) => {
            Ok(grant.into_pair(&state.jwt, state.settings.session.access_token_ttl)?)
        }
        Refreshed::Reused => Err(RefreshError::Reused),
        Refreshed::Unknown => Err(RefreshError::Unknown),
    }
}

/// /logout: the session is revoked, with its audit entry.
pub async fn end(
    pool: &Pool,
    client: &ClientInfo,
    user: &User,
    session_id: &SessionId,
) -> Result<(), Fault> {
    let sid = session_id.clone();
    acting::write(pool, user, client, move |conn, me| -> Result<_, Fault> {
        sessions::revoke(conn, &sid, SessionEndReason::SignedOut, db::now())?;
        audit::record(
            conn,
            &AuditEvent::UserLogout {
                session: sid.to_string(),
            },
            me.entry(),
        )?;
        Ok(())
    })
    .await
}

/// One page of the user's live sessions.
pub struct SessionPage {
    pub sessions: Vec<Session>,
    /// Where the next page starts, when there is one.
    pub next: Option<sessions::After>,
}

/// Up to `limit` of the user's live sessions of every kind, newest first, after
/// `after`.
pub async fn list_own(
    pool: &Pool,
    user_id: &UserId,
    after: Option<sessions::After>,
    limit: i64,
) -> Result<SessionPage, Fault> {
    let user_id = user_id.clone();
    let mut rows = db::run(pool, move |conn| -> Result<_, Fault> {
        let now = db::now();
        // One row beyond the page says whether another page follows.
        Ok(sessions::list_active_for_user(
            conn,
            &user_id,
            now,
            after.as_ref(),
            limit + 1,
        )?)
    })
    .await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = rows.last().filter(|_| more).map(|last| sessions::After {
        created_at: last.created_at,
        id: last.id.to_string(),
    });
    Ok(SessionPage {
        sessions: rows,
        next,
    })
}

/// Why a session of the user's own was not ended.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// No live session of this user has that id.
    #[error("no such session")]
    NotFound,
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(RevokeError);

/// Ends one of the user's own live sessions; NotFound for any other id.
pub async fn revoke_own(
    pool: &Pool,
    client: &ClientInfo,
    user: &User,
    id: SessionId,
) -> Result<(), RevokeError> {
    acting::write(
        pool,
        user,
        client,
        move |conn, me| -> Result<_, RevokeError> {
            if !sessions::revoke_own(
                conn,
                &id,
                &me.user.id,
                SessionEndReason::RevokedByUser,
                db::now(),
            )? {
                return Err(RevokeError::NotFound);
            }
            audit::record(
                conn,
                &AuditEvent::UserSessionRevoked { session: id.into() },
                me.entry(),
            )?;
            Ok(())
        },
    )
    .await
}

/// Ends every session of the user except `keep`.
pub async fn revoke_others(
    pool: &Pool,
    client: &ClientInfo,
    user: &User,
    keep: &SessionId,
) -> Result<(), Fault> {
    let keep = keep.clone();
    acting::write(pool, user, client, move |conn, me| -> Result<_, Fault> {
        let ended = sessions::revoke_all_for_user(
            conn,
            &me.user.id,
            Some(&keep),
            SessionEndReason::RevokedByUser,
            db::now(),
        )?;
        audit::record(
            conn,
            &AuditEvent::UserOtherSessionsRevoked {
                kept: keep.into(),
                ended: u64::try_from(ended).unwrap_or(u64::MAX),
            },
            me.entry(),
        )?;
        Ok(())
    })
    .await
}
