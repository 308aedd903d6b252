//! Secrets and their checks: argon2id password hashing on its own threads, signed
//! session tokens (JWT), random tokens and their stored hashes, one-time codes and
//! recovery codes, values sealed under SECRET_KEY, and the passkey relying party.

pub mod hasher_pool;
pub(crate) mod jwt;
pub mod passkey;
pub mod password;
pub mod recovery_codes;
pub mod sealed;
pub mod signing_keys;
pub mod tokens;
pub mod totp;
mod verified_tokens;
