//! POST /api/v1/auth/login.

use actix_web::{HttpResponse, post, web};

use crate::auth::session_lifecycle::{self, BrowserSession, SignIn};
use crate::auth::two_factor;
use crate::db::users::User;
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::cookies;
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    ErrorResponse, LoginRequest, LoginResponse, TwoFactorRequiredResponse, UserResponse, UserView,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// Sign in with email and password; sets the session cookie.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in (the session cookie is set); or, with the second factor on, `twoFactorRequired` with no session and the `two_factor` challenge cookie", body = LoginResponse),
        (status = 400, description = "VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "INVALID_CREDENTIALS", body = ErrorResponse),
        (status = 403, description = "ACCOUNT_DISABLED, EMAIL_NOT_VERIFIED (REQUIRE_EMAIL_VERIFICATION), or CSRF_FAILED from a foreign origin", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let (email, password) = Fields::credentials(body.email.as_deref(), body.password.as_deref())?;
    let remember = body.remember_me.unwrap_or(true);
    let signed_in =
        session_lifecycle::sign_in(&state, &client, email, password, remember, lang).await?;
    Ok(answer(&state, signed_in))
}

/// A first factor's answer (/login, /sign-in/email/verify): the user and the session
/// cookie, or `twoFactorRequired` and the challenge cookie.
pub fn answer(state: &AppState, signed_in: SignIn<(User, BrowserSession)>) -> HttpResponse {
    match signed_in {
        SignIn::Complete((user, session)) => {
            let cookie =
                cookies::session_cookie(&state.settings, session.token, session.max_age_seconds);
            HttpResponse::Ok()
                .cookie(cookie)
                .json(LoginResponse::SignedIn(UserResponse {
                    user: UserView::from(&user),
                }))
        }
        SignIn::SecondFactor(pending) => {
            let lifetime = two_factor::CHALLENGE_LIFETIME.num_seconds();
            HttpResponse::Ok()
                .cookie(cookies::two_factor_cookie(
                    &state.settings,
                    pending.challenge,
                    lifetime,
                ))
                .json(LoginResponse::TwoFactorRequired(
                    TwoFactorRequiredResponse {
                        two_factor_required: true,
                        methods: vec!["totp".into(), "recovery_code".into()],
                    },
                ))
        }
    }
}
