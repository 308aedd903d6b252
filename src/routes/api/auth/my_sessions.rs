//! GET /api/v1/auth/sessions, DELETE /api/v1/auth/sessions[/{id}]: the caller's own
//! sessions.

use actix_web::{HttpResponse, delete, get, web};

use crate::auth::session_lifecycle;
use crate::error::ApiError;
use crate::http::AuthUser;
use crate::routes::api::dto::{ErrorResponse, SessionView, SessionsResponse};
use crate::state::AppState;

/// The caller's live sessions of every kind, newest first.
#[utoipa::path(
    tag = "sessions",
    responses(
        (status = 200, body = SessionsResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[get("/sessions")]
pub async fn list(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let rows = session_lifecycle::list_own(&state.pool, &caller.user.id).await?;
    Ok(HttpResponse::Ok().json(SessionsResponse {
        sessions: rows
            .iter()
            .map(|s| SessionView::new(s, &caller.session.id))
            .collect(),
    }))
}

/// Revoke one of the caller's own sessions.
#[utoipa::path(
    tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: no live session of the caller has this id", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[delete("/sessions/{id}")]
pub async fn revoke_one(
    state: web::Data<AppState>,
    caller: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    session_lifecycle::revoke_own(&state.pool, &caller.user.id, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke every session of the caller except the current one.
#[utoipa::path(
    tag = "sessions",
    responses(
        (status = 204, description = "Every other session revoked"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[delete("/sessions")]
pub async fn revoke_others(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    session_lifecycle::revoke_others(&state.pool, &caller.user.id, &caller.session.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
