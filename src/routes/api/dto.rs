//! The JSON shapes of the API. The OpenAPI document is generated from these same
//! types, so it cannot drift from what the handlers send and accept.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session_lifecycle::TokenPair;
use crate::db::sessions::Session;
use crate::db::users::User;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    #[schema(example = "0b0c6f6e-2f6c-4a8e-9d43-8f1b2b0c9a11")]
    pub id: String,
    #[schema(example = "tanaka@example.com")]
    pub email: String,
    #[schema(example = "田中太郎")]
    pub name: Option<String>,
    pub email_verified: bool,
    pub image: Option<String>,
    #[schema(example = "user")]
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            email_verified: user.email_verified,
            image: user.image.clone(),
            role: user.role.clone(),
            created_at: utc(user.created_at),
            updated_at: utc(user.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub user: UserView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    #[schema(example = "Logged out")]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuccessResponse {
    pub success: bool,
    pub message: String,
}

impl SuccessResponse {
    pub fn new(message: &str) -> Self {
        Self {
            success: true,
            message: message.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub id: String,
    /// `browser`, `bearer` or `admin`.
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

impl SessionView {
    pub fn new(session: &Session, current_id: &str) -> Self {
        Self {
            id: session.id.clone(),
            kind: session.kind.clone(),
            created_at: utc(session.created_at),
            last_seen_at: utc(session.last_seen_at),
            expires_at: utc(session.expires_at),
            ip: session.ip.clone(),
            user_agent: session.user_agent.clone(),
            current: session.id == current_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsResponse {
    pub sessions: Vec<SessionView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GreetingResponse {
    #[schema(example = "Hello, 田中太郎!")]
    pub message: String,
    pub user_name: Option<String>,
    pub is_logged_in: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthResponse {
    #[schema(example = "ok")]
    pub status: String,
    /// ISO 8601 in UTC, to the second, like the contract's example.
    #[schema(example = "2026-01-15T10:00:00Z", format = DateTime)]
    pub timestamp: String,
    /// `ok`, or `unavailable` (with status 503).
    #[schema(example = "ok")]
    pub database: String,
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

impl From<TokenPair> for TokenResponse {
    fn from(pair: TokenPair) -> Self {
        Self {
            token: pair.access_token,
            refresh_token: pair.refresh_token,
            expires_in: pair.expires_in,
            token_type: "Bearer".into(),
        }
    }
}

/// The error envelope of every non-2xx response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(example = "VALIDATION_ERROR")]
    pub code: String,
    #[schema(example = "Invalid input")]
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

// Requests. Every field is optional at the JSON level so that a missing one becomes
// a VALIDATION_ERROR naming it, like an invalid one.

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignupRequest {
    #[schema(example = "tanaka@example.com")]
    pub email: Option<String>,
    /// 8 to 128 characters.
    pub password: Option<String>,
    #[schema(example = "田中太郎")]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub email: Option<String>,
    pub password: Option<String>,
    /// Default true: a 7-day cookie; false: a browser-session cookie and a 1-day session.
    #[serde(alias = "remember_me")]
    pub remember_me: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ForgotPasswordRequest {
    pub email: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPasswordRequest {
    pub token: Option<String>,
    #[serde(alias = "new_password")]
    pub new_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    #[serde(alias = "current_password")]
    pub current_password: Option<String>,
    #[serde(alias = "new_password")]
    pub new_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WithdrawRequest {
    #[serde(alias = "confirm_password")]
    pub confirm_password: Option<String>,
}

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
