//! Sekisho: an authentication server for Next.js apps.
//!
//! Modules the binary, the tests and the benchmarks use are `pub`; the rest are
//! `pub(crate)`, so that the compiler reports what nothing uses.

// Unit tests index and cast freely: a panic there is a failing test.
#![cfg_attr(test, allow(clippy::indexing_slicing, clippy::as_conversions))]

pub mod admin;
pub(crate) mod announce;
pub(crate) mod auth;
pub mod bootstrap;
pub mod build_info;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub(crate) mod doctor;
pub mod domain;
pub(crate) mod error;
pub mod failure;
pub(crate) mod http;
pub(crate) mod i18n;
pub mod lifecycle;
pub(crate) mod limits;
pub mod listener_close;
pub(crate) mod logging;
pub(crate) mod mail;
pub(crate) mod mail_delivery;
pub mod memory;
pub(crate) mod metrics;
pub(crate) mod middleware;
pub(crate) mod oidc;
pub(crate) mod private_files;
pub mod routes;
pub(crate) mod social;
pub mod startup;
pub mod state;
pub mod webhooks;
