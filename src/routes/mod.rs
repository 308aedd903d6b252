//! The HTTP surface: the JSON API under /api and the admin panel under /admin.

pub mod admin;
pub mod api;
