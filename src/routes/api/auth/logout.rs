//! POST /api/v1/auth/logout.

use actix_web::{HttpResponse, post, web};

use crate::auth::session_lifecycle;
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::{MaybeUser, cookies};
use crate::routes::api::dto::{ErrorResponse, MessageResponse};
use crate::state::AppState;

/// End the current session and clear the cookie; 200 also when not signed in.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "Signed out; the cookie is cleared (Max-Age=0)", body = MessageResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
    ),
    security((), ("cookie" = []), ("bearer" = []))
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: MaybeUser,
) -> Result<HttpResponse, ApiError> {
    if let Some(caller) = caller.0 {
        session_lifecycle::end(&state.pool, &client, &caller.user, &caller.session.id).await?;
    }
    Ok(HttpResponse::Ok()
        .cookie(cookies::cleared_cookie(&state.settings))
        .json(MessageResponse {
            message: "Logged out".into(),
        }))
}
