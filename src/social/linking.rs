//! Whose account a provider identity is, as the contract rules it: a known identity
//! is its user's; a new one creates a user, or joins the user with the same email
//! only when the provider vouches for that email; a signed-in user who started the
//! sign-in links it to themselves.
//!
//! An account whose address was never proven is not joined as it is: anyone can sign
//! up with someone else's address and wait for its owner to arrive with a provider
//! (a pre-hijacked account, Sudhodanan & Paverd, 2022). The owner, whom the provider
//! vouches for, takes it over cleanly: its password, sessions and refresh tokens,
//! second factor, passkeys and other identities are removed first.

use chrono::NaiveDateTime;

use super::SocialError;
use crate::db::decisions::{self, Subject};
use crate::db::users::Stripped;
use crate::db::{DbConnection, identities, users, users::User};
use crate::domain::Email;
use crate::failure::{Disabled, Fault};
use crate::oidc::provider::Identity;

/// What became of the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It was known: its user signs in.
    Known,
    /// A new user was created for it.
    Created,
    /// It was added to an existing user.
    Linked,
    /// It was added to an existing user whose address was never proven, after
    /// everything that user's maker had set up was removed.
    Reclaimed(Stripped),
}

/// The user the identity signs in (or was linked to), inside the caller's write
/// transaction (the callback's, which records the outcome and starts the session).
pub fn resolve(
    conn: &mut DbConnection,
    provider: &str,
    identity: &Identity,
    link_to: Option<&str>,
    now: NaiveDateTime,
) -> Result<(User, Outcome), SocialError> {
    let known = identities::find(conn, provider, &identity.subject)?;
    let (mut user, outcome) = match (known, link_to) {
        (Some(account), Some(me)) if account.user_id != me => {
            return Err(SocialError::AccountNotLinked);
        }
        (Some(account), _) => {
            // A write only when the provider's address changed since last time.
            if account.email != identity.email {
                identities::set_email(
                    conn,
                    provider,
                    &identity.subject,
                    identity.email.as_deref(),
                )?;
            }
            (live_user(conn, &account.user_id)?, Outcome::Known)
        }
        (None, Some(me)) => {
            let user = live_user(conn, me)?;
            attach(conn, provider, identity, &user, now)?;
            (user, Outcome::Linked)
        }
        (None, None) => first_sign_in(conn, provider, identity, now)?,
    };
    if user.is_disabled_at(now) {
        return Err(Disabled::of(&user).into());
    }
    // The provider vouches for the address the account has: that proves it.
    if !user.email_verified
        && identity.email_verified
        && identity
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .as_ref()
            .map(Email::as_str)
            == Some(user.email.as_str())
    {
        users::set_email_verified(conn, &user.id, &user.email, now)?;
        user.email_verified = true;
        user.updated_at = now;
    }
    Ok((user, outcome))
}

fn first_sign_in(
    conn: &mut DbConnection,
    provider: &str,
    identity: &Identity,
    now: NaiveDateTime,
) -> Result<(User, Outcome), SocialError> {
    // An account needs an address: a provider that gives none (the `email` scope
    // refused) cannot create one.
    let Some(email) = identity.email.as_deref().and_then(|e| Email::parse(e).ok()) else {
        log::warn!("sign-in with `{provider}` refused: the ID token carries no usable email");
        return Err(SocialError::OauthFailed);
    };
    if let Some(existing) = users::find_by_email(conn, email.as_str())? {
        if !identity.email_verified {
            return Err(SocialError::AccountNotLinked);
        }
        if existing.email_verified {
            attach(conn, provider, identity, &existing, now)?;
            return Ok((existing, Outcome::Linked));
        }
        return reclaim(conn, provider, identity, existing, now);
    }
    let user = User {
        name: identity.name.clone().filter(|n| !n.trim().is_empty()),
        email_verified: identity.email_verified,
        image: identity.picture.clone(),
        ..User::new_member(&email, now)
    };
    users::insert(conn, &users::NewUser::from(&user))?;
    attach(conn, provider, identity, &user, now)?;
    Ok((user, Outcome::Created))
}

/// The owner of the address takes over the account someone made with it and never
/// proved. Sign-ins starting sessions for it wait (the sessions' decision lock) and
/// then find the password they checked gone.
fn reclaim(
    conn: &mut DbConnection,
    provider: &str,
    identity: &Identity,
    existing: User,
    now: NaiveDateTime,
) -> Result<(User, Outcome), SocialError> {
    decisions::take_turn(conn, Subject::Sessions(&existing.id))?;
    decisions::take_turn(conn, Subject::SignInMethods(&existing.id))?;
    let stripped = users::strip_unproven(conn, &existing, now)?;
    let name = identity.name.clone().filter(|n| !n.trim().is_empty());
    users::set_profile(
        conn,
        &existing.id,
        name.as_deref(),
        identity.picture.as_deref(),
        now,
    )?;
    attach(conn, provider, identity, &existing, now)?;
    let user = users::find_by_id(conn, &existing.id)?
        .ok_or_else(|| Fault::internal("the account taken over is gone"))?;
    Ok((user, Outcome::Reclaimed(stripped)))
}

/// Adds the identity to `user`; a user has one identity per provider.
fn attach(
    conn: &mut DbConnection,
    provider: &str,
    identity: &Identity,
    user: &User,
    now: NaiveDateTime,
) -> Result<(), SocialError> {
    if identities::has_provider(conn, &user.id, provider)? {
        return Err(SocialError::AccountNotLinked);
    }
    identities::insert(
        conn,
        &identities::NewAccount {
            provider,
            subject: &identity.subject,
            user_id: &user.id,
            email: identity.email.as_deref(),
            created_at: now,
        },
    )?;
    Ok(())
}

fn live_user(conn: &mut DbConnection, id: &str) -> Result<User, SocialError> {
    users::find_by_id(conn, id)?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(SocialError::OauthFailed)
}
