//! Sekisho: an authentication server for Next.js apps.

pub mod admin;
pub mod announce;
pub mod auth;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod oidc;
pub mod private_files;
pub mod routes;
pub mod social;
pub mod startup;
pub mod state;
