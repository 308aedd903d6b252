//! The life of the JWT signing keys, shared by every instance through the database:
//! the first key made at the first start; a rotation that publishes a new key at
//! once and signs with it only JWT_KEY_PUBLISH_SECONDS later (the services' JWKS
//! caches hold it first); the superseded key kept published until the last token it
//! signed has expired, then deleted by housekeeping. Each instance keeps the keys in
//! its `JwtKeys` ring and loads them again every minute and whenever a token names a
//! key it does not know.

use chrono::{NaiveDateTime, TimeDelta};
use zeroize::Zeroizing;

use crate::config::Settings;
use crate::crypto::jwt::{JwtKeys, KeyMaterial};
use crate::crypto::sealed;
use crate::crypto::signing_keys::{self, PublicJwk, SEAL_PURPOSE};
use crate::db::decisions::{self, Subject};
use crate::db::signing_keys::{self as stored, StoredKey};
use crate::db::{self, DbConnection, Pool, audit};
use crate::domain::{AuditEvent, UserId};
use crate::failure::Fault;

/// How often an instance loads the keys again (one small query), so that a key
/// another instance or the command line rotated in is known long before it signs
/// (JWT_KEY_PUBLISH_SECONDS, 600 by default), and signs here within this of its
/// `signs_from` when the delay is shorter.
pub const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Who asked for a rotation: an operator in the panel, or the command line (none).
pub struct Requester {
    pub operator: Option<(UserId, String)>,
    pub ip: Option<String>,
}

/// A key rotated in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    pub kid: String,
    pub signs_from: NaiveDateTime,
}

/// The longest a token Sekisho signs can live: a remembered browser session's
/// cookie, a day-long one, or a bearer access token.
pub fn longest_token_lifetime(settings: &Settings) -> TimeDelta {
    TimeDelta::days(settings.session.remember_days)
        .max(crate::auth::session_lifecycle::SHORT_SESSION)
        .max(settings.session.access_token_ttl)
}

/// At start-up: a first key when none can sign, then the ring loaded. The first key
/// signs at once: nothing can have cached a key that did not exist. It is part of
/// the installation, like the schema, and not audited (a new SECRET_KEY's first key
/// is: see `load`).
pub async fn ensure(pool: &Pool, settings: &Settings, jwt: &JwtKeys) -> Result<(), Fault> {
    let key = settings.secret_key.clone();
    let algorithm = settings.tokens.algorithm;
    db::write(pool, move |conn| -> Result<_, Fault> {
        // Instances starting together make one key, not one each.
        decisions::take_turn(conn, Subject::SigningKeys)?;
        let now = db::now();
        let keys_before = stored::all(conn)?;
        let usable = keys_before
            .iter()
            .any(|k| sealed::open_any(&key, SEAL_PURPOSE, &k.sealed_private_key).is_some());
        if !usable {
            let entry = (!keys_before.is_empty()).then(audit::Entry::system);
            add_key(conn, key.bytes(), algorithm, now, entry)?;
        }
        Ok(())
    })
    .await?;
    load(pool, settings, jwt).await
}

/// Reads every stored key into `jwt`'s ring.
pub async fn load(pool: &Pool, settings: &Settings, jwt: &JwtKeys) -> Result<(), Fault> {
    let keys = db::run(pool, |conn| -> Result<_, Fault> { Ok(stored::all(conn)?) }).await?;
    let secret = settings.secret_key.clone();
    let materials = keys
        .into_iter()
        .filter_map(|key| {
            let public_jwk: PublicJwk = match serde_json::from_str(&key.public_jwk) {
                Ok(jwk) => jwk,
                Err(e) => {
                    log::error!("signing key {}: its stored JWK does not read: {e}", key.kid);
                    return None;
                }
            };
            // A key this SECRET_KEY cannot open was sealed under another one: after a
            // leak, SECRET_KEY is replaced to end every session, and whoever holds the
            // old one could open that key and sign with it. It is not trusted at all.
            let Some(private_der) =
                sealed::open_any(&secret, SEAL_PURPOSE, &key.sealed_private_key)
            else {
                log::warn!(
                    "signing key {} was sealed under another SECRET_KEY: it is not trusted",
                    key.kid
                );
                return None;
            };
            Some(KeyMaterial {
                kid: key.kid,
                algorithm: key.algorithm,
                private_der: Zeroizing::new(private_der),
                public_jwk,
                signs_from: key.signs_from,
            })
        })
        .collect();
    jwt.install(materials);
    Ok(())
}

