//! The HTTP surface: the JSON API under /api, its reference page at /api/docs, the
//! admin panel under /admin, the Prometheus scrape at /metrics and the signing keys
//! at /.well-known/jwks.json.

pub mod admin;
pub mod api;
pub mod api_docs;
pub mod embedded;
pub mod jwks;
pub mod metrics;
