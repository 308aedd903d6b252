//! actix-session's store for the admin panel, on the shared `sessions` table (kind
//! `admin`): revoking an operator's session there, by any instance, ends it on the
//! next request. The cookie holds a random key; the table holds only its SHA-256.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use anyhow::anyhow;
use chrono::{NaiveDateTime, TimeDelta};

use crate::crypto::tokens;
use crate::db::{self, DbConnection, DbError, Pool, sessions};
use crate::domain::SessionKind;

/// Where actix-identity keeps the operator's id in the session state.
const IDENTITY_KEY: &str = "actix_identity.user_id";
/// Where the panel's login puts the client's IP and user agent, for the row's columns.
pub const CLIENT_IP_KEY: &str = "client_ip";
pub const USER_AGENT_KEY: &str = "user_agent";

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
}

impl DbSessionStore {
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// `db::run` with the error type the SessionStore trait wants.
    async fn run<T, F>(&self, work: F) -> Result<T, anyhow::Error>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        db::run(&self.pool, work).await.map_err(anyhow::Error::from)
    }
}

type State = HashMap<String, String>;

fn expiry(ttl: &Duration) -> NaiveDateTime {
    db::now() + TimeDelta::seconds(ttl.whole_seconds())
}

/// A string value of the state (values are JSON): the operator's id once
/// actix-identity has logged one in, the client's IP and user agent.
fn text_of(state: &State, key: &str) -> Option<String> {
    state
        .get(key)
        .and_then(|raw| serde_json::from_str::<Option<String>>(raw).ok())
        .flatten()
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let hash = tokens::hash_secret(key.as_ref());
        let raw: Option<Option<String>> = self
            .run(move |conn| Ok(sessions::find_panel_state(conn, &hash, db::now())?))
            .await
            .map_err(LoadError::Other)?;
        match raw.flatten() {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = tokens::new_secret();
        let hash = tokens::hash_secret(&key);
        let expires_at = expiry(ttl);
        let user_id = text_of(&state, IDENTITY_KEY);
        let (ip, user_agent) = (
            text_of(&state, CLIENT_IP_KEY),
            text_of(&state, USER_AGENT_KEY),
        );
        self.run(move |conn| {
            let now = db::now();
            sessions::insert(
                conn,
                &sessions::NewSession {
                    id: &uuid::Uuid::new_v4().to_string(),
                    user_id: user_id.as_deref(),
                    kind: SessionKind::Admin,
                    token_hash: Some(&hash),
                    refresh_token_hash: None,
                    state: Some(&json),
                    created_at: now,
                    last_seen_at: now,
                    expires_at,
                    ip: ip.as_deref(),
                    user_agent: user_agent.as_deref(),
                    sign_in_method: None,
                },
            )?;
            Ok(())
        })
        .await
        .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let hash = tokens::hash_secret(key.as_ref());
        let expires_at = expiry(ttl);
        let user_id = text_of(&state, IDENTITY_KEY);
        let updated = self
            .run(move |conn| {
                Ok(sessions::update_panel_state(
                    conn,
                    &hash,
                    &json,
                    user_id.as_deref(),
                    expires_at,
                    db::now(),
                )?)
            })
            .await
            .map_err(UpdateError::Other)?;
        if !updated {
            // Revoked or expired meanwhile: never resurrect it; start a new session.
            return self
                .save(state, ttl)
                .await
                .map_err(|e| UpdateError::Other(anyhow!(e.to_string())));
        }
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        let hash = tokens::hash_secret(key.as_ref());
        let expires_at = expiry(ttl);
        self.run(move |conn| {
            Ok(sessions::extend_panel_session(
                conn,
                &hash,
                expires_at,
                db::now(),
            )?)
        })
        .await
    }

    /// Logout and key renewal: the row is revoked, not deleted, so the audit trail of
    /// sessions stays whole.
    async fn delete(&self, key: &SessionKey) -> Result<(), anyhow::Error> {
        let hash = tokens::hash_secret(key.as_ref());
        self.run(move |conn| Ok(sessions::revoke_by_token_hash(conn, &hash, db::now())?))
            .await
    }
}
