//! Social sign-in: GET /providers, POST /sign-in/social, GET /callback/{provider},
//! GET /accounts, DELETE /accounts/{provider}.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, post, web};

use crate::domain::ClientInfo;
use crate::error::ApiError;
use crate::http::{AuthUser, MaybeUser, cookies};
use crate::i18n::Lang;
use crate::middleware::RequestId;
use crate::routes::api::api_json::ApiJson;
use crate::routes::api::dto::{
    AccountView, AccountsResponse, ErrorResponse, ProviderView, ProvidersResponse,
    SocialSignInRequest, SocialSignInResponse,
};
use crate::routes::api::validate::Fields;
use crate::social::flow::{self, CallbackQuery, Finished, SignInStart};
use crate::social::{identities, return_url};
use crate::state::AppState;

const UNTRUSTED_URL: &str = "must be a path or a URL of a trusted origin";

/// The sign-in providers configured and ready (a discovered provider appears once its
/// discovery has succeeded).
#[utoipa::path(
    tag = "social",
    responses((status = 200, body = ProvidersResponse))
)]
#[get("/providers")]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(ProvidersResponse {
        providers: state
            .social
            .ready()
            .iter()
            .map(|p| ProviderView {
                id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect(),
    })
}

/// Start a sign-in with a provider: the answer is the provider's authorization URL
/// (code flow, PKCE S256, state, nonce) and a cookie binding the sign-in to this
/// browser for 10 minutes. Called while signed in, it links the provider's identity to
/// the signed-in user instead.
#[utoipa::path(
    tag = "social",
    request_body = SocialSignInRequest,
    responses(
        (status = 200, description = "Send the browser to `url`", body = SocialSignInResponse),
        (status = 400, description = "VALIDATION_ERROR: unknown provider, or a callback outside the trusted origins", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED: a browser on a foreign origin", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    ),
    security((), ("cookie" = []), ("bearer" = []))
)]
#[post("/sign-in/social")]
pub async fn sign_in_social(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: MaybeUser,
    body: ApiJson<SocialSignInRequest>,
) -> Result<HttpResponse, ApiError> {
    let trusted = |raw: &str| return_url::trusted(&state.settings, raw).ok_or(UNTRUSTED_URL);
    let mut fields = Fields::default();
    let provider = fields.parsed("provider", body.provider.as_deref(), |id| {
        state.social.get(id).ok_or("is not a configured provider")
    });
    let landing = fields.parsed("callbackURL", body.callback_url.as_deref(), trusted);
    let error_landing = match body.error_callback_url.as_deref() {
        None => Some(flow::default_error_url(&state.settings)),
        Some(raw) => fields.parsed("errorCallbackURL", Some(raw), trusted),
    };
    let ((provider, landing), error_landing) =
        fields.validated(provider.zip(landing).zip(error_landing))?;
    let start = SignInStart {
        provider,
        callback: landing,
        error_callback: error_landing,
        link_to: caller.0.map(|c| c.user.id),
    };
    let started = flow::start(&state, &client, start).await?;
    let cookie =
        cookies::social_binding_cookie(&state.settings, started.binding, started.binding_seconds);
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .insert_header((CACHE_CONTROL, "no-store"))
        .json(SocialSignInResponse {
            url: started.authorization_url.to_string(),
            redirect: true,
        }))
}

/// Where the provider sends the browser back. Always a redirect: to `callbackURL`
/// signed in (a replayed callback in a browser already signed in: to `FRONTEND_URL`),
/// or to `errorCallbackURL` with `?error=OAUTH_FAILED`,
/// `ACCOUNT_NOT_LINKED`, `ACCOUNT_DISABLED`, `EMAIL_NOT_VERIFIED` or `RATE_LIMITED`.
#[utoipa::path(
    tag = "social",
    params(
        ("provider" = String, Path, description = "The provider's id"),
        ("code" = Option<String>, Query, description = "The authorization code"),
        ("state" = Option<String>, Query, description = "The state the sign-in was started with"),
        ("error" = Option<String>, Query, description = "Set by the provider when the user declined"),
    ),
    responses(
        (status = 302, description = "To `callbackURL` with the session cookie set, or to `errorCallbackURL?error=<CODE>`"),
    )
)]
#[get("/callback/{provider}")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientInfo,
    lang: Lang,
    provider: web::Path<String>,
    caller: Option<MaybeUser>,
) -> HttpResponse {
    // A malformed query is the provider's (or someone's) mistake: the same redirect
    // as any other refusal, never a JSON page in the browser.
    let query = web::Query::<CallbackQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let key = req
        .cookie(&cookies::social_binding_cookie_name(&state.settings))
        .map(|c| c.value().to_owned());
    let mut finished = flow::finish(&state, &client, &provider, query, key, lang).await;
    // A replayed callback (the back button after a success) in a browser that is
    // signed in: it goes on to the app, not to a login page saying sign-in failed.
    let signed_in = caller.is_some_and(|c| c.0.is_some());
    if let Finished::Refused { unknown: true, .. } = &finished
        && signed_in
    {
        log::info!(
            "sign-in with `{provider}`: a replayed callback in a signed-in browser, sent to the app"
        );
        finished = Finished::Done {
            to: state.settings.frontend.url.clone(),
            session: None,
            challenge: None,
        };
    }
    let (location, landed) = match finished {
        Finished::Done {
            to,
            session,
            challenge,
        } => (to.to_string(), Some((session, challenge))),
        Finished::Refused {
            to,
            failure,
            reason,
            ..
        } => {
            let code = ApiError::from(*failure).code();
            let rid = req
                .extensions()
                .get::<RequestId>()
                .map(|id| id.0.clone())
                .unwrap_or_default();
            log::warn!(
                "sign-in with `{provider}` refused ({}): {reason}, rid={rid}",
                code.as_str()
            );
            (return_url::with_error(to, code.as_str()), None)
        }
    };
    // The binding is spent (or useless) whatever happened: its cookie goes.
    let mut response = HttpResponse::Found();
    response
        .insert_header((CACHE_CONTROL, "no-store"))
        .insert_header((LOCATION, location))
        .cookie(cookies::social_binding_cookie(
            &state.settings,
            String::new(),
            0,
        ));
    if let Some((session, challenge)) = landed {
        if let Some(session) = session {
            response.cookie(cookies::session_cookie(
                &state.settings,
                session.token,
                session.max_age_seconds,
            ));
        }
        if let Some(challenge) = challenge {
            let lifetime = crate::auth::two_factor::CHALLENGE_LIFETIME.num_seconds();
            response.cookie(cookies::two_factor_cookie(
                &state.settings,
                challenge,
                lifetime,
            ));
        }
    }
    response.finish()
}

/// The provider identities linked to the caller's account.
#[utoipa::path(
    tag = "social",
    responses(
        (status = 200, body = AccountsResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[get("/accounts")]
pub async fn accounts(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let linked = identities::list(&state.pool, &caller.user.id).await?;
    Ok(HttpResponse::Ok().json(AccountsResponse {
        accounts: linked.iter().map(AccountView::from).collect(),
    }))
}

/// Unlink the caller's identity at `provider`; refused when it is the only way left
/// to sign in (no password, no other provider).
#[utoipa::path(
    tag = "social",
    params(("provider" = String, Path, description = "The provider's id")),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 400, description = "LAST_SIGN_IN_METHOD", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: no identity of this provider is linked", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[delete("/accounts/{provider}")]
pub async fn unlink(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    provider: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    identities::unlink(&state, &client, &caller.user, provider.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
