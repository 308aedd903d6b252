//! Passwords, tokens, sessions and the extractors that authenticate requests.

pub mod password;
