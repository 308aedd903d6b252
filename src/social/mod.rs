//! Social sign-in's use cases: `flow` runs a sign-in from the button to the session;
//! `linking` decides whose account an identity is; `identities` lists and unlinks a
//! user's provider identities. The providers themselves are in `oidc`.

pub mod flow;
pub mod identities;
mod linking;
pub mod return_url;

use crate::auth::email_verification::NotVerified;
use crate::failure::{Disabled, Fault, Limited, fails_underneath};

/// Why a social sign-in signed nobody in (or linked nothing).
#[derive(Debug, thiserror::Error)]
pub enum SocialError {
    /// The provider declined or its answer did not check out, the sign-in is unknown
    /// or stale, or the identity cannot make an account (no address).
    #[error("the provider's answer is refused")]
    OauthFailed,
    /// The identity is another user's, the user has one of this provider already, or
    /// the provider does not vouch for the address of the account it would join.
    #[error("the identity cannot be linked to this account")]
    AccountNotLinked,
    #[error(transparent)]
    NotVerified(#[from] NotVerified),
    #[error(transparent)]
    Disabled(#[from] Disabled),
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(SocialError, limited);

/// Why a provider identity was not unlinked.
#[derive(Debug, thiserror::Error)]
pub enum UnlinkError {
    /// No identity of that provider is linked.
    #[error("no identity of that provider is linked")]
    NotFound,
    /// It is the user's last way to sign in.
    #[error("the user's last way to sign in")]
    LastSignInMethod,
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(UnlinkError);
