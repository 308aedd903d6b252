//! POST /api/v1/auth/signup.

use actix_web::{HttpResponse, post, web};

use crate::auth::account_lifecycle::{self, NewAccount, SignedUp};
use crate::auth::email_verification;
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::cookies;
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{ErrorResponse, SignupRequest, SignupResponse, UserView};
use crate::state::AppState;

/// Create an account and sign in; a verification link is mailed to the address (in
/// the language of Accept-Language). With REQUIRE_EMAIL_VERIFICATION there is no
/// session yet (`verificationRequired: true`): verify-email signs this browser in.
#[utoipa::path(
    tag = "auth",
    request_body = SignupRequest,
    responses(
        (status = 201, description = "Account created; the session cookie is set, unless verificationRequired", body = SignupResponse),
        (status = 400, description = "VALIDATION_ERROR or EMAIL_TAKEN", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED: a browser on a foreign origin", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    )
)]
#[post("/signup")]
pub async fn signup(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let account = NewAccount::try_from(&*body)?;
    let (user, signed_up) = account_lifecycle::sign_up(&state, &client, account, lang).await?;
    let (cookie, verification_required) = match signed_up {
        SignedUp::Session(session) => (
            cookies::session_cookie(&state.settings, session.token, session.max_age_seconds),
            false,
        ),
        SignedUp::VerificationRequired { binding } => (
            cookies::signup_binding_cookie(
                &state.settings,
                binding,
                email_verification::LIFETIME.num_seconds(),
            ),
            true,
        ),
    };
    Ok(HttpResponse::Created().cookie(cookie).json(SignupResponse {
        user: UserView::from(&user),
        verification_required,
    }))
}
