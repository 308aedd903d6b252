//! Social sign-in's use cases: `flow` runs a sign-in from the button to the session;
//! `linking` decides whose account an identity is; `identities` lists and unlinks a
//! user's provider identities. The providers themselves are in `oidc`.

pub mod flow;
pub mod identities;
mod linking;
pub mod return_url;
