//! /api/v1/auth/two-factor/*: setting up, turning on and off the TOTP second factor
//! and its recovery codes (signed in), and `verify`, the sign-in's second step (the
//! `two_factor` challenge cookie); `/token/two-factor` is the bearer client's.

use actix_web::{HttpRequest, HttpResponse, post, web};

use crate::auth::second_step::{self, Finished, Step};
use crate::auth::two_factor::{self, Answer, Holder, Proof};
use crate::domain::ClientInfo;
use crate::error::{ApiError, ErrorCode};
use crate::http::{AuthUser, cookies};
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    ErrorResponse, RecoveryCodesResponse, TokenResponse, TwoFactorEnableRequest,
    TwoFactorEnabledResponse, TwoFactorProofRequest, TwoFactorSetupRequest, TwoFactorSetupResponse,
    TwoFactorTokenRequest, TwoFactorVerifyRequest, UserResponse, UserView,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// A new secret waiting for its first code: nothing is active yet.
#[utoipa::path(
    tag = "two-factor",
    request_body = TwoFactorSetupRequest,
    responses(
        (status = 200, body = TwoFactorSetupResponse),
        (status = 400, description = "INVALID_PASSWORD", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong passwords or codes in this session or from this address, with Retry-After", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/two-factor/setup")]
pub async fn setup(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    body: ApiJson<TwoFactorSetupRequest>,
) -> Result<HttpResponse, ApiError> {
    let setup = two_factor::setup(
        &state,
        &client,
        &caller.user,
        &caller.session.id,
        body.password.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TwoFactorSetupResponse {
            secret: setup.secret_base32,
            otpauth_uri: setup.otpauth_uri,
            qr_svg: setup.qr_svg,
        }))
}

/// Turns the second factor on with a code of the set-up secret; answers the ten
/// recovery codes, shown this once.
#[utoipa::path(
    tag = "two-factor",
    request_body = TwoFactorEnableRequest,
    responses(
        (status = 200, body = TwoFactorEnabledResponse),
        (status = 400, description = "INVALID_CODE; VALIDATION_ERROR without a pending set-up", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/two-factor/enable")]
pub async fn enable(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: AuthUser,
    body: ApiJson<TwoFactorEnableRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let code = fields.required("code", body.code.as_deref());
    let code = fields.validated(code)?;
    let (user, codes) = two_factor::enable(&state, &client, &caller.user, code, lang).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(TwoFactorEnabledResponse {
            recovery_codes: codes,
            user: UserView::from(&user),
        }))
}

/// Turns the second factor off; its secret and recovery codes are deleted.
#[utoipa::path(
    tag = "two-factor",
    request_body = TwoFactorProofRequest,
    responses(
        (status = 200, body = UserResponse),
        (status = 400, description = "INVALID_PASSWORD (also a code alone from a user who has a password), INVALID_CODE, VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED; REAUTHENTICATION_REQUIRED: a user without a password whose session signed in more than 10 minutes ago", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: two-step verification is not on", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong passwords or codes in this session or from this address, with Retry-After", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/two-factor/disable")]
pub async fn disable(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: AuthUser,
    body: ApiJson<TwoFactorProofRequest>,
) -> Result<HttpResponse, ApiError> {
    let proof = Proof::required_of(&caller.user, body.password.as_deref(), body.code.as_deref())?;
    let user = two_factor::disable(
        &state,
        &client,
        &caller.user,
        &caller.session.id,
        proof,
        lang,
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserResponse {
        user: UserView::from(&user),
    }))
}

/// Ten new recovery codes; the old ones stop working.
#[utoipa::path(
    tag = "two-factor",
    request_body = TwoFactorProofRequest,
    responses(
        (status = 200, body = RecoveryCodesResponse),
        (status = 400, description = "INVALID_PASSWORD (also a code alone from a user who has a password), INVALID_CODE, VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: two-step verification is not on", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong passwords or codes in this session or from this address, with Retry-After", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/two-factor/recovery-codes")]
pub async fn recovery_codes(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: AuthUser,
    body: ApiJson<TwoFactorProofRequest>,
) -> Result<HttpResponse, ApiError> {
    let proof = Proof::required_of(&caller.user, body.password.as_deref(), body.code.as_deref())?;
    let codes = two_factor::new_recovery_codes(
        &state,
        &client,
        &caller.user,
        &caller.session.id,
        proof,
        lang,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(RecoveryCodesResponse {
            recovery_codes: codes,
        }))
}

/// The second step of a sign-in: a code or a recovery code for the challenge the
/// `two_factor` cookie holds. Sets the session cookie.
#[utoipa::path(
    tag = "two-factor",
    request_body = TwoFactorVerifyRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = UserResponse),
        (status = 400, description = "INVALID_CODE, VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED: no live challenge (none, expired, or voided by five wrong codes)", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    )
)]
#[post("/two-factor/verify")]
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<TwoFactorVerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let answer = given_answer(body.code.as_deref(), body.recovery_code.as_deref())?;
    let Some(challenge) = req.cookie(cookies::TWO_FACTOR_COOKIE) else {
        return Err(ApiError::new(ErrorCode::Unauthorized));
    };
    let step = Step {
        challenge: challenge.value(),
        holder: Holder::Browser,
        answer,
        remember: body.remember_me,
    };
    let Finished::Browser { user, session } =
        second_step::finish(&state, &client, step, lang).await?
    else {
        return Err(ApiError::new(ErrorCode::InternalError));
    };
    Ok(HttpResponse::Ok()
        .cookie(cookies::session_cookie(
            &state.settings,
            session.token,
            session.max_age_seconds,
        ))
        .cookie(cookies::two_factor_cookie_removal(&state.settings))
        .json(UserResponse {
            user: UserView::from(&*user),
        }))
}

/// A bearer client's second step: the `challenge` `/token` answered, with a code or
/// a recovery code; answers the token pair.
#[utoipa::path(
    tag = "auth",
    request_body = TwoFactorTokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "INVALID_CODE, VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED: no live challenge", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    )
)]
#[post("/token/two-factor")]
pub async fn token(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<TwoFactorTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let challenge = fields.required("challenge", body.challenge.as_deref());
    let challenge = fields.validated(challenge)?;
    let answer = given_answer(body.code.as_deref(), body.recovery_code.as_deref())?;
    let step = Step {
        challenge,
        holder: Holder::Bearer,
        answer,
        remember: None,
    };
    let Finished::Bearer { pair, .. } = second_step::finish(&state, &client, step, lang).await?
    else {
        return Err(ApiError::new(ErrorCode::InternalError));
    };
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

/// `code` or `recoveryCode`, exactly one.
fn given_answer<'a>(
    code: Option<&'a str>,
    recovery: Option<&'a str>,
) -> Result<Answer<'a>, ApiError> {
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let recovery = recovery.map(str::trim).filter(|c| !c.is_empty());
    match (code, recovery) {
        (Some(code), None) => Ok(Answer::Code(code)),
        (None, Some(recovery)) => Ok(Answer::RecoveryCode(recovery)),
        _ => Err(ApiError::validation_field(
            "code",
            "give either `code` or `recoveryCode`",
        )),
    }
}
