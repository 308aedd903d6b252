//! /api/v1/auth/passkeys/* (a signed-in user's passkeys) and /sign-in/passkey (signing
//! in with one). Each ceremony's options set the `{COOKIE_NAME}_passkey` cookie that
//! its answer must bring back.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};

use crate::auth::passkeys::{self, CeremonyStarted};
use crate::crypto::passkey::CEREMONY_LIFETIME;
use crate::domain::{ClientInfo, PasskeyId};
use crate::error::ApiError;
use crate::http::{AuthUser, cookies};
use crate::i18n::Lang;
use crate::routes::api::api_json::{ApiJson, OptionalApiJson};
use crate::routes::api::dto::{
    ErrorResponse, PasskeyOptionsResponse, PasskeyRegisterRequest, PasskeyRenameRequest,
    PasskeyResponse, PasskeySignInOptionsRequest, PasskeySignInRequest, PasskeyView,
    PasskeysResponse, UserResponse, UserView,
};
use crate::routes::api::validate::Fields;
use crate::state::AppState;

/// The options, with the cookie that binds the ceremony to this browser.
fn options_response(state: &AppState, started: CeremonyStarted) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .cookie(cookies::passkey_cookie(
            &state.settings,
            started.ceremony,
            i64::try_from(CEREMONY_LIFETIME.as_secs()).unwrap_or(300),
        ))
        .json(PasskeyOptionsResponse {
            options: started.options,
        })
}

fn ceremony_cookie(req: &HttpRequest, state: &AppState) -> Option<String> {
    req.cookie(&cookies::passkey_cookie_name(&state.settings))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

fn required_credential(raw: Option<&serde_json::Value>) -> Result<serde_json::Value, ApiError> {
    match raw {
        Some(value) if value.is_object() => Ok(value.clone()),
        _ => Err(ApiError::validation_field(
            "credential",
            "is required: the browser's credential.toJSON()",
        )),
    }
}

/// Creation options for a new passkey of the signed-in user.
#[utoipa::path(
    operation_id = "passkey_register_options",
    tag = "passkeys",
    responses(
        (status = 200, description = "PublicKeyCredentialCreationOptionsJSON; sets the ceremony cookie", body = PasskeyOptionsResponse),
        (status = 400, description = "PASSKEY_FAILED: passkeys are off on this server", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/passkeys/register/options")]
pub async fn register_options(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let started = passkeys::registration_options(&state, &caller.user).await?;
    Ok(options_response(&state, started))
}

/// The authenticator's answer to the creation options: stores the passkey.
#[utoipa::path(
    operation_id = "register_passkey",
    tag = "passkeys",
    request_body = PasskeyRegisterRequest,
    responses(
        (status = 201, body = PasskeyResponse),
        (status = 400, description = "PASSKEY_FAILED (the reason is logged with the request id), VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[post("/passkeys/register")]
pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: AuthUser,
    body: ApiJson<PasskeyRegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let credential = required_credential(body.credential.as_ref())?;
    let ceremony = ceremony_cookie(&req, &state);
    let outcome = passkeys::register(
        &state,
        &client,
        &caller.user,
        ceremony.as_deref(),
        credential,
        body.name.clone(),
        lang,
    )
    .await;
    // The ceremony is spent either way: the cookie goes with it.
    let clear = cookies::passkey_cookie(&state.settings, String::new(), 0);
    let added = outcome?;
    Ok(HttpResponse::Created().cookie(clear).json(PasskeyResponse {
        passkey: PasskeyView::from(&added),
    }))
}

/// The signed-in user's passkeys, oldest first.
#[utoipa::path(
    operation_id = "list_passkeys",
    tag = "passkeys",
    responses(
        (status = 200, body = PasskeysResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[get("/passkeys")]
pub async fn list(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, ApiError> {
    let found = passkeys::list(&state, &caller.user.id).await?;
    Ok(HttpResponse::Ok().json(PasskeysResponse {
        passkeys: found.iter().map(PasskeyView::from).collect(),
    }))
}

#[utoipa::path(
    operation_id = "rename_passkey",
    tag = "passkeys",
    request_body = PasskeyRenameRequest,
    params(("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 200, body = PasskeyResponse),
        (status = 400, description = "VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: no passkey of the caller has this id", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[patch("/passkeys/{id}")]
pub async fn rename(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    path: web::Path<String>,
    body: ApiJson<PasskeyRenameRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let name = fields.required("name", body.name.as_deref());
    let name = fields.validated(name)?;
    let id = PasskeyId::from(path.into_inner());
    let renamed = passkeys::rename(&state, &client, &caller.user, id, name).await?;
    Ok(HttpResponse::Ok().json(PasskeyResponse {
        passkey: PasskeyView::from(&renamed),
    }))
}

#[utoipa::path(
    operation_id = "delete_passkey",
    tag = "passkeys",
    params(("id" = String, Path, description = "The passkey's id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "LAST_SIGN_IN_METHOD: no password, no linked provider, and this is the last passkey", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[delete("/passkeys/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = PasskeyId::from(path.into_inner());
    passkeys::remove(&state, &client, &caller.user, &caller.session.id, id, lang).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Request options for a passkey sign-in. Without `email` they list no credential
/// (discoverable credentials: a passkey button, or autofill).
#[utoipa::path(
    operation_id = "passkey_sign_in_options",
    tag = "passkeys",
    request_body(content = Option<PasskeySignInOptionsRequest>, description = "Optional: no body, `{}`, or an `email`"),
    responses(
        (status = 200, description = "PublicKeyCredentialRequestOptionsJSON; sets the ceremony cookie", body = PasskeyOptionsResponse),
        (status = 400, description = "VALIDATION_ERROR (email), PASSKEY_FAILED (passkeys are off)", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED from a foreign origin", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    )
)]
#[post("/sign-in/passkey/options")]
pub async fn sign_in_options(
    state: web::Data<AppState>,
    client: ClientInfo,
    body: OptionalApiJson<PasskeySignInOptionsRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = match body.email.as_deref() {
        None => None,
        Some(raw) => {
            let mut fields = Fields::default();
            let email = fields.email("email", Some(raw));
            Some(fields.validated(email)?)
        }
    };
    let started = passkeys::sign_in_options(&state, &client, email).await?;
    Ok(options_response(&state, started))
}

/// The authenticator's answer to the request options: signs in (no second factor is
/// asked: a passkey is one already).
#[utoipa::path(
    operation_id = "sign_in_with_passkey",
    tag = "passkeys",
    request_body = PasskeySignInRequest,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = UserResponse),
        (status = 400, description = "PASSKEY_FAILED (the reason is logged with the request id), VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "INVALID_CREDENTIALS: no passkey has this credential", body = ErrorResponse),
        (status = 403, description = "ACCOUNT_DISABLED, EMAIL_NOT_VERIFIED, CSRF_FAILED", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    )
)]
#[post("/sign-in/passkey")]
pub async fn sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    body: ApiJson<PasskeySignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let credential = required_credential(body.credential.as_ref())?;
    let ceremony = ceremony_cookie(&req, &state);
    let remember = body.remember_me.unwrap_or(true);
    let (user, session) = passkeys::sign_in(
        &state,
        &client,
        ceremony.as_deref(),
        credential,
        remember,
        lang,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .cookie(cookies::session_cookie(
            &state.settings,
            session.token,
            session.max_age_seconds,
        ))
        .cookie(cookies::passkey_cookie(&state.settings, String::new(), 0))
        .json(UserResponse {
            user: UserView::from(&user),
        }))
}
