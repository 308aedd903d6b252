//! Passwords, tokens, sessions and the extractors that authenticate requests.

pub mod account;
pub mod client_info;
pub mod cookies;
pub mod credentials;
pub mod email_verification;
pub mod extractor;
mod frontend_link;
pub mod hasher_pool;
mod ip_limiter;
pub mod jwt;
pub mod origin_check;
pub mod password;
pub mod password_reset;
pub mod session_lifecycle;
pub mod session_store;
pub mod throttle;
pub mod tokens;
mod verified_tokens;

pub use extractor::{AuthUser, AuthVia, MaybeUser};
