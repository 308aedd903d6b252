//! GET /api/v1/auth/sessions, DELETE /api/v1/auth/sessions[/{id}]: the caller's own
//! sessions.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::session_lifecycle;
use crate::db::sessions::After;
use crate::domain::{ClientInfo, SessionId};
use crate::error::ApiError;
use crate::http::AuthUser;
use crate::routes::api::dto::{ErrorResponse, SessionView, SessionsResponse};
use crate::state::AppState;

/// Sessions per page unless `limit` says otherwise, and the most it may say.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Sessions per page, 1 to 100 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// `nextCursor` of the previous page (empty: the first page).
    #[param(value_type = Option<String>, pattern = r"^([0-9]{1,16}\.[0-9A-Za-z-]{1,64})?$")]
    cursor: Option<String>,
}

/// The caller's live sessions of every kind, newest first, a page at a time. A user
/// holds at most 100 live sessions: a new one ends the least recently used beyond.
#[utoipa::path(
    tag = "sessions",
    params(ListQuery),
    responses(
        (status = 200, body = SessionsResponse),
        (status = 400, description = "VALIDATION_ERROR: limit or cursor", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[get("/sessions")]
pub async fn list(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let (limit, after) = query.parse()?;
    let page = session_lifecycle::list_own(&state.pool, &caller.user.id, after, limit).await?;
    Ok(HttpResponse::Ok().json(SessionsResponse {
        sessions: page
            .sessions
            .iter()
            .map(|s| SessionView::new(s, &caller.session.id))
            .collect(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

impl ListQuery {
    fn parse(&self) -> Result<(i64, Option<After>), ApiError> {
        let mut fields = BTreeMap::new();
        let limit = match self.limit.as_deref() {
            None => Some(DEFAULT_LIMIT),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n)),
        };
        if limit.is_none() {
            fields.insert(
                "limit".to_owned(),
                "must be a whole number from 1 to 100".to_owned(),
            );
        }
        let after = self
            .cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_cursor);
        if let Some(None) = after {
            fields.insert(
                "cursor".to_owned(),
                "must be the nextCursor of a previous page".to_owned(),
            );
        }
        match (limit, after) {
            (Some(limit), after) if fields.is_empty() => Ok((limit, after.flatten())),
            _ => Err(ApiError::validation(fields)),
        }
    }
}

/// The cursor is opaque to clients: the last session's creation time (microseconds)
/// and id, `{micros}.{id}`. Every string of that shape is a place in the list (the
/// document's pattern), so a well-formed cursor is never refused.
fn encode_cursor(after: &After) -> String {
    format!(
        "{}.{}",
        after.created_at.and_utc().timestamp_micros(),
        after.id
    )
}

/// A cursor of `encode_cursor`'s form, or the base64url of it that versions before
/// handed out (a client may hold one across an upgrade).
fn decode_cursor(cursor: &str) -> Option<After> {
    plain_cursor(cursor).or_else(|| {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        plain_cursor(&String::from_utf8(bytes).ok()?)
    })
}

fn plain_cursor(text: &str) -> Option<After> {
    let (micros, id) = text.split_once('.')?;
    let well_formed = (1..=16).contains(&micros.len())
        && micros.bytes().all(|b| b.is_ascii_digit())
        && (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !well_formed {
        return None;
    }
    let created_at = chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    Some(After {
        created_at,
        id: id.to_owned(),
    })
}

/// Revoke one of the caller's own sessions.
#[utoipa::path(
    tag = "sessions",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND: no live session of the caller has this id", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[delete("/sessions/{id}")]
pub async fn revoke_one(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = SessionId::from(id.into_inner());
    session_lifecycle::revoke_own(&state.pool, &client, &caller.user, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke every session of the caller except the current one.
#[utoipa::path(
    tag = "sessions",
    responses(
        (status = 204, description = "Every other session revoked"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "CSRF_FAILED", body = ErrorResponse),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
#[delete("/sessions")]
pub async fn revoke_others(
    state: web::Data<AppState>,
    client: ClientInfo,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let keep = &caller.session.id;
    session_lifecycle::revoke_others(&state.pool, &client, &caller.user, keep).await?;
    Ok(HttpResponse::NoContent().finish())
}
