//! Management keys: what the app's own backend presents to the management API. Made
//! by an operator (the command line or the panel), shown once, stored as a hash,
//! scoped, optionally expiring, revocable; every change is audited, and whatever a
//! key does is audited under its name (`Actor::key`).

use chrono::{NaiveDateTime, TimeDelta};

use super::Actor;
use crate::crypto::tokens;
use crate::db::management_keys::{self as stored, ManagementKey, NewKey};
use crate::db::{self, Pool, audit};
use crate::domain::{AuditEvent, ManagementScope};
use crate::failure::{Fault, Limited, fails_underneath};
use crate::limits::throttle::Action;
use crate::state::AppState;

/// What every key starts with, so that one is told from a user's token at a glance
/// (and by secret scanners).
pub const PREFIX: &str = "sk_";

/// A key just made: the only time its secret is known.
#[derive(Debug)]
pub struct CreatedKey {
    pub name: String,
    pub key: String,
    pub scopes: Vec<ManagementScope>,
    pub expires_at: Option<NaiveDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateKeyError {
    #[error("a key is named `{0}` already")]
    NameTaken(String),
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(CreateKeyError);

/// A key that was presented and is live: who acts, within which scopes.
#[derive(Debug, Clone)]
pub struct KeyHolder {
    pub name: String,
    pub scopes: Vec<ManagementScope>,
}

impl KeyHolder {
    pub fn allows(&self, scope: ManagementScope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The key as the actor of the panel's use cases.
    pub fn actor(&self, ip: Option<String>) -> Actor {
        Actor::key(&self.name, ip)
    }
}

/// Why a presented key acts for nobody.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Missing, unknown, expired or revoked.
    #[error("no live management key")]
    Unknown,
    /// Too many wrong keys from this address.
    #[error(transparent)]
    Limited(Limited),
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(KeyError, limited);

/// A key named `name` with `scopes`, living `expires_in_days` when given.
pub async fn create(
    pool: &Pool,
    actor: Option<Actor>,
    name: &str,
    scopes: Vec<ManagementScope>,
    expires_in_days: Option<u32>,
) -> Result<CreatedKey, CreateKeyError> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(CreateKeyError::Invalid(
            "a key's name is 1 to 64 characters, without control characters",
        ));
    }
    if scopes.is_empty() {
        return Err(CreateKeyError::Invalid("a key needs at least one scope"));
    }
    let key = format!("{PREFIX}{}", tokens::new_secret());
    let key_hash = tokens::hash_secret(&key);
    let now = db::now();
    let expires_at = expires_in_days.map(|days| now + TimeDelta::days(i64::from(days)));
    let (stored_name, stored_scopes) = (name.clone(), ManagementScope::join(&scopes));
    db::write(pool, move |conn| -> Result<_, CreateKeyError> {
        let id = uuid::Uuid::new_v4().to_string();
        let inserted = stored::insert(
            conn,
            &NewKey {
                id: &id,
                name: &stored_name,
                key_hash: &key_hash,
                scopes: &stored_scopes,
                created_at: now,
                expires_at,
            },
        );
        match inserted {
            Err(e) if db::is_unique_violation(&e) => {
                return Err(CreateKeyError::NameTaken(stored_name));
            }
            other => other?,
        }
        let event = AuditEvent::KeyManagementKeyCreated {
            name: stored_name.clone(),
            scopes: stored_scopes.clone(),
            expires: expires_at.map(|at| at.and_utc()),
        };
        record(conn, &event, actor.as_ref())?;
        Ok(())
    })
    .await?;
    Ok(CreatedKey {
        name,
        key,
        scopes,
        expires_at,
    })
}

/// Every key (never a secret), newest first.
pub async fn list(pool: &Pool) -> Result<Vec<ManagementKey>, Fault> {
    db::run(pool, |conn| -> Result<_, Fault> { Ok(stored::all(conn)?) }).await
}

/// Revokes the live key named `name`; whether there was one.
pub async fn revoke(pool: &Pool, actor: Option<Actor>, name: &str) -> Result<bool, Fault> {
    let name = name.to_owned();
    db::write(pool, move |conn| -> Result<_, Fault> {
        if !stored::revoke(conn, &name, db::now())? {
            return Ok(false);
        }
        record(
            conn,
            &AuditEvent::KeyManagementKeyRevoked { name },
            actor.as_ref(),
        )?;
        Ok(true)
    })
    .await
}

/// The audit entry of an operator, or of the command line (the system).
fn record(
    conn: &mut db::DbConnection,
    event: &AuditEvent,
    actor: Option<&Actor>,
) -> Result<(), Fault> {
    let entry = actor.map_or_else(audit::Entry::system, Actor::entry);
    Ok(audit::record(conn, event, entry)?)
}

/// The live key `presented` is, from `ip`. Wrong keys are counted against the
/// address like wrong passwords; an address over its budget is refused before any
/// lookup.
pub async fn check(
    state: &AppState,
    presented: &str,
    ip: Option<std::net::IpAddr>,
) -> Result<KeyHolder, KeyError> {
    state
        .throttle
        .refuse_known_block(Action::ManagementKeyGuess, ip)?;
    let key_hash = tokens::hash_secret(presented);
    let found = db::run_read(
        &state.pool,
        &state.settings.database.url,
        move |conn| -> Result<_, Fault> { Ok(stored::find_live(conn, &key_hash, db::now())?) },
    )
    .await?;
    let Some(key) = found.filter(|_| presented.starts_with(PREFIX)) else {
        state
            .throttle
            .check_ip(&state.pool, Action::ManagementKeyGuess, ip)
            .await?;
        return Err(KeyError::Unknown);
    };
    // The last use is written at most once a minute: a busy backend's calls read,
    // they do not each take the write lock.
    let now = db::now();
    if key
        .last_used_at
        .is_none_or(|at| now - at >= stored::TOUCH_RESOLUTION)
    {
        let id = key.id.clone();
        db::write(&state.pool, move |conn| -> Result<_, Fault> {
            Ok(stored::touch(conn, &id, now)?)
        })
        .await?;
    }
    Ok(KeyHolder {
        scopes: ManagementScope::parse_list(&key.scopes).map_err(|unknown| {
            Fault::internal(format!(
                "management key {}: unknown scope `{unknown}`",
                key.name
            ))
        })?,
        name: key.name,
    })
}
