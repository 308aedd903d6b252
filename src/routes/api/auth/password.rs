//! POST /api/v1/auth/change-password, /forgot-password and /reset-password.

use actix_web::{HttpResponse, post, web};

use crate::auth::{account_lifecycle, password_reset};
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::AuthUser;
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    ChangePasswordRequest, ErrorResponse, ForgotPasswordRequest, ResetPasswordRequest,
    SuccessResponse,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

const FORGOT_MESSAGE: &str =
    "If an account exists for this email, a link to reset its password has been sent.";

/// Change the password; every other session of the user is revoked.
#[utoipa::path(
    tag = "password",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "INVALID_PASSWORD or VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/change-password")]
pub async fn change_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    body: ApiJson<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let current = fields.given_password("currentPassword", body.current_password.as_deref());
    let new = fields.new_password("newPassword", body.new_password.as_deref());
    let (current, new) = fields.validated(current.zip(new))?;
    account_lifecycle::change_password(
        &state,
        &client,
        caller.user,
        caller.session.id,
        current,
        new,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new("Password changed")))
}

/// Send a reset link by mail. The answer is the same whether or not the address has
/// an account.
#[utoipa::path(
    tag = "password",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "VALIDATION_ERROR", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/forgot-password")]
pub async fn forgot_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let email = fields.email("email", body.email.as_deref());
    let email = fields.validated(email)?;
    password_reset::request(&state, &client, email, lang)?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new(FORGOT_MESSAGE)))
}

/// Set a new password with a mailed token; every session of the user is revoked.
#[utoipa::path(
    tag = "password",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "INVALID_TOKEN or VALIDATION_ERROR", body = ErrorResponse),
    )
)]
#[post("/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: ApiJson<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let token = fields.required("token", body.token.as_deref());
    let new = fields.new_password("newPassword", body.new_password.as_deref());
    let (token, new) = fields.validated(token.zip(new))?;
    password_reset::complete(&state, &client, token, new).await?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new(
        "Your password has been reset. Please sign in with the new password.",
    )))
}
