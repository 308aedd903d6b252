//! Bearer access tokens with rotating refresh tokens, for clients that are not
//! browsers.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::client::ClientInfo;
use crate::auth::{credentials, sessions as auth_sessions, tokens};
use crate::db::sessions::Session;
use crate::db::{self, audit, sessions};
use crate::error::{ApiError, ErrorCode};
use crate::routes::api::dto::ErrorResponse;
use crate::routes::api::validate::Fields;
use crate::state::AppState;

pub const ACCESS_TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(15);
pub const REFRESH_SESSION_LIFETIME: TimeDelta = TimeDelta::days(30);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    pub email: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    #[serde(alias = "refresh_token")]
    pub refresh_token: Option<String>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// An HS256 JWT (sub, sid, iat, exp) for `Authorization: Bearer`.
    pub token: String,
    /// Opaque; spent by its first use at /refresh.
    pub refresh_token: String,
    /// Seconds until `token` expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    #[schema(example = "Bearer")]
    pub token_type: String,
}

/// What a token response is made from.
struct Grant {
    session_id: String,
    user_id: String,
    session_expires_at: NaiveDateTime,
    refresh_token: String,
    issued_at: NaiveDateTime,
}

impl Grant {
    fn for_session(
        session: &Session,
        refresh_token: String,
        issued_at: NaiveDateTime,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            session_id: session.id.clone(),
            user_id: session
                .user_id
                .clone()
                .ok_or_else(|| ApiError::internal("bearer session without a user"))?,
            session_expires_at: session.expires_at,
            refresh_token,
            issued_at,
        })
    }

    /// Signing is deterministic: the same grant gives the same access token, which is
    /// how a refresh inside the grace window returns the very pair already issued.
    fn into_response(self, state: &AppState) -> Result<TokenResponse, ApiError> {
        let expires_at = (self.issued_at + ACCESS_TOKEN_LIFETIME).min(self.session_expires_at);
        let token = auth_sessions::sign(
            &state.jwt,
            &self.user_id,
            &self.session_id,
            self.issued_at,
            expires_at,
        )?;
        Ok(TokenResponse {
            token,
            refresh_token: self.refresh_token,
            expires_in: (expires_at - self.issued_at).num_seconds(),
            token_type: "Bearer".into(),
        })
    }
}

/// Exchange email and password for an access token and a refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "VALIDATION_ERROR", body = ErrorResponse),
        (status = 401, description = "INVALID_CREDENTIALS", body = ErrorResponse),
        (status = 403, description = "ACCOUNT_DISABLED", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED, with Retry-After", body = ErrorResponse),
    )
)]
#[post("/token")]
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let (email, password) = Fields::credentials(body.email.as_deref(), body.password.as_deref())?;
    let user = credentials::check(&state, &req, email, password).await?;
    let client = ClientInfo::from_request(&req, &state.proxies);
    let refresh_token = tokens::new_secret();
    let refresh_hash = tokens::hash_secret(&refresh_token);
    let now = db::now();
    let user_id = user.id.clone();
    let (session_id, session_expires_at) = db::run(&state.pool, move |conn| {
        let created = auth_sessions::create(
            conn,
            &auth_sessions::NewSessionSpec {
                user_id: &user.id,
                kind: sessions::KIND_BEARER,
                lifetime: REFRESH_SESSION_LIFETIME,
                refresh_token_hash: Some(&refresh_hash),
                client: &client,
            },
            now,
        )?;
        audit::record_user_action(
            conn,
            &user.id,
            &user.email,
            "user.token_issued",
            client.ip.as_deref(),
        )?;
        Ok(created)
    })
    .await?;
    let grant = Grant {
        session_id,
        user_id,
        session_expires_at,
        refresh_token,
        issued_at: now,
    };
    Ok(HttpResponse::Ok().json(grant.into_response(&state)?))
}

enum Refreshed {
    /// This request rotated the session (or lost a race to one that did, within the
    /// grace window): answer with this pair.
    Pair(Grant),
    /// A spent token came back after the grace window: the session is revoked.
    Reused,
    Unknown,
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
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut fields = Fields::default();
    let presented = fields.required("refreshToken", body.refresh_token.as_deref());
    fields.finish()?;
    let Some(presented) = presented else {
        return Err(ApiError::new(ErrorCode::ValidationError));
    };
    let presented = presented.to_owned();
    let key = state.settings.secret_key.bytes().to_vec();
    let grace = TimeDelta::seconds(state.settings.refresh_grace_seconds as i64);
    let outcome = db::run(&state.pool, move |conn| {
        let hash = tokens::hash_secret(&presented);
        let next = tokens::next_refresh_token(&key, &presented);
        let next_hash = tokens::hash_secret(&next);
        let now = db::now();
        if let Some(session) = sessions::find_by_refresh_hash(conn, &hash, now)?
            && sessions::rotate_refresh(conn, &session.id, &hash, &next_hash, now)?
        {
            return Ok(Refreshed::Pair(Grant::for_session(&session, next, now)?));
        }
        // Not current (any more): a spent token, of any age. Inside the grace window,
        // and only if the session moved on exactly to the token derived from this one,
        // the caller gets the pair that rotation issued; any other replay is reuse.
        let Some(session) = sessions::find_by_spent_refresh_hash(conn, &hash)? else {
            return Ok(Refreshed::Unknown);
        };
        if session.revoked_at.is_some() || session.expires_at <= now {
            return Ok(Refreshed::Unknown);
        }
        let rotated_at = session.refresh_rotated_at.unwrap_or(session.created_at);
        // Only the token spent by the latest rotation may get the current pair.
        let in_grace = now - rotated_at <= grace
            && session.previous_refresh_token_hash.as_deref() == Some(hash.as_str())
            && session.refresh_token_hash.as_deref() == Some(next_hash.as_str());
        if in_grace {
            return Ok(Refreshed::Pair(Grant::for_session(
                &session, next, rotated_at,
            )?));
        }
        sessions::revoke(conn, &session.id, now)?;
        if let Some(user_id) = &session.user_id {
            audit::record(
                conn,
                &audit::NewAuditEntry {
                    actor_id: Some(user_id),
                    action: "session.refresh_token_reused",
                    target_type: Some("session"),
                    target_id: Some(&session.id),
                    created_at: now,
                    ..Default::default()
                },
            )?;
        }
        Ok(Refreshed::Reused)
    })
    .await?;
    match outcome {
        Refreshed::Pair(grant) => Ok(HttpResponse::Ok().json(grant.into_response(&state)?)),
        Refreshed::Reused => Err(ApiError::new(ErrorCode::TokenReused)),
        Refreshed::Unknown => Err(ApiError::new(ErrorCode::Unauthorized)),
    }
}
