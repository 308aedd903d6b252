//! GET /api/health (the database answers), /api/health/live (the process serves) and
//! /api/health/ready (this instance should get traffic).

use actix_web::{HttpResponse, get, web};
use serde_json::{Map, Value, json};

use crate::db;
use crate::error::ApiError;
use crate::routes::api::dto::{ErrorResponse, HealthResponse, ReadyResponse, StatusResponse};
use crate::state::AppState;

/// 200 when the database answers a ping; 503 (in the error envelope, with the same
/// status fields) when it does not. Nothing is cached, so recovery shows at once.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = HealthResponse),
        (status = 503, description = "SERVICE_UNAVAILABLE, with `\"database\":\"unavailable\"`", body = ErrorResponse),
    )
)]
#[get("/api/health")]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ping = db::run(&state.pool, |conn| -> Result<_, ApiError> {
        conn.ping().map_err(ApiError::unavailable)
    })
    .await;
    let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match ping {
        Ok(()) => Ok(HttpResponse::Ok().json(HealthResponse {
            status: "ok".into(),
            timestamp,
            database: "ok".into(),
        })),
        Err(error) => {
            let mut extra = Map::new();
            extra.insert("status".into(), json!("unavailable"));
            extra.insert("timestamp".into(), Value::String(timestamp));
            extra.insert("database".into(), json!("unavailable"));
            Err(ApiError::unavailable(error).with_extra(extra))
        }
    }
}

/// `{"status":"ok"}`: the process serves. No database call, so a database outage does
/// not make an orchestrator restart a healthy process.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "The process serves", body = StatusResponse))
)]
#[get("/api/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(StatusResponse {
        status: "ok".into(),
    })
}

/// 200 `{"status":"ready"}` when this instance should get traffic: its database
/// answers and takes writes, and the schema has every migration this binary needs (a
/// newer one, from the next release, is fine), and it is not shutting down. Else 503 with `"status":"unavailable"`
/// and the `reasons`, beside the error envelope.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready for traffic", body = ReadyResponse),
        (status = 503, description = "SERVICE_UNAVAILABLE, with `\"status\":\"unavailable\"` and `\"reasons\"`", body = ErrorResponse),
    )
)]
#[get("/api/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.lifecycle.is_draining() {
        // No database call: a draining instance answers at once.
        return Err(not_ready(vec!["shutting down".to_owned()]));
    }
    let reasons = db::run(&state.pool, |conn| -> Result<_, db::DbError> {
        Ok(db::readiness::reasons(conn))
    })
    .await
    .unwrap_or_else(|e| vec![format!("database: no connection ({e})")]);
    if reasons.is_empty() {
        return Ok(HttpResponse::Ok().json(ReadyResponse {
            status: "ready".into(),
            version: crate::build_info::VERSION.into(),
            commit: crate::build_info::COMMIT.into(),
        }));
    }
    log::warn!("not ready: {}", reasons.join("; "));
    Err(not_ready(reasons))
}

fn not_ready(reasons: Vec<String>) -> ApiError {
    let mut extra = Map::new();
    extra.insert("status".into(), json!("unavailable"));
    extra.insert("reasons".into(), json!(reasons));
    extra.insert("version".into(), json!(crate::build_info::VERSION));
    extra.insert("commit".into(), json!(crate::build_info::COMMIT));
    ApiError::unavailable("not ready").with_extra(extra)
}
