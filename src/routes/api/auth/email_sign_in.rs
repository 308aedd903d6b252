//! POST /api/v1/auth/sign-in/email and /sign-in/email/verify (EMAIL_SIGN_IN).

use actix_web::{HttpResponse, post, web};

use crate::auth::email_sign_in::{self, Proof};
use crate::domain::ClientInfo;
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Lang;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    EmailSignInRequest, EmailSignInVerifyRequest, ErrorResponse, LoginResponse, SuccessResponse,
};
use crate::routes::api::validate::Fields;
use crate::social::return_url;
use crate::state::AppState;

const SENT_MESSAGE: &str =
    "If sign-in by email is possible for this address, a link and a code are on their way";

/// Off (EMAIL_SIGN_IN=false): the routes are not there.
fn enabled(state: &AppState) -> Result<(), ApiError> {
    if state.settings.accounts.email_sign_in {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::NotFound))
    }
}

/// Mail a sign-in link (`{FRONTEND_URL}/sign-in/email?token=…`) and a 6-digit code,
/// both for 10 minutes, either one once. Answered at once and the same way whether
/// or not the address has an account; at most one mail per address a minute.
#[utoipa::path(
    tag = "auth",
    request_body = EmailSignInRequest,
    responses(
        (status = 200, body = SuccessResponse),
        (status = 400, description = "VALIDATION_ERROR (also a callbackURL that is not the app's)", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: EMAIL_SIGN_IN is off", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/sign-in/email")]
pub async fn sign_in_email(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<EmailSignInRequest>,
) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    let mut fields = Fields::default();
    let email = fields.email("email", body.email.as_deref());
    let callback = match body.callback_url.as_deref() {
        None => Some(None),
        Some(raw) => fields
            .parsed("callbackURL", Some(raw), |raw| {
                return_url::trusted(&state.settings, raw)
                    .ok_or("must be a path or a URL of a trusted origin")
            })
            .map(Some),
    };
    let (email, callback) = fields.validated(email.zip(callback))?;
    email_sign_in::request(&state, &client, email, callback, lang)?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new(SENT_MESSAGE)))
}

/// Sign in with the mailed link's `token`, or with `email` and `code`: the session
/// cookie, or (second factor on) `twoFactorRequired` and the challenge cookie, as
/// `/login` answers. An address without an account gets one, verified (unless
/// EMAIL_SIGN_IN_CREATES_USERS=false).
#[utoipa::path(
    tag = "auth",
    request_body = EmailSignInVerifyRequest,
    responses(
        (status = 200, description = "Signed in (the session cookie is set); or, with the second factor on, `twoFactorRequired` with no session and the `two_factor` challenge cookie", body = LoginResponse),
        (status = 400, description = "INVALID_TOKEN (the link is unknown, used or expired), INVALID_CODE (wrong, used, expired, voided by five wrong codes, or no account and none is made), VALIDATION_ERROR", body = ErrorResponse),
        (status = 403, description = "ACCOUNT_DISABLED, or CSRF_FAILED from a foreign origin", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: EMAIL_SIGN_IN is off", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/sign-in/email/verify")]
pub async fn verify_email_sign_in(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: ApiJson<EmailSignInVerifyRequest>,
) -> Result<HttpResponse, ApiError> {
    enabled(&state)?;
    let proof = proof_of(&body)?;
    let remember = body.remember_me.unwrap_or(true);
    let signed_in = email_sign_in::verify(&state, &client, proof, remember).await?;
    Ok(super::login::answer(&state, signed_in))
}

fn proof_of(body: &EmailSignInVerifyRequest) -> Result<Proof, ApiError> {
    let mut fields = Fields::default();
    if let Some(token) = body
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return Ok(Proof::Link(token.to_owned()));
    }
    let email = fields.email("email", body.email.as_deref());
    let code = fields.parsed("code", body.code.as_deref(), |code| {
        let six_digits = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
        if six_digits {
            Ok(code.to_owned())
        } else {
            Err("must be 6 digits (or send the link's token)")
        }
    });
    let (email, code) = fields.validated(email.zip(code))?;
    Ok(Proof::Code { email, code })
}
