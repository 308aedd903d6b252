//! One integration-test binary: the real server on a random port, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod auth;
mod cli;
mod errors;
mod health;
mod outage;
mod passwords;
mod repository;
mod schema;
mod sessions;
mod withdraw;
