//! POST /api/v1/auth/send-verification-email and /verify-email.

use actix_web::{HttpRequest, HttpResponse, post, web};

use crate::auth::email_verification::{self, Recipient};
use crate::domain::ClientInfo;
use crate::error::{ApiError, ErrorCode};
use crate::http::{MaybeUser, cookies};
use crate::i18n::Lang;
use crate::routes::api::api_json::{ApiJson, OptionalApiJson};
use crate::routes::api::dto::{
    ErrorResponse, SendVerificationEmailRequest, SuccessResponse, UserResponse, UserView,
    VerifyEmailRequest,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

const SENT_MESSAGE: &str =
    "If this address has an account that is not verified yet, a verification link has been sent.";

/// Mail a fresh verification link: to `email`, or without it to the signed-in user's
/// address. The answer is the same whether or not the address has an account.
#[utoipa::path(
    tag = "verification",
    request_body(content = Option<SendVerificationEmailRequest>, description = "`email`; or, signed in, no body or an empty object"),
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "VALIDATION_ERROR: not an address", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED: no email and not signed in", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED: a cookie from a foreign origin", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    ),
    security((), ("cookie" = []), ("bearer" = []))
)]
#[post("/send-verification-email")]
pub async fn send_verification_email(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: MaybeUser,
    body: OptionalApiJson<SendVerificationEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let recipient = match (body.email.as_deref(), caller.0) {
        (None, Some(caller)) => Recipient::User(Box::new(caller.user)),
        // No address and nobody signed in: whose address?
        (None, None) => return Err(ApiError::new(ErrorCode::Unauthorized)),
        (given, _) => {
            let mut fields = Fields::default();
            let email = fields.email("email", given);
            Recipient::Address(fields.validated(email)?)
        }
    };
    email_verification::request(&state, &client, recipient, lang)?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new(SENT_MESSAGE)))
}

/// Spend a verification token: the address it was sent to is verified. In the browser
/// that signed up while verification was required, this also signs in (session
/// cookie). A change-of-address link (`/user/change-email`) moves its account to the
/// new address, verified.
#[utoipa::path(
    tag = "verification",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The user, with `emailVerified: true`; the session cookie is set in the browser that signed up", body = UserResponse),
        (status = 400, description = "INVALID_TOKEN (unknown, used or expired; a change-of-address link whose account has another address by now), EMAIL_TAKEN (the new address of a change-of-address link was taken meanwhile), or VALIDATION_ERROR", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/verify-email")]
pub async fn verify_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientInfo,
    body: ApiJson<VerifyEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let token = fields.required("token", body.token.as_deref());
    let token = fields.validated(token)?;
    let binding = req
        .cookie(&cookies::signup_binding_cookie_name(&state.settings))
        .map(|c| c.value().to_owned());
    if binding.is_some() {
        // It may sign in: only from the app's own pages, as sign-up and login.
    }
    let (user, session) =
        email_verification::verify_and_sign_in(&state, &client, token, binding.as_deref()).await?;
    let mut answer = HttpResponse::Ok();
    if let Some(session) = session {
        answer.cookie(cookies::session_cookie(
            &state.settings,
            session.token,
            session.max_age_seconds,
        ));
        answer.cookie(cookies::signup_binding_cookie(
            &state.settings,
            String::new(),
            0,
        ));
    }
    Ok(answer.json(UserResponse {
        user: UserView::from(&user),
    }))
}
