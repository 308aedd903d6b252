//! The HTTP surface: the JSON API under /api, its reference page at /api/docs, the
//! admin panel under /admin and the Prometheus scrape at /metrics.

pub mod admin;
pub mod api;
pub mod api_docs;
pub mod embedded;
pub mod metrics;
