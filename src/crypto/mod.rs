//! Secrets and their checks: argon2id password hashing on its own threads, signed
//! session tokens (JWT), random tokens and their stored hashes.

pub mod hasher_pool;
pub(crate) mod jwt;
pub mod password;
pub mod tokens;
mod verified_tokens;
