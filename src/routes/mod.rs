//! The HTTP surface: the JSON API under /api, the admin panel under /admin and the
//! Prometheus scrape at /metrics.

pub mod admin;
pub mod api;
pub mod metrics;
