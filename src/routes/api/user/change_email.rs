//! POST /api/v1/user/change-email.

use actix_web::{HttpResponse, post, web};

use crate::auth::email_change;
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::AuthUser;
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{ChangeEmailRequest, ErrorResponse, SuccessResponse};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

const SENT_MESSAGE: &str = "To finish the change, open the link we sent to the new address";

/// Ask for a new email address: a link `{FRONTEND_URL}/verify-email?token=…` goes to
/// the new address (24 hours, single use) and a notice to the current one. Nothing
/// changes until the link is opened (`POST /api/v1/auth/verify-email`); then the
/// address is the new one, verified.
#[utoipa::path(
    tag = "account",
    request_body = ChangeEmailRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "EMAIL_TAKEN, INVALID_PASSWORD, VALIDATION_ERROR (also the account's own address)", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED; REAUTHENTICATION_REQUIRED: a user without a password whose session signed in more than 10 minutes ago", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong passwords in this session or requests from this address, with Retry-After", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/change-email")]
pub async fn change_email(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: AuthUser,
    body: ApiJson<ChangeEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let new_email = fields.email("newEmail", body.new_email.as_deref());
    // Left out by a user who has one, it is INVALID_PASSWORD (the request's shape is
    // right); a user without one proves it by a recent sign-in.
    let password = match body.password.as_deref() {
        Some(sent) if caller.user.password_hash.is_some() && !sent.is_empty() => {
            fields.given_password("password", Some(sent))
        }
        _ => None,
    };
    let new_email = fields.validated(new_email)?;
    email_change::request(
        &state,
        &client,
        &caller.user,
        &caller.session.id,
        new_email,
        password,
        lang,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new(SENT_MESSAGE)))
}
