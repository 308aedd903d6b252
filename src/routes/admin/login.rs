//! GET, POST /admin/login and POST /admin/logout: the operator's sign-in.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::{Flash, flash, take_flash};
use super::layout::{html, redirect};
use super::{form_token, login_form_token};
use crate::auth::client_info::ClientInfo;
use crate::auth::credentials;
use crate::auth::session_store::{CLIENT_IP_KEY, USER_AGENT_KEY};
use crate::db::{self, audit, users};
use crate::domain::Email;
use crate::error::ErrorCode;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    flash: Option<Flash>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    csrf_token: Option<String>,
}

/// The sign-in form. An anonymous visitor gets a signed cookie for the form's token,
/// and no session: nothing is stored until an operator signs in.
pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    identity: Option<Identity>,
) -> Result<HttpResponse, AdminError> {
    if identity.is_some() {
        return Ok(redirect("/admin"));
    }
    login_page(&state, String::new(), take_flash(&session), None)
}

/// The form, with a fresh token, the address typed so far and a message; `status`
/// when the answer is an error.
fn login_page(
    state: &AppState,
    email: String,
    flash: Option<Flash>,
    status: Option<actix_web::http::StatusCode>,
) -> Result<HttpResponse, AdminError> {
    let (csrf, cookie) = login_form_token::issue(&state.settings)?;
    let mut response = html(&LoginPage { csrf, email, flash })?;
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    response
        .add_cookie(&cookie)
        .map_err(|e| AdminError::internal(e.to_string()))?;
    Ok(response)
}

fn failed(
    state: &AppState,
    email: &str,
    message: &str,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AdminError> {
    let flash = Flash {
        kind: "error".into(),
        text: message.to_owned(),
    };
    login_page(state, email.to_owned(), Some(flash), Some(status))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AdminError> {
    use actix_web::http::StatusCode;
    login_form_token::verify(&req, &state.settings, form.csrf_token.as_deref())?;
    let raw_email = form.email.clone().unwrap_or_default();
    let client = ClientInfo::from_request(&req, &state.proxies);
    let (Ok(email), Some(password)) = (
        Email::parse(&raw_email),
        form.password.as_deref().filter(|p| !p.is_empty()),
    ) else {
        return failed(
            &state,
            &raw_email,
            "Enter your email and password.",
            StatusCode::BAD_REQUEST,
        );
    };
    let attempted = email.as_str().to_owned();
    let outcome = credentials::check(&state, &client, email, password).await;
    let (action, user) = match &outcome {
        Ok(user) if user.is_admin() => ("admin.login", Some(user.clone())),
        Ok(user) => ("admin.login_refused", Some(user.clone())),
        Err(_) => ("admin.login_failed", None),
    };
    let entry_email = attempted.clone();
    let ip = client.ip_text();
    let actor = user.as_ref().map(|u| u.id.clone());
    db::run(&state.pool, move |conn| {
        Ok(audit::record_event(
            conn,
            (actor.as_deref(), Some(&entry_email)),
            action,
            None,
            ip.as_deref(),
        )?)
    })
    .await?;
    match outcome {
        Ok(user) if user.is_admin() => {
            // A new session key at the privilege change: no session fixation.
            session.renew();
            Identity::login(&req.extensions(), user.id.clone())
                .map_err(|e| AdminError::internal(e.to_string()))?;
            // The panel session's row records who is on the other end, like the API's.
            let recorded = session
                .insert(CLIENT_IP_KEY, client.ip_text())
                .and_then(|()| session.insert(USER_AGENT_KEY, client.user_agent.clone()));
            recorded.map_err(|e| AdminError::internal(e.to_string()))?;
            // The session's own form token is made now: never the login form's.
            form_token::token(&session)?;
            flash(&session, "success", format!("Signed in as {}.", user.email));
            let mut response = redirect("/admin");
            response
                .add_cookie(&login_form_token::spent(&state.settings))
                .map_err(|e| AdminError::internal(e.to_string()))?;
            Ok(response)
        }
        Ok(_) => Err(AdminError::Forbidden),
        Err(e) if e.code() == ErrorCode::RateLimited => failed(
            &state,
            &attempted,
            "Too many attempts. Wait a few minutes and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(e) if e.code() == ErrorCode::AccountDisabled => failed(
            &state,
            &attempted,
            "This account is disabled.",
            StatusCode::FORBIDDEN,
        ),
        Err(e) if e.code() == ErrorCode::InvalidCredentials => failed(
            &state,
            &attempted,
            "Incorrect email or password.",
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    identity: Option<Identity>,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&session, form.csrf_token.as_deref())?;
    if let Some(identity) = identity {
        let id = identity.id().ok();
        let ip = ClientInfo::from_request(&req, &state.proxies).ip_text();
        db::run(&state.pool, move |conn| {
            let email = match &id {
                Some(id) => users::find_by_id(conn, id)?.map(|user| user.email),
                None => None,
            };
            Ok(audit::record_event(
                conn,
                (id.as_deref(), email.as_deref()),
                "admin.logout",
                None,
                ip.as_deref(),
            )?)
        })
        .await?;
        // Purges the session: the store revokes its row.
        identity.logout();
    }
    Ok(redirect("/admin/login"))
}
