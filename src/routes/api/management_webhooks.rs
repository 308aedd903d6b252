//! /api/v1/admin/webhooks: the app's backend registers, lists and deletes webhook
//! endpoints with a `webhooks:write` key, through the panel's own use cases.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::webhooks::{self, NewEndpointCommand};
use crate::db::webhooks::Endpoint;
use crate::domain::{ManagementScope, WebhookEventType};
use crate::error::{ApiError, ErrorCode};
use crate::http::management_key::ManagementCaller;
use crate::routes::api::ApiJson;
use crate::routes::api::dto::{ErrorResponse, utc, webhook_events_schema};
use crate::state::AppState;

/// A webhook endpoint (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    #[schema(example = "ep_0b0c6f6e2f6c4a8e9d438f1b2b0c9a11")]
    pub id: String,
    #[schema(example = "https://api.example.com/webhooks/sekisho")]
    pub url: String,
    #[schema(required = true)]
    pub description: Option<String>,
    /// The event types it receives; empty: every type.
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why it is disabled (by an operator, or after five days of failures); null
    /// while enabled.
    #[schema(required = true)]
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Endpoint> for WebhookView {
    fn from(endpoint: &Endpoint) -> Self {
        Self {
            id: endpoint.id.clone(),
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            events: endpoint.event_types().map(str::to_owned).collect(),
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason.clone(),
            created_at: utc(endpoint.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    /// The signing secret (`whsec_…`): shown this once, never again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWebhookRequest {
    /// An absolute http(s) URL without credentials, up to 2000 characters (with
    /// APP_ENV=production: https, to a public address).
    #[schema(
        value_type = String,
        required = true,
        example = "https://api.example.com/webhooks/sekisho",
        max_length = 2000,
        pattern = "^https?://"
    )]
    url: Option<String>,
    /// Event types (`user.created`, `session.revoked`, …); omitted or empty: all.
    #[schema(schema_with = webhook_events_schema)]
    events: Option<Vec<String>>,
    /// Up to 200 characters, no control characters.
    #[schema(max_length = 200, pattern = r"^[^\x00-\x1f\x7f-\x9f]*$")]
    description: Option<String>,
}

#[utoipa::path(
    tag = "management",
    responses(
        (status = 200, description = "Every endpoint", body = WebhookList),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks webhooks:write", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: ManagementCaller,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::WebhooksWrite)?;
    let endpoints = webhooks::list(&state.pool).await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        webhooks: endpoints.iter().map(WebhookView::from).collect(),
    }))
}

#[utoipa::path(
    tag = "management",
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Registered; the secret is shown this once", body = CreatedWebhook),
        (status = 400, description = "VALIDATION_ERROR: a bad URL (in production: not https, or a private address), an unknown event type", body = ErrorResponse),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks webhooks:write", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    body: ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::WebhooksWrite)?;
    let body = body.0;
    let url = body
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ApiError::validation_field("url", "is required"))?;
    let mut event_types = Vec::new();
    for raw in body.events.unwrap_or_default() {
        let parsed = WebhookEventType::parse(raw.trim()).ok_or_else(|| {
            ApiError::validation_field("events", &format!("`{raw}` is not an event type"))
        })?;
        if !event_types.contains(&parsed) {
            event_types.push(parsed);
        }
    }
    let command = NewEndpointCommand {
        url,
        description: body.description,
        event_types,
    };
    let created = webhooks::create(&state, caller.actor(), command).await?;
    Ok(HttpResponse::Created().json(CreatedWebhook {
        webhook: WebhookView::from(&created.endpoint),
        secret: created.secret,
    }))
}

#[utoipa::path(
    tag = "management",
    params(("id" = String, Path, description = "Endpoint id")),
    responses(
        (status = 204, description = "Deleted, with its deliveries"),
        (status = 401, description = "UNAUTHORIZED", body = ErrorResponse),
        (status = 403, description = "FORBIDDEN: the key lacks webhooks:write", body = ErrorResponse),
        (status = 404, description = "NOT_FOUND", body = ErrorResponse),
        (status = 429, description = "RATE_LIMITED", body = ErrorResponse),
    ),
    security(("managementKey" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: ManagementCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ManagementScope::WebhooksWrite)?;
    match webhooks::delete(&state.pool, caller.actor(), id.into_inner()).await? {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(ApiError::new(ErrorCode::NotFound)),
    }
}
