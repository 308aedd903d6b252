//! GET /api/health.

use actix_web::{HttpResponse, get, web};
use serde_json::{Map, Value, json};

use crate::db;
use crate::error::ApiError;
use crate::routes::api::dto::{ErrorResponse, HealthResponse};
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
