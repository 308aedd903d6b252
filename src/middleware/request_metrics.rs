//! Counts and times every answered request by method, route pattern and status.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::metrics::RequestLabels;
use crate::state::AppState;

/// Requests that matched no route share one label value, so that probing for paths
/// cannot grow the metrics without bound.
const UNMATCHED: &str = "unmatched";

pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = req.method().as_str().to_owned();
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let (route, status) = match &result {
            Ok(res) => (res.request().match_pattern(), res.status().as_u16()),
            Err(error) => (None, error.as_response_error().status_code().as_u16()),
        };
        let labels = RequestLabels {
            method,
            route: route.unwrap_or_else(|| UNMATCHED.to_owned()),
            status,
        };
        metrics.observe_request(labels, started.elapsed());
    }
    result
}
