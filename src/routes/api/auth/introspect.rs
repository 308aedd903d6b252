//! POST /api/v1/auth/introspect: whether a token is a live session now (RFC 7662),
//! for a service that must see a revocation at once. A management key with
//! `tokens:introspect` asks.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session_check;
use crate::domain::ManagementScope;
use crate::error::ApiError;
use crate::http::management_key::ManagementCaller;
use crate::routes::api::ApiJson;
use crate::routes::api::dto::ErrorResponse;
use crate::routes::api::validate::Fields;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct IntrospectRequest {
    /// A session cookie's token or a bearer access token.
    #[schema(value_type = String, required = true, pattern = r"\S")]
    token: Option<String>,
}

/// RFC 7662's answer: `active` and, when it is, the token's claims.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntrospectResponse {
    pub active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
}

/// Whether a token is valid and its session live (not revoked, not expired, its user
/// not disabled) at this moment.
#[utoipa::path(
    tag = "management",
    request_body = IntrospectRequest,
    responses(
        (status = 200, description = "`{\"active\":true,\"sub\",\"sid\",\"exp\",\"iat\"}`, or `{\"active\":false}` for a token expired, badly signed, or whose session ended", body = IntrospectResponse),
        (status = 400, description = "VALIDATION_ERROR: no token", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED: no live management key", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks tokens:introspect", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED: too many wrong keys from this address", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[post("/introspect")]
pub async fn introspect(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    body: ApiJson<IntrospectRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::TokensIntrospect)?;
    let mut fields = Fields::default();
    let token = fields.required("token", body.token.as_deref());
    let token = fields.validated(token)?;
    let answer = match session_check::introspect(&state, token).await? {
        Some(claims) => IntrospectResponse {
            active: true,
            sub: Some(claims.sub),
            sid: Some(claims.sid),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
        },
        None => IntrospectResponse {
            active: false,
            sub: None,
            sid: None,
            exp: None,
            iat: None,
        },
    };
    Ok(HttpResponse::Ok().json(answer))
}
