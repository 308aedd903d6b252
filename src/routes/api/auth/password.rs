//! POST /api/v1/auth/change-password, /forgot-password and /reset-password.

use actix_web::{HttpResponse, post, web};

use crate::auth::password_reset::Reset;
use crate::auth::{account_lifecycle, password_reset, two_factor};
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::{AuthUser, cookies};
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    ChangePasswordRequest, ErrorResponse, ForgotPasswordRequest, ResetPasswordRequest,
    ResetPasswordResponse, SuccessResponse, UserView,
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
        (status = 429, description = "RATE_LIMITED: too many wrong passwords or codes in this session or from this address, with Retry-After", body = ErrorResponse),
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

/// Set a new password with a mailed token; every session of the user is revoked, and
/// this browser is signed in (the session cookie), or asked for its second factor as
/// after a login's password (the `two_factor` challenge cookie).
#[utoipa::path(
    tag = "password",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "The password is set; signed in (`user` and the session cookie), or `twoFactorRequired` with the challenge cookie, or neither for a disabled account", body = ResetPasswordResponse),
        (status = 400, description = "INVALID_TOKEN or VALIDATION_ERROR", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED from a foreign origin (it signs the browser in, as /login does)", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: ApiJson<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    // It signs the browser in: another site's form must not sign a visitor in to an
    // account of the attacker's choosing (as for /login).
    let mut fields = Fields::default();
    let token = fields.required("token", body.token.as_deref());
    let new = fields.new_password("newPassword", body.new_password.as_deref());
    let (token, new) = fields.validated(token.zip(new))?;
    let answer = |message: &str| ResetPasswordResponse {
        success: true,
        message: message.to_owned(),
        user: None,
        two_factor_required: None,
        methods: None,
    };
    Ok(match password_reset::complete(&state, &client, token, new).await? {
        Reset::SignedIn(user, session) => HttpResponse::Ok()
            .cookie(cookies::session_cookie(
                &state.settings,
                session.token,
                session.max_age_seconds,
            ))
            .json(ResetPasswordResponse {
                user: Some(UserView::from(user.as_ref())),
                ..answer("Your password has been reset, and you are signed in.")
            }),
        Reset::SecondFactor(pending) => HttpResponse::Ok()
            .cookie(cookies::two_factor_cookie(
                &state.settings,
                pending.challenge,
                two_factor::CHALLENGE_LIFETIME.num_seconds(),
            ))
            .json(ResetPasswordResponse {
                two_factor_required: Some(true),
                methods: Some(vec!["totp".into(), "recovery_code".into()]),
                ..answer("Your password has been reset. Enter a code from your authenticator app to sign in.")
            }),
        Reset::Disabled => HttpResponse::Ok().json(answer("Your password has been reset.")),
    })
}
