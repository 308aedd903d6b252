//! Creating sessions and the tokens that name them.

use chrono::{NaiveDateTime, TimeDelta};

use super::client::ClientInfo;
use super::jwt::{Claims, JwtKeys};
use crate::db::{DbConnection, sessions};
use crate::error::ApiError;

/// A remember-me=false browser session lives one day.
pub const SHORT_SESSION: TimeDelta = TimeDelta::days(1);

pub struct NewSessionSpec<'a> {
    pub user_id: &'a str,
    pub kind: &'a str,
    pub lifetime: TimeDelta,
    pub refresh_token_hash: Option<&'a str>,
    pub client: &'a ClientInfo,
}

/// Inserts the session row; returns its id and expiry.
pub fn create(
    conn: &mut DbConnection,
    spec: &NewSessionSpec<'_>,
    now: NaiveDateTime,
) -> Result<(String, NaiveDateTime), ApiError> {
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = now + spec.lifetime;
    sessions::insert(
        conn,
        &sessions::NewSession {
            id: &id,
            user_id: Some(spec.user_id),
            kind: spec.kind,
            token_hash: None,
            refresh_token_hash: spec.refresh_token_hash,
            state: None,
            created_at: now,
            last_seen_at: now,
            expires_at,
            ip: spec.client.ip.as_deref(),
            user_agent: spec.client.user_agent.as_deref(),
        },
    )?;
    Ok((id, expires_at))
}

/// A JWT for session `sid` of user `sub`, valid until `expires_at`.
pub fn sign(
    keys: &JwtKeys,
    sub: &str,
    sid: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<String, ApiError> {
    keys.sign(&Claims {
        sub: sub.to_owned(),
        sid: sid.to_owned(),
        iat: now.and_utc().timestamp(),
        exp: expires_at.and_utc().timestamp(),
    })
    .map_err(ApiError::internal)
}
