//! A social sign-in from start to end. `start` makes the authorization URL and binds
//! the sign-in to the browser (a cookie whose secret the server keeps only hashed);
//! `finish` spends it at the callback, checks the provider's answer and starts an
//! ordinary browser session. Every outcome of the callback is a redirect.

use actix_web::HttpResponse;
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use chrono::TimeDelta;

use std::sync::Arc;

use super::linking::{self, Outcome};
use super::provider::Provider;
use super::return_url;
use crate::auth::client_info::ClientInfo;
use crate::auth::throttle::Action;
use crate::auth::{email_verification, session_lifecycle, tokens};
use crate::config::Settings;
use crate::db::social_sign_ins::{self, PendingSignIn};
use crate::db::{self, audit};
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Lang;
use crate::state::AppState;

const PENDING_LIFETIME: TimeDelta = TimeDelta::minutes(10);
const CALLBACK_PATH: &str = "/api/v1/auth/callback";

/// A sign-in the front-end asked for, its return URLs already checked.
pub struct SignInStart {
    pub provider: Arc<Provider>,
    pub callback: url::Url,
    pub error_callback: url::Url,
    /// The signed-in user who started it: the identity is linked to them.
    pub link_to: Option<String>,
}

/// The provider's authorization URL, and the cookie that binds the sign-in to this
/// browser.
pub async fn start(
    state: &AppState,
    client: &ClientInfo,
    request: SignInStart,
) -> Result<(url::Url, Cookie<'static>), ApiError> {
    state
        .throttle
        .check_ip(&state.pool, Action::SocialSignIn, client.ip)
        .await?;
    let provider = request.provider;
    let authorization = provider.authorization();
    let key = tokens::new_secret();
    let now = db::now();
    let pending = PendingSignIn {
        key_hash: tokens::hash_secret(&key),
        provider: provider.id.clone(),
        state: authorization.state,
        nonce: authorization.nonce,
        pkce_verifier: authorization.pkce_verifier,
        callback_url: request.callback.to_string(),
        error_callback_url: request.error_callback.to_string(),
        link_user_id: request.link_to,
        created_at: now,
        expires_at: now + PENDING_LIFETIME,
    };
    db::run(&state.pool, move |conn| {
        Ok(social_sign_ins::insert(conn, &pending)?)
    })
    .await?;
    let cookie = pending_cookie(&state.settings, key, PENDING_LIFETIME.num_seconds());
    Ok((authorization.url, cookie))
}

/// What the provider sent back in the query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set when the user declined, or the provider refused.
    pub error: Option<String>,
}

/// The callback: a redirect to the sign-in's callback URL with a session cookie, or
/// to its error URL with `?error=<CODE>`. The binding cookie is cleared either way.
pub async fn finish(
    state: &AppState,
    client: &ClientInfo,
    provider: &str,
    query: CallbackQuery,
    key: Option<String>,
    lang: Lang,
) -> HttpResponse {
    let outcome = complete(state, client, provider, query, key, lang).await;
    let cleared = pending_cookie(&state.settings, String::new(), 0);
    let mut response = HttpResponse::Found();
    response
        .insert_header((CACHE_CONTROL, "no-store"))
        .cookie(cleared);
    match outcome {
        Ok((callback, session)) => {
            if let Some(session) = session {
                response.cookie(session);
            }
            response.insert_header((LOCATION, callback.to_string()));
        }
        Err((error_url, code)) => {
            response.insert_header((LOCATION, return_url::with_error(error_url, code.as_str())));
        }
    }
    response.finish()
}

