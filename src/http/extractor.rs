//! Authentication as actix extractors: `AuthUser` (required) and `MaybeUser`
//! (optional). Every authenticated request checks the session row, so a revocation
//! anywhere counts on the very next request.

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use chrono::TimeDelta;
use futures_util::future::LocalBoxFuture;

use super::origin_check;
use crate::db::sessions::LiveSession;
use crate::db::users::User;
use crate::db::{self, sessions};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// last_seen_at is written at most this often per session, not on every request.
const LAST_SEEN_RESOLUTION: TimeDelta = TimeDelta::minutes(1);

/// Where the credential came from: a cookie request must pass the origin check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthVia {
    Cookie,
    Bearer,
}

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub session: LiveSession,
}

/// The caller if authenticated; guests (and stale tokens) are `None`.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(&req)
                .await?
                .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))
        })
    }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match authenticate(&req).await {
                Ok(user) => Ok(MaybeUser(user)),
                Err(e) if e.code() == ErrorCode::Unauthorized => Ok(MaybeUser(None)),
                Err(e) => Err(e),
            }
        })
    }
}

/// The bearer token, else the cookie; a request with both uses the bearer token.
/// Another Authorization scheme (Basic, from a proxy) leaves the cookie in charge.
fn credential(req: &HttpRequest, cookie_name: &str) -> Option<(String, AuthVia)> {
    let bearer = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|header| header.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| (token.trim().to_owned(), AuthVia::Bearer));
    if bearer.is_some() {
        return bearer;
    }
    let cookie = req.cookie(cookie_name)?;
    (!cookie.value().is_empty()).then(|| (cookie.value().to_owned(), AuthVia::Cookie))
}

async fn authenticate(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("AppState missing"))?;
    let Some((token, via)) = credential(req, &state.settings.cookie.name) else {
        return Ok(None);
    };
    if via == AuthVia::Cookie
        && origin_check::is_unsafe(req.method())
        && !origin_check::origin_allowed(req, &state.settings, &state.proxies)
    {
        return Err(ApiError::new(ErrorCode::CsrfFailed));
    }
    let claims = state
        .jwt
        .verify(&token)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized))?;
    let now = db::now();
    let found = db::run_read(
        &state.pool,
        &state.settings.database.url,
        move |conn| -> Result<_, ApiError> {
            Ok(sessions::find_live_with_user(
                conn,
                &claims.sid,
                &claims.sub,
                now,
            )?)
        },
    )
    .await?;
    let Some((user, mut session)) = found else {
        return Err(ApiError::new(ErrorCode::Unauthorized));
    };
    if user.is_disabled_at(now) {
        return Err(crate::auth::credentials::account_disabled(&user).into());
    }
    // last_seen_at is written at most once per LAST_SEEN_RESOLUTION, and on the
    // blocking pool: a write may wait for SQLite's lock.
    if now - session.last_seen_at >= LAST_SEEN_RESOLUTION {
        let id = session.id.clone();
        db::run(&state.pool, move |conn| -> Result<_, ApiError> {
            Ok(sessions::touch_last_seen(conn, &id, now)?)
        })
        .await?;
        session.last_seen_at = now;
    }
    Ok(Some(AuthUser { user, session }))
}
