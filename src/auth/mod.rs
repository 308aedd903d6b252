//! Passwords, tokens, sessions and the extractors that authenticate requests.

pub mod client;
pub mod cookies;
pub mod credentials;
pub mod csrf;
pub mod extractor;
pub mod hasher_pool;
pub mod jwt;
pub mod password;
pub mod session_store;
pub mod sessions;
pub mod tokens;

pub use extractor::{AuthUser, AuthVia, MaybeUser};