/// A stored key as an operator sees it (never its private half).
#[derive(Debug, Clone)]
pub struct KeyListing {
    pub kid: String,
    pub algorithm: crate::domain::SigningAlgorithm,
    pub created_at: NaiveDateTime,
    pub signs_from: NaiveDateTime,
}

/// The public half of every stored key, as the JWKS publishes them: read from the
/// database on each request (a JWKS is fetched once per cache lifetime), so every
/// instance publishes a rotated-in or retired key at once.
pub async fn published(pool: &Pool, settings: &Settings) -> Result<Vec<PublicJwk>, Fault> {
    let keys = db::run(pool, |conn| -> Result<_, Fault> { Ok(stored::all(conn)?) }).await?;
    let secret = &settings.secret_key;
    Ok(keys
        .iter()
        // Only the keys this SECRET_KEY trusts (see `load`).
        .filter(|key| sealed::open_any(secret, SEAL_PURPOSE, &key.sealed_private_key).is_some())
        .filter_map(|key| serde_json::from_str(&key.public_jwk).ok())
        .collect())
}

/// Every stored key, the first to sign first.
pub async fn list(pool: &Pool) -> Result<Vec<KeyListing>, Fault> {
    let keys = db::run(pool, |conn| -> Result<_, Fault> { Ok(stored::all(conn)?) }).await?;
    Ok(keys
        .into_iter()
        .map(|key| KeyListing {
            kid: key.kid,
            algorithm: key.algorithm,
            created_at: key.created_at,
            signs_from: key.signs_from,
        })
        .collect())
}

/// A token named a key this instance does not know: load the keys again, at most
/// once a second (a stream of tokens with made-up kids costs no more than that).
/// Whether the ring was loaded.
pub async fn reload_for_unknown_key(
    pool: &Pool,
    settings: &Settings,
    jwt: &JwtKeys,
) -> Result<bool, Fault> {
    if !jwt.may_reload(chrono::Utc::now().timestamp()) {
        return Ok(false);
    }
    load(pool, settings, jwt).await?;
    Ok(true)
}

/// Adds a key of JWT_ALGORITHM that is published now and signs after
/// JWT_KEY_PUBLISH_SECONDS, audited as the requester's; the ring is loaded again.
pub async fn rotate(
    pool: &Pool,
    settings: &Settings,
    jwt: &JwtKeys,
    requester: Requester,
) -> Result<Rotated, Fault> {
    let key = settings.secret_key.clone();
    let algorithm = settings.tokens.algorithm;
    let delay = settings.tokens.publish_delay;
    let rotated = db::write(pool, move |conn| -> Result<_, Fault> {
        decisions::take_turn(conn, Subject::SigningKeys)?;
        let signs_from = db::now() + delay;
        let (id, email) = match &requester.operator {
            Some((id, email)) => (Some(id.as_str()), Some(email.as_str())),
            None => (None, None),
        };
        let entry = if requester.operator.is_some() {
            audit::Entry::by(id, email, requester.ip.as_deref())
        } else {
            audit::Entry::system()
        };
        let kid = add_key(conn, key.bytes(), algorithm, signs_from, Some(entry))?;
        Ok(Rotated { kid, signs_from })
    })
    .await?;
    load(pool, settings, jwt).await?;
    Ok(rotated)
}

