//! Cross-cutting request handling, wired in `startup`.

mod address_share;
mod api_errors;
mod body_deadline;
mod carrying_body;
mod catch_panic;
mod connection_watch;
pub mod cors;
mod draining;
mod open_connections;
mod origin_guard;
mod request_log;
mod request_metrics;

pub use address_share::ShareRules;
pub use api_errors::{BODY_LIMIT, api_error_envelope, json_config};
pub use body_deadline::body_deadline;
pub use catch_panic::catch_panic;
pub use connection_watch::WatchRequests;
pub use draining::close_while_draining;
pub use open_connections::{ConnectionMetrics, OpenConnections, fit_to_descriptors};
pub use origin_guard::GuardOrigins;
pub use request_log::{RequestId, log_requests};
pub use request_metrics::count_requests;
