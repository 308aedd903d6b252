//! POST /api/v1/user/withdraw.

use actix_web::{HttpResponse, post, web};

use crate::auth::account_lifecycle;
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::{AuthUser, cookies};
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{ErrorResponse, SuccessResponse, WithdrawRequest};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// Delete the account: the row is kept soft-deleted with its email and name
/// obfuscated (so the address can sign up again), every session is deleted, and the
/// cookie is cleared.
#[utoipa::path(
    tag = "account",
    request_body = WithdrawRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "INVALID_PASSWORD or VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong passwords or codes in this session or from this address, with Retry-After", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED; REAUTHENTICATION_REQUIRED: a user without a password whose session signed in more than 10 minutes ago", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/withdraw")]
pub async fn withdraw(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    body: ApiJson<WithdrawRequest>,
) -> Result<HttpResponse, ApiError> {
    // The password of a user who has one (left out, it is INVALID_PASSWORD: the
    // request's shape is right); a user without one proves it by a recent sign-in.
    let password = match body.confirm_password.as_deref() {
        Some(sent) if caller.user.password_hash.is_some() && !sent.is_empty() => {
            let mut fields = Fields::default();
            let password = fields.given_password("confirmPassword", Some(sent));
            Some(fields.validated(password)?)
        }
        _ => None,
    };
    account_lifecycle::withdraw(&state, &client, caller.user, caller.session.id, password).await?;
    Ok(HttpResponse::Ok()
        .cookie(cookies::cleared_cookie(&state.settings))
        .json(SuccessResponse::new("Your account has been deleted")))
}
