//! The check every authenticated request makes: the token's signature and expiry,
//! then its session row (live, not revoked, not expired) and its user (not
//! disabled), so that a revocation anywhere counts on the very next request, on every
//! instance. `http::extractor` only finds the token and calls this.

use chrono::TimeDelta;

use crate::crypto::jwt::{Rejected, Verified};
use crate::db::sessions::LiveSession;
use crate::db::users::User;
use crate::db::{self, sessions};
use crate::failure::{Disabled, Fault, fails_underneath};
use crate::state::AppState;

/// last_seen_at is written at most this often per session, not on every request.
const LAST_SEEN_RESOLUTION: TimeDelta = TimeDelta::minutes(1);

/// The signed-in user and the session the token names.
#[derive(Debug, Clone)]
pub struct Checked {
    pub user: User,
    pub session: LiveSession,
}

/// Why a request is not signed in.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The token does not verify, or its session is not (or no longer) live.
    #[error("no live session")]
    NoSession,
    #[error(transparent)]
    Disabled(#[from] Disabled),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(SessionError);

/// NoSession for a token that is not (or no longer) a live session; the ban for a
/// disabled user.
pub async fn check(state: &AppState, token: &str) -> Result<Checked, SessionError> {
    let (_, user, mut session) = live(state, token).await?;
    let now = db::now();
    if user.is_disabled_at(now) {
        return Err(Disabled::of(&user).into());
    }
    // Written at most once per LAST_SEEN_RESOLUTION, and on the blocking pool: a
    // write may wait for SQLite's lock.
    if now - session.last_seen_at >= LAST_SEEN_RESOLUTION {
        let id = session.id.clone();
        db::run(&state.pool, move |conn| -> Result<_, Fault> {
            Ok(sessions::touch_last_seen(conn, &id, now)?)
        })
        .await?;
        session.last_seen_at = now;
    }
    Ok(Checked { user, session })
}

/// What an introspection (RFC 7662) learns of `token` for another service: its
/// claims while it is a live session of an enabled user, else None. Reads only (the
/// session's last use is the user's, not the asking service's).
pub async fn introspect(state: &AppState, token: &str) -> Result<Option<Verified>, Fault> {
    match live(state, token).await {
        Ok((claims, user, _)) if !user.is_disabled_at(db::now()) => Ok(Some(claims)),
        Ok(_) | Err(SessionError::NoSession | SessionError::Disabled(_)) => Ok(None),
        Err(SessionError::Fault(fault)) => Err(fault),
    }
}

/// The token's claims, its session row (live) and its user.
async fn live(
    state: &AppState,
    token: &str,
) -> Result<(Verified, User, LiveSession), SessionError> {
    let claims = match state.jwt.verify(token) {
        Ok(claims) => claims,
        // A key another instance made since this one loaded its ring: load it again
        // (at most once a second) and ask once more.
        Err(Rejected::UnknownKey) => {
            super::signing_keys::reload_for_unknown_key(&state.pool, &state.settings, &state.jwt)
                .await?;
            state
                .jwt
                .verify(token)
                .map_err(|_| SessionError::NoSession)?
        }
        Err(Rejected::Invalid) => return Err(SessionError::NoSession),
    };
    let found = state
        .session_reads
        .find_live(&state.settings.database.url, &claims.sid, &claims.sub)
        .await?;
    let Some((user, session)) = found else {
        return Err(SessionError::NoSession);
    };
    Ok((claims, user, session))
}