/// Inside the caller's transaction: a new key, sealed, signing from `signs_from`.
fn add_key(
    conn: &mut DbConnection,
    secret: &[u8],
    algorithm: crate::domain::SigningAlgorithm,
    signs_from: NaiveDateTime,
    entry: Option<audit::Entry<'_>>,
) -> Result<String, Fault> {
    let new = signing_keys::generate(algorithm).map_err(Fault::internal)?;
    let sealed_private_key = sealed::seal(secret, SEAL_PURPOSE, &new.private_der)
        .ok_or_else(|| Fault::internal("sealing a signing key failed"))?;
    let public_jwk = serde_json::to_string(&new.public_jwk).map_err(Fault::internal)?;
    stored::insert(
        conn,
        &StoredKey {
            kid: new.kid.clone(),
            algorithm,
            sealed_private_key,
            public_jwk,
            created_at: db::now(),
            signs_from,
        },
    )?;
    if let Some(entry) = entry {
        audit::record(
            conn,
            &AuditEvent::KeySigningKeyAdded {
                kid: new.kid.clone(),
                algorithm,
                signs_from: signs_from.and_utc(),
            },
            entry,
        )?;
    }
    Ok(new.kid)
}

/// Deletes the keys superseded (a newer key signs) longer ago than the longest a
/// token lives: nothing they signed is valid any more. Each deletion is audited.
pub async fn retire_expired(pool: &Pool, settings: &Settings) -> Result<Vec<String>, Fault> {
    let lifetime = longest_token_lifetime(settings);
    db::write(pool, move |conn| -> Result<_, Fault> {
        decisions::take_turn(conn, Subject::SigningKeys)?;
        let now = db::now();
        let keys = stored::all(conn)?;
        let mut retired = Vec::new();
        for expired in superseded_before(&keys, now, now - lifetime) {
            stored::delete(conn, &expired)?;
            audit::record(
                conn,
                &AuditEvent::KeySigningKeyRetired {
                    kid: expired.clone(),
                },
                audit::Entry::system(),
            )?;
            retired.push(expired);
        }
        Ok(retired)
    })
    .await
}

/// The kids of the keys a newer key took over from before `cutoff` (a key signs
/// until the next key's `signs_from`); `keys` in `signs_from` order.
fn superseded_before(keys: &[StoredKey], now: NaiveDateTime, cutoff: NaiveDateTime) -> Vec<String> {
    keys.iter()
        .zip(keys.iter().skip(1))
        .filter(|(_, next)| next.signs_from <= now && next.signs_from <= cutoff)
        .map(|(key, _)| key.kid.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SigningAlgorithm;

    fn key(kid: &str, signs_from: i64) -> StoredKey {
        let at = |s| chrono::DateTime::from_timestamp(s, 0).map(|t| t.naive_utc());
        StoredKey {
            kid: kid.into(),
            algorithm: SigningAlgorithm::Es256,
            sealed_private_key: String::new(),
            public_jwk: String::new(),
            created_at: at(0).unwrap_or_default(),
            signs_from: at(signs_from).unwrap_or_default(),
        }
    }

    fn at(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(s, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    #[test]
    fn a_key_retires_once_its_successor_has_signed_longer_than_a_token_lives() {
        let keys = [key("a", 0), key("b", 1_000), key("c", 5_000)];
        // At 1,500 with tokens of 100 s: b took over at 1,000, so a's last token
        // expired by 1,100; c has not begun to sign, so b stays.
        assert_eq!(superseded_before(&keys, at(1_500), at(1_400)), vec!["a"]);
        // At 1,050: a's tokens may still be valid.
        assert!(superseded_before(&keys, at(1_050), at(950)).is_empty());
        // The current and the pending key never retire.
        assert_eq!(
            superseded_before(&keys, at(9_000), at(8_900)),
            vec!["a", "b"]
        );
        assert!(superseded_before(&keys[..1], at(9_000), at(8_900)).is_empty());
    }
}
