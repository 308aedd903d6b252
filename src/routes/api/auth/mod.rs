//! /api/v1/auth: sign-up, login, logout, me, sessions, passwords.

mod login;
mod logout;
mod me;
mod password;
mod sessions;
mod signup;
mod token;

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use diesel::Connection;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::client::ClientInfo;
use crate::auth::{cookies, csrf, sessions as auth_sessions};
use crate::db::{self, audit, sessions as session_rows, users::User};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1/auth")
            .service(signup::signup)
            .service(login::login)
            .service(token::issue_token)
            .service(token::refresh)
            .service(logout::logout)
            .service(me::me)
            .service(sessions::list)
            .service(sessions::revoke_others)
            .service(sessions::revoke_one)
            .service(password::change_password)
            .service(password::forgot_password)
            .service(password::reset_password),
    );
}

/// Signup and login set a cookie without presenting one: a browser's Origin must
/// still be allowed, so that a foreign page cannot log a visitor in (login CSRF).
fn refuse_foreign_origin(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    if csrf::foreign_origin(req, &state.settings) {
        return Err(ApiError::new(ErrorCode::CsrfFailed));
    }
    Ok(())
}

/// Creates a browser session for `user` and returns its cookie. `action` names the
/// audit entry (`user.signup`, `user.login`).
async fn start_browser_session(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    remember: bool,
    action: &'static str,
) -> Result<Cookie<'static>, ApiError> {
    let client = ClientInfo::from_request(req, &state.proxies);
    let lifetime = if remember {
        chrono::TimeDelta::days(state.settings.access_token_expire_days)
    } else {
        auth_sessions::SHORT_SESSION
    };
    let (user_id, email) = (user.id.clone(), user.email.clone());
    let now = db::now();
    let (sid, expires_at) = db::run(&state.pool, move |conn| {
        conn.transaction(|conn| {
            let created = auth_sessions::create(
                conn,
                &auth_sessions::NewSessionSpec {
                    user_id: &user_id,
                    kind: session_rows::KIND_BROWSER,
                    lifetime,
                    refresh_token_hash: None,
                    client: &client,
                },
                now,
            )?;
            audit::record_user_action(conn, &user_id, &email, action, client.ip.as_deref())?;
            Ok::<_, ApiError>(created)
        })
    })
    .await?;
    let jwt = auth_sessions::sign(&state.jwt, &user.id, &sid, now, expires_at)?;
    let max_age = remember.then(|| lifetime.num_seconds());
    Ok(cookies::session_cookie(&state.settings, jwt, max_age))
}
