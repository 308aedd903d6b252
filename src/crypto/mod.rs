//! Secrets and their checks: argon2id password hashing on its own threads, signed
//! session tokens (JWT), random tokens and their stored hashes, one-time codes and
//! recovery codes, and values sealed under SECRET_KEY.

pub mod hasher_pool;
pub(crate) mod jwt;
pub mod password;
pub mod recovery_codes;
pub mod sealed;
pub mod tokens;
pub mod totp;
mod verified_tokens;
