use actix_web::{HttpResponse, delete, get, web};
use diesel::prelude::*;

use crate::auth::AuthUser;
use crate::db::{self, schema, sessions};
use crate::error::{ApiError, ErrorCode};
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
    let user_id = caller.user.id.clone();
    let rows = db::run(&state.pool, move |conn| {
        Ok(sessions::list_active_for_user(conn, &user_id, db::now())?)
    })
    .await?;
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
    let user_id = caller.user.id.clone();
    let id = id.into_inner();
    let revoked = db::run(&state.pool, move |conn| {
        use schema::sessions as s;
        let now = db::now();
        Ok(diesel::update(
            s::table
                .filter(s::id.eq(&id))
                .filter(s::user_id.eq(&user_id))
                .filter(s::revoked_at.is_null())
                .filter(s::expires_at.gt(now)),
        )
        .set(s::revoked_at.eq(now))
        .execute(conn)?)
    })
    .await?;
    if revoked == 0 {
        return Err(ApiError::new(ErrorCode::NotFound));
    }
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
    let (user_id, keep) = (caller.user.id.clone(), caller.session.id.clone());
    db::run(&state.pool, move |conn| {
        sessions::revoke_all_for_user(conn, &user_id, Some(&keep), db::now())?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
