//! Counts and times every answered request by method, route pattern and status.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::metrics::RequestLabels;
use crate::state::AppState;

/// Requests that matched no route share one label value, so that probing for paths
/// cannot grow the metrics without bound.
const UNMATCHED: &str = "unmatched";

/// The label of a request's method. Clients may send any token as a method; each new
/// one would add series to every metric, so only the standard methods are named.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.metrics.clone());
    let method = method_label(req.method());
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
