//! Authentication as actix extractors: `AuthUser` (required) and `MaybeUser`
//! (optional). They find the credential (the bearer token, else the session cookie)
//! and run the session check (`auth::session_check`); the CSRF origin rule ran before
//! them, on every route (`middleware::GuardOrigins`).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use super::origin_check;
use crate::auth::session_check::{self, Checked, SessionError};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// The signed-in caller.
pub type AuthUser = Checked;

/// The caller if authenticated; guests (and stale tokens) are `None`.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequest for Checked {
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
        Box::pin(async move { authenticate(&req).await.map(MaybeUser) })
    }
}

/// The bearer token, else the cookie; a request with both uses the bearer token.
fn credential(req: &HttpRequest, cookie_name: &str) -> Option<String> {
    if let Some(token) = origin_check::bearer_token(req) {
        return Some(token.to_owned());
    }
    super::cookies::raw_value(req, cookie_name).map(str::to_owned)
}

/// The caller, None without a credential or with one that names no live session; a
/// disabled user's ban and a database failure are errors.
async fn authenticate(req: &HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("AppState missing"))?;
    let Some(token) = credential(req, &state.settings.cookie.name) else {
        return Ok(None);
    };
    match session_check::check(state, &token).await {
        Ok(checked) => Ok(Some(checked)),
        Err(SessionError::NoSession) => Ok(None),
        Err(other) => Err(other.into()),
    }
}
