//! One integration-test binary: the real server on a random port, on both backends.
// Tests unwrap, index JSON answers and cast counts: a missing key or a wrong value is a
// failing test, which is the point.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::as_conversions,
    clippy::unused_async,
    clippy::items_after_statements
)]

mod helpers;

mod admin;
mod admin_actions;
mod admin_i18n;
mod admin_pages;
mod admin_security;
mod admin_two_factor;
mod api_docs;
mod auth;
mod backup;
mod bearer;
mod browser;
mod cli;
mod code_guessing;
mod csrf_cors;
mod doctor;
mod email_change;
mod email_sign_in;
mod email_verification;
mod errors;
mod explaining_log;
mod files;
mod frontend_routes;
mod github;
mod health;
mod json_logs;
mod layers;
mod management;
mod metrics;
mod migrations;
mod openapi;
mod outage;
mod passkeys;
mod passwords;
mod profile;
mod races;
mod rate_limits;
mod reauthentication;
mod repository;
mod schema;
mod secret_rotation;
mod session_check;
mod sessions;
mod shutdown;
mod signing_keys;
mod social;
mod sockets;
mod standalone;
mod takeover;
mod two_factor;
mod webhooks;
mod withdraw;
