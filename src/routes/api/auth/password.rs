use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::TimeDelta;
use diesel::Connection;

use crate::auth::client::ClientInfo;
use crate::auth::{AuthUser, credentials, tokens};
use crate::db::{self, audit, reset_tokens, sessions, throttles, users};
use crate::error::{ApiError, ErrorCode};
use crate::mail;
use crate::rate_limit::Action;
use crate::routes::api::dto::{
    ChangePasswordRequest, ErrorResponse, ForgotPasswordRequest, ResetPasswordRequest,
    SuccessResponse,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

const RESET_TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(30);

/// Reset mails per address within an hour, on every instance.
const FORGOT_POLICY: throttles::Policy = throttles::Policy {
    max_attempts: 3,
    window: TimeDelta::hours(1),
};

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
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let current = fields.given_password("currentPassword", body.current_password.as_deref());
    let new = fields.new_password("newPassword", body.new_password.as_deref());
    fields.finish()?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(ApiError::new(ErrorCode::ValidationError));
    };
    credentials::confirm(&state, &caller.user, current).await?;
    let hash = state.hasher.hash(new.expose()).await?;
    let client = ClientInfo::from_request(&req, &state.proxies);
    let (user, keep) = (caller.user, caller.session.id);
    db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let now = db::now();
            users::set_password_hash(conn, &user.id, &hash)?;
            sessions::revoke_all_for_user(conn, &user.id, Some(&keep), now)?;
            reset_tokens::spend_all_for_user(conn, &user.id, now)?;
            audit::record_user_action(
                conn,
                &user.id,
                &user.email,
                "user.password_changed",
                client.ip.as_deref(),
            )
        })?;
        Ok(())
    })
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
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let email = fields.email("email", body.email.as_deref());
    fields.finish()?;
    let Some(email) = email else {
        return Err(ApiError::new(ErrorCode::ValidationError));
    };
    state
        .limiter
        .check(Action::ForgotPassword, state.proxies.client_ip(&req))?;
    let limited = state.limiter.enabled();
    let client = ClientInfo::from_request(&req, &state.proxies);
    let token = tokens::new_secret();
    let token_hash = tokens::hash_secret(&token);
    let recipient = db::run(&state.pool, move |conn| {
        let now = db::now();
        if limited {
            let key = format!("forgot:{}", email.as_str());
            if let Some(retry) = throttles::blocked_for(conn, &key, now)? {
                return Err(ApiError::new(ErrorCode::RateLimited).with_retry_after(retry));
            }
            throttles::record_attempt(conn, &key, FORGOT_POLICY, now)?;
        }
        let Some(user) = users::find_by_email(conn, email.as_str())? else {
            return Ok(None);
        };
        if user.disabled_at.is_some() {
            return Ok(None);
        }
        reset_tokens::insert(conn, &user.id, &token_hash, now, now + RESET_TOKEN_LIFETIME)?;
        audit::record_user_action(
            conn,
            &user.id,
            &user.email,
            "user.password_reset_requested",
            client.ip.as_deref(),
        )?;
        Ok(Some(user.email))
    })
    .await?;
    if let Some(address) = recipient {
        let link = reset_link(&state.settings.frontend_url, &token);
        match mail::reset_message(state.mailer.from(), &address, &link) {
            Ok(message) => state.mailer.send_later(message),
            Err(e) => log::error!("reset mail could not be built: {e}"),
        }
    }
    Ok(HttpResponse::Ok().json(SuccessResponse::new(FORGOT_MESSAGE)))
}

fn reset_link(frontend: &url::Url, token: &str) -> String {
    let mut url = frontend.clone();
    let path = format!("{}/reset-password", frontend.path().trim_end_matches('/'));
    url.set_path(&path);
    url.query_pairs_mut().clear().append_pair("token", token);
    url.to_string()
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
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let token = fields.required("token", body.token.as_deref());
    let new = fields.new_password("newPassword", body.new_password.as_deref());
    fields.finish()?;
    let (Some(token), Some(new)) = (token, new) else {
        return Err(ApiError::new(ErrorCode::ValidationError));
    };
    let token_hash = tokens::hash_secret(token);
    // Hash first: the token is spent only together with the new password.
    let hash = state.hasher.hash(new.expose()).await?;
    let client = ClientInfo::from_request(&req, &state.proxies);
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            let now = db::now();
            let Some(user_id) = reset_tokens::consume(conn, &token_hash, now)? else {
                return Err(ApiError::new(ErrorCode::InvalidToken));
            };
            let Some(user) = users::find_by_id(conn, &user_id)?.filter(|u| u.deleted_at.is_none())
            else {
                return Err(ApiError::new(ErrorCode::InvalidToken));
            };
            users::set_password_hash(conn, &user.id, &hash)?;
            sessions::revoke_all_for_user(conn, &user.id, None, now)?;
            reset_tokens::spend_all_for_user(conn, &user.id, now)?;
            throttles::clear(conn, &format!("login:{}", user.email))?;
            audit::record_user_action(
                conn,
                &user.id,
                &user.email,
                "user.password_reset",
                client.ip.as_deref(),
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(SuccessResponse::new(
        "Your password has been reset. Please sign in with the new password.",
    )))
}
