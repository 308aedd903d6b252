//! Sekisho: an authentication server for Next.js apps.

pub mod announce;
pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod private_files;
pub mod routes;
pub mod social;
pub mod startup;
pub mod state;