type Finished = Result<(url::Url, Option<Cookie<'static>>), (url::Url, ErrorCode)>;

async fn complete(
    state: &AppState,
    client: &ClientInfo,
    provider_id: &str,
    query: CallbackQuery,
    key: Option<String>,
    lang: Lang,
) -> Finished {
    let fallback = default_error_url(&state.settings);
    if let Err(e) = state
        .throttle
        .check_ip(&state.pool, Action::SocialSignIn, client.ip)
        .await
    {
        return Err((fallback, e.code()));
    }
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err((fallback, ErrorCode::OauthFailed));
    };
    let key_hash = tokens::hash_secret(&key);
    let taken = db::run(&state.pool, move |conn| {
        Ok(social_sign_ins::take(conn, &key_hash)?)
    })
    .await;
    let pending = match taken {
        Ok(Some(pending)) => pending,
        // Unknown, or already spent: a replayed callback.
        Ok(None) => return Err((fallback, ErrorCode::OauthFailed)),
        Err(e) => return Err((fallback, e.code())),
    };
    let error_url = url::Url::parse(&pending.error_callback_url).unwrap_or(fallback);
    let fail = |code| Err((error_url.clone(), code));

    let state_matches = query
        .state
        .as_deref()
        .is_some_and(|given| tokens::hash_secret(given) == tokens::hash_secret(&pending.state));
    if pending.expires_at <= db::now()
        || pending.provider != provider_id
        || query.error.is_some()
        || !state_matches
    {
        return fail(ErrorCode::OauthFailed);
    }
    let (Some(code), Some(provider)) = (query.code, state.social.get(provider_id)) else {
        return fail(ErrorCode::OauthFailed);
    };
    let identity = match provider
        .identify(
            state.social.http(),
            code,
            pending.pkce_verifier.clone(),
            &pending.nonce,
        )
        .await
    {
        Ok(identity) => identity,
        Err(e) => {
            log::warn!("sign-in with `{provider_id}` refused: {e}");
            return fail(ErrorCode::OauthFailed);
        }
    };

    let (provider_name, link_to) = (provider_id.to_owned(), pending.link_user_id.clone());
    let resolved = db::run(&state.pool, move |conn| {
        linking::resolve(
            conn,
            &provider_name,
            &identity,
            link_to.as_deref(),
            db::now(),
        )
    })
    .await;
    let (user, outcome) = match resolved {
        Ok(resolved) => resolved,
        Err(e) => return fail(e.code()),
    };
    let callback = match url::Url::parse(&pending.callback_url) {
        Ok(url) => url,
        Err(_) => return fail(ErrorCode::OauthFailed),
    };
    let details = format!("provider={provider_id}");
    if let Err(e) = record(state, client, &user, outcome, &details).await {
        return fail(e.code());
    }
    // Linking from a signed-in session: that session goes on; no new one.
    if pending.link_user_id.is_some() {
        return Ok((callback, None));
    }
    if let Err(e) = email_verification::refuse_unverified(state, &user, lang) {
        return fail(e.code());
    }
    match session_lifecycle::start_browser_session(
        state,
        client,
        &user,
        true,
        "user.login",
        Some(details),
    )
    .await
    {
        Ok(cookie) => Ok((callback, Some(cookie))),
        Err(e) => fail(e.code()),
    }
}

/// The audit entries of a new account or a new link (a sign-in has its own).
async fn record(
    state: &AppState,
    client: &ClientInfo,
    user: &crate::db::users::User,
    outcome: Outcome,
    details: &str,
) -> Result<(), ApiError> {
    let action = match outcome {
        Outcome::Known => return Ok(()),
        Outcome::Created => "user.signup",
        Outcome::Linked => "user.account_linked",
    };
    let (id, email, ip, details) = (
        user.id.clone(),
        user.email.clone(),
        client.ip_text(),
        details.to_owned(),
    );
    db::run(&state.pool, move |conn| {
        Ok(audit::record_user_action_with(
            conn,
            &id,
            &email,
            action,
            ip.as_deref(),
            Some(&details),
        )?)
    })
    .await
}

/// `{FRONTEND_URL}/login`: where errors go when the sign-in's own error URL is unknown.
pub fn default_error_url(settings: &Settings) -> url::Url {
    let base = settings.frontend_url.clone();
    let path = format!("{}/login", base.path().trim_end_matches('/'));
    let mut url = base;
    url.set_path(&path);
    url.set_query(None);
    url
}

pub fn pending_cookie_name(settings: &Settings) -> String {
    format!("{}_oauth", settings.cookie_name)
}

/// HttpOnly, sent only to the callback. SameSite=Lax is what lets it come back on the
/// provider's redirect (a top-level navigation); with COOKIE_SAMESITE=None (app and
/// API on different sites) it must be None too, or the browser would not keep it.
fn pending_cookie(settings: &Settings, value: String, max_age: i64) -> Cookie<'static> {
    let same_site = match settings.cookie_same_site {
        SameSite::None => SameSite::None,
        _ => SameSite::Lax,
    };
    let mut cookie = Cookie::build(pending_cookie_name(settings), value)
        .http_only(true)
        .same_site(same_site)
        .path(CALLBACK_PATH)
        .secure(settings.cookie_secure)
        .finish();
    cookie.set_max_age(CookieDuration::seconds(max_age));
    cookie
}
