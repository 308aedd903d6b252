//! GET /api/v1/auth/me, and GET /api/v1/auth/session (the same, or null).

use actix_web::{HttpResponse, get};

use crate::http::{AuthUser, MaybeUser};
use crate::routes::api::dto::{ErrorResponse, SessionUserResponse, UserResponse, UserView};

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = UserResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "ACCOUNT_DISABLED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[get("/me")]
pub async fn me(caller: AuthUser) -> HttpResponse {
    HttpResponse::Ok().json(UserResponse {
        user: UserView::from(&caller.user),
    })
}

/// Whether anyone is signed in: the user, or null. Never 401, so that a client's first
/// "am I signed in?" check logs no error in the browser's console.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = SessionUserResponse),
        (status = 403, description = "ACCOUNT_DISABLED", body = ErrorResponse),
    ),
    security((), ("cookie" = []), ("bearer" = []))
)]
#[get("/session")]
pub async fn session(caller: MaybeUser) -> HttpResponse {
    HttpResponse::Ok().json(SessionUserResponse {
        user: caller.0.as_ref().map(|caller| UserView::from(&caller.user)),
    })
}
