//! Bearer access tokens with rotating refresh tokens, for clients that are not
//! browsers.

use actix_web::{HttpResponse, post, web};

use crate::auth::session_lifecycle::{self, SignIn};
use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    ErrorResponse, RefreshRequest, TokenAnswer, TokenChallengeResponse, TokenRequest, TokenResponse,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// Exchange email and password for an access token and a refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "The pair; or, with the second factor on, `twoFactorRequired` and a `challenge` for /token/two-factor", body = TokenAnswer),
        (status = 400, description = "VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "INVALID_CREDENTIALS", body = ErrorResponse),
        (status = 403, description = "ACCOUNT_DISABLED, or EMAIL_NOT_VERIFIED (REQUIRE_EMAIL_VERIFICATION)", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let (email, password) = Fields::credentials(body.email.as_deref(), body.password.as_deref())?;
    let answer = match session_lifecycle::issue_bearer(&state, &client, email, password, lang)
        .await?
    {
        SignIn::Complete(pair) => TokenAnswer::Pair(TokenResponse::from(pair)),
        SignIn::SecondFactor(pending) => TokenAnswer::TwoFactorRequired(TokenChallengeResponse {
            two_factor_required: true,
            challenge: pending.challenge,
        }),
    };
    Ok(HttpResponse::Ok().json(answer))
}

/// Exchange a refresh token for a new pair; the presented token is spent.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the presented refresh token is spent", body = TokenResponse),
        (status = 400, description = "VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED, or TOKEN_REUSED (the whole session is revoked)", body = ErrorResponse),
    )
)]
#[post("/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let presented = fields.required("refreshToken", body.refresh_token.as_deref());
    let presented = fields.validated(presented)?;
    let pair = session_lifecycle::refresh(&state, presented.to_owned()).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}
