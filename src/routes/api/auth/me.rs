//! GET /api/v1/auth/me.

use actix_web::{HttpResponse, get};

use crate::http::AuthUser;
use crate::routes::api::dto::{ErrorResponse, UserResponse, UserView};

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
