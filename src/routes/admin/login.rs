//! GET, POST /admin/login and POST /admin/logout: the operator's sign-in.

use actix_identity::Identity;
use actix_session::Session;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::{Flash, FlashKind, flash, take_flash};
use super::layout::{html, redirect};
use super::text::Text;
use super::{form_token, login_form_token};
use actix_web::http::StatusCode;

use crate::admin::session_store::{CLIENT_IP_KEY, USER_AGENT_KEY};
use crate::admin::sign_in::{self, LoginRefusal, OperatorSignIn};
use crate::domain::{ClientInfo, Email};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    t: Text,
    csrf: String,
    email: String,
    flash: Option<Flash>,
    /// The operator has a second factor: the form asks for its code too.
    ask_code: bool,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    /// The authenticator app's code, for operators with a second factor.
    code: Option<String>,
    csrf_token: Option<String>,
}

/// The sign-in form. An anonymous visitor gets a signed cookie for the form's token,
/// and no session: nothing is stored until an operator signs in.
pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    identity: Option<Identity>,
) -> Result<HttpResponse, AdminError> {
    if identity.is_some() {
        return Ok(redirect("/admin"));
    }
    let t = Text::of(&req);
    login_page(&state, t, String::new(), take_flash(&session), None, false)
}

/// The form, with a fresh token, the address typed so far and a message; `status`
/// when the answer is an error.
fn login_page(
    state: &AppState,
    t: Text,
    email: String,
    flash: Option<Flash>,
    status: Option<StatusCode>,
    ask_code: bool,
) -> Result<HttpResponse, AdminError> {
    let (csrf, cookie) = login_form_token::issue(&state.settings)?;
    let mut response = html(&LoginPage {
        t,
        csrf,
        email,
        flash,
        ask_code,
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    response
        .add_cookie(&cookie)
        .map_err(|e| AdminError::internal(e.to_string()))?;
    Ok(response)
}

/// The form again with the catalog's `message`.
fn failed(
    state: &AppState,
    t: Text,
    email: &str,
    message: &str,
    status: StatusCode,
) -> Result<HttpResponse, AdminError> {
    let flash = Flash {
        kind: FlashKind::Error,
        text: t.get(message).into_owned(),
    };
    let ask_code = matches!(message, "login.code_needed" | "login.code_wrong");
    login_page(
        state,
        t,
        email.to_owned(),
        Some(flash),
        Some(status),
        ask_code,
    )
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AdminError> {
    let checked = login_form_token::verify(&req, &state.settings, form.csrf_token.as_deref())?;
    if !sign_in::spend_form_token(&state.pool, &checked.token, checked.expires_at).await? {
        return Err(AdminError::CsrfFailed);
    }
    let raw_email = form.email.clone().unwrap_or_default();
    let client = ClientInfo::from_request(&req, &state.proxies);
    let t = Text::of(&req);
    let (Ok(email), Some(password)) = (
        Email::parse(&raw_email),
        form.password.as_deref().filter(|p| !p.is_empty()),
    ) else {
        return failed(
            &state,
            t,
            &raw_email,
            "login.enter_both",
            StatusCode::BAD_REQUEST,
        );
    };
    let attempted = email.as_str().to_owned();
    let code = form.code.as_deref();
    let user = match sign_in::sign_in(&state, &client, email, password, code).await? {
        OperatorSignIn::Operator(user) => user,
        OperatorSignIn::NotOperator => return Err(AdminError::Forbidden),
        OperatorSignIn::CodeNeeded { wrong } => {
            let (message, status) = if wrong {
                ("login.code_wrong", StatusCode::UNAUTHORIZED)
            } else {
                ("login.code_needed", StatusCode::OK)
            };
            return failed(&state, t, &attempted, message, status);
        }
        OperatorSignIn::TwoFactorRequired => {
            return failed(
                &state,
                t,
                &attempted,
                "login.two_factor_required",
                StatusCode::FORBIDDEN,
            );
        }
        OperatorSignIn::Refused(refusal) => {
            let (message, status) = match refusal {
                LoginRefusal::RateLimited => ("login.rate_limited", StatusCode::TOO_MANY_REQUESTS),
                LoginRefusal::Disabled => ("login.disabled", StatusCode::FORBIDDEN),
                LoginRefusal::WrongCredentials => ("login.wrong", StatusCode::UNAUTHORIZED),
            };
            return failed(&state, t, &attempted, message, status);
        }
    };
    // A new session key at the privilege change: no session fixation.
    session.renew();
    Identity::login(&req.extensions(), user.id.to_string())
        .map_err(|e| AdminError::internal(e.to_string()))?;
    // The panel session's row records who is on the other end, like the API's.
    let recorded = session
        .insert(CLIENT_IP_KEY, client.ip_text())
        .and_then(|()| session.insert(USER_AGENT_KEY, client.user_agent.clone()));
    recorded.map_err(|e| AdminError::internal(e.to_string()))?;
    // The session's own form token is made now: never the login form's, nor one from
    // before this sign-in.
    form_token::renew(&session)?;
    flash(
        &session,
        FlashKind::Success,
        format!("{} {}", t.get("login.signed_in_as"), user.email),
    );
    let mut response = redirect("/admin");
    response
        .add_cookie(&login_form_token::spent(&state.settings))
        .map_err(|e| AdminError::internal(e.to_string()))?;
    Ok(response)
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
        if let Ok(id) = identity.id() {
            let ip = ClientInfo::from_request(&req, &state.proxies).ip_text();
            sign_in::sign_out(&state.pool, id, ip).await?;
        }
        // Purges the session: the store revokes its row.
        identity.logout();
    }
    Ok(redirect("/admin/login"))
}
