//! The signed token of cookie sessions and bearer access tokens. Signed with the
//! current asymmetric key (ES256 or EdDSA) of the key ring, named by `kid`, so that
//! other services verify it through the JWKS; checked only with the key its `kid`
//! names and that key's algorithm. A token without a `kid` is one an earlier release
//! signed (HS256 under SECRET_KEY): it is accepted until it expires, so an upgrade
//! signs nobody out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::NaiveDateTime;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::signing_keys::{self, PublicJwk};
use super::verified_tokens::VerifiedTokens;
use crate::config::{SecretKey, TokenSettings};
use crate::domain::SigningAlgorithm;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id: the row that must still be live for the token to count.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    /// JWT_ISSUER and JWT_AUDIENCE; absent from an earlier release's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Who the user was when the token was signed, for services that read the token
    /// alone; Sekisho itself reads the user's row on every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(
        default,
        rename = "emailVerified",
        skip_serializing_if = "Option::is_none"
    )]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// What a verified token tells Sekisho itself: whose session it is, and its times.
/// The rest of the claims are for other services (Sekisho reads the user's row), and
/// are not kept: the verified-token memory hands this out on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub sub: String,
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

impl From<Claims> for Verified {
    fn from(claims: Claims) -> Self {
        Self {
            sub: claims.sub,
            sid: claims.sid,
            iat: claims.iat,
            exp: claims.exp,
        }
    }
}

/// What a token is about: its user, as signed into the claims, and its session.
pub struct TokenSubject<'a> {
    pub user_id: &'a str,
    pub session_id: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    pub role: &'a str,
}

/// A stored key, opened: what the ring is made of.
pub struct KeyMaterial {
    pub kid: String,
    pub algorithm: SigningAlgorithm,
    /// PKCS#8, opened with this SECRET_KEY.
    pub private_der: Zeroizing<Vec<u8>>,
    pub public_jwk: PublicJwk,
    pub signs_from: NaiveDateTime,
}

struct Signer {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    signs_from: i64,
}

struct Verifier {
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Default)]
struct Ring {
    /// Oldest `signs_from` first.
    signers: Vec<Signer>,
    verifiers: HashMap<String, Verifier>,
}

/// Why a token did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Bad signature, wrong algorithm, expired, malformed, another issuer or audience.
    Invalid,
    /// Its `kid` names no key this process knows: another instance may have made it
    /// since this one loaded the ring (load again, then ask again).
    UnknownKey,
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("no signing key is in force: the key ring is empty or no key may sign yet")]
    NoKey,
    #[error(transparent)]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

#[derive(Clone)]
pub struct JwtKeys {
    ring: Arc<RwLock<Arc<Ring>>>,
    /// An earlier release's HS256 tokens, under SECRET_KEY.
    legacy: Arc<Verifier>,
    issuer: String,
    audience: String,
    verified: Arc<VerifiedTokens>,
    /// The second the ring was last loaded for an unknown kid.
    last_reload: Arc<AtomicI64>,
}

impl JwtKeys {
    /// Keys with an empty ring: `install` puts the stored keys in before the server
    /// signs anything.
    pub fn new(secret: &SecretKey, settings: &TokenSettings) -> Self {
        // The algorithm is pinned: a token without a kid saying alg=none or RS256 is
        // refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            ring: Arc::default(),
            legacy: Arc::new(Verifier {
                decoding: DecodingKey::from_secret(secret.bytes()),
                validation,
            }),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            verified: Arc::default(),
            last_reload: Arc::default(),
        }
    }

    /// Whether an unknown kid may load the ring again at `now` (seconds): once a
    /// second at most, across this process's workers.
    pub fn may_reload(&self, now: i64) -> bool {
        let last = self.last_reload.load(Ordering::Relaxed);
        now > last
            && self
                .last_reload
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Replaces the ring with `keys` (every stored key); a key whose public half
    /// cannot be read is left out, and said so in the log.
    pub fn install(&self, keys: Vec<KeyMaterial>) {
        let mut ring = Ring::default();
        for key in keys {
            let algorithm = jwt_algorithm(key.algorithm);
            let decoding = match signing_keys::decoding_key(&key.public_jwk) {
                Ok(decoding) => decoding,
                Err(e) => {
                    log::error!("signing key {} left out: {e}", key.kid);
                    continue;
                }
            };
            let mut validation = Validation::new(algorithm);
            validation.leeway = 0;
            validation.set_required_spec_claims(&["exp", "sub", "iat", "iss", "aud"]);
            validation.set_issuer(&[&self.issuer]);
            validation.set_audience(&[&self.audience]);
            ring.verifiers.insert(
                key.kid.clone(),
                Verifier {
                    decoding,
                    validation,
                },
            );
            ring.signers.push(Signer {
                kid: key.kid,
                algorithm,
                encoding: signing_keys::encoding_key(key.algorithm, &key.private_der),
                signs_from: key.signs_from.and_utc().timestamp(),
            });
        }
        ring.signers.sort_by_key(|s| s.signs_from);
        if let Ok(mut current) = self.ring.write() {
            *current = Arc::new(ring);
        }
    }

    fn current_ring(&self) -> Arc<Ring> {
        self.ring
            .read()
            .map(|ring| ring.clone())
            .unwrap_or_default()
    }

    /// The kid that signs at `now` (seconds), if any.
    pub fn signing_kid(&self, now: i64) -> Option<String> {
        let ring = self.current_ring();
        ring.signers
            .iter()
            .rev()
            .find(|s| s.signs_from <= now)
            .map(|s| s.kid.clone())
    }

    /// A token for `subject`, issued at `iat` and expiring at `exp` (seconds),
    /// signed with the key in force at `iat`. Signing is deterministic (RFC 6979
    /// ECDSA, Ed25519): the same input under the same key gives the same token.
    pub fn sign(
        &self,
        subject: &TokenSubject<'_>,
        iat: i64,
        exp: i64,
    ) -> Result<String, SignError> {
        let ring = self.current_ring();
        let signer = ring
            .signers
            .iter()
            .rev()
            .find(|s| s.signs_from <= iat)
            .or_else(|| ring.signers.first())
            .ok_or(SignError::NoKey)?;
        let mut header = Header::new(signer.algorithm);
        header.kid = Some(signer.kid.clone());
        let claims = Claims {
            sub: subject.user_id.to_owned(),
            sid: subject.session_id.to_owned(),
            iat,
            exp,
            iss: Some(self.issuer.clone()),
            aud: Some(self.audience.clone()),
            email: Some(subject.email.to_owned()),
            email_verified: Some(subject.email_verified),
            role: Some(subject.role.to_owned()),
        };
        Ok(jsonwebtoken::encode(&header, &claims, &signer.encoding)?)
    }

    /// The claims when the signature, the issuer, the audience and `exp` hold.
    pub fn verify(&self, token: &str) -> Result<Verified, Rejected> {
        self.verify_at(
            token,
            i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX),
        )
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Verified, Rejected> {
        if let Some(claims) = self.verified.get(token, now) {
            return Ok(claims);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejected::Invalid)?;
        let claims = match header.kid {
            Some(kid) => {
                let ring = self.current_ring();
                let verifier = ring.verifiers.get(&kid).ok_or(Rejected::UnknownKey)?;
                decode(token, verifier)?
            }
            None => decode(token, &self.legacy)?,
        };
        if claims.exp < now {
            return Err(Rejected::Invalid);
        }
        let verified = Verified::from(claims);
        self.verified.remember(token, &verified);
        Ok(verified)
    }
}

fn decode(token: &str, verifier: &Verifier) -> Result<Claims, Rejected> {
    jsonwebtoken::decode::<Claims>(token, &verifier.decoding, &verifier.validation)
        .map(|data| data.claims)
        .map_err(|_| Rejected::Invalid)
}

fn jwt_algorithm(algorithm: SigningAlgorithm) -> Algorithm {
    match algorithm {
        SigningAlgorithm::Es256 => Algorithm::ES256,
        SigningAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TokenSettings {
        TokenSettings {
            algorithm: SigningAlgorithm::Es256,
            issuer: "http://localhost:8000".into(),
            audience: "sekisho".into(),
            publish_delay: chrono::TimeDelta::seconds(600),
        }
    }

    fn secret(text: &str) -> SecretKey {
        let dir = std::env::temp_dir();
        SecretKey::load(Some(text.into()), crate::config::AppEnv::Development, &dir)
            .expect("a valid secret")
    }

    fn material(algorithm: SigningAlgorithm, signs_from: i64) -> KeyMaterial {
        let key = signing_keys::generate(algorithm).expect("a key");
        KeyMaterial {
            kid: key.kid,
            algorithm,
            private_der: key.private_der,
            public_jwk: key.public_jwk,
            signs_from: chrono::DateTime::from_timestamp(signs_from, 0)
                .expect("a time")
                .naive_utc(),
        }
    }

    fn keys_with(secret_text: &str, keys: Vec<KeyMaterial>) -> JwtKeys {
        let jwt = JwtKeys::new(&secret(secret_text), &settings());
        jwt.install(keys);
        jwt
    }

    fn now() -> i64 {
        i64::try_from(jsonwebtoken::get_current_timestamp()).expect("a time")
    }

    fn subject() -> TokenSubject<'static> {
        TokenSubject {
            user_id: "user",
            session_id: "session",
            email: "a@example.com",
            email_verified: true,
            role: "user",
        }
    }

    const SECRET: &str = "a-secret-of-thirty-two-characters-or-more";

    #[test]
    fn a_token_verified_before_still_needs_its_exact_bytes_and_time() {
        let keys = keys_with(SECRET, vec![material(SigningAlgorithm::Es256, 0)]);
        let now = now();
        let good = keys.sign(&subject(), now, now + 60).expect("signed");
        assert_eq!(keys.verify(&good).map(|c| c.sid), Ok("session".into()));
        assert!(keys.verify(&good).is_ok(), "again, from memory");

        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&tampered).is_err(), "another signature");
        assert!(keys.verify_at(&good, now + 61).is_err(), "expired since");

        let other = keys_with(SECRET, vec![material(SigningAlgorithm::Es256, 0)]);
        assert_eq!(
            other.verify(&good).map(|c| c.sid),
            Err(Rejected::UnknownKey),
            "another ring does not know the key"
        );
    }

    #[test]
    fn the_key_in_force_signs_and_every_installed_key_verifies() {
        let now = now();
        let old = material(SigningAlgorithm::Es256, now - 100);
        let next = material(SigningAlgorithm::EdDsa, now + 600);
        let (old_kid, next_kid) = (old.kid.clone(), next.kid.clone());
        let keys = keys_with(SECRET, vec![next, old]);
        assert_eq!(keys.signing_kid(now), Some(old_kid.clone()));
        assert_eq!(keys.signing_kid(now + 600), Some(next_kid.clone()));

        let before = keys.sign(&subject(), now, now + 60).expect("signed");
        let header = jsonwebtoken::decode_header(&before).expect("a header");
        assert_eq!(header.kid, Some(old_kid));
        assert_eq!(header.alg, Algorithm::ES256);
        let after = keys.sign(&subject(), now + 600, now + 660).expect("signed");
        let header = jsonwebtoken::decode_header(&after).expect("a header");
        assert_eq!(header.kid, Some(next_kid));
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert!(keys.verify(&before).is_ok());
        assert!(keys.verify_at(&after, now + 600).is_ok());
        assert_eq!(
            keys.sign(&subject(), now, now + 60).expect("signed"),
            before,
            "deterministic"
        );
    }

    #[test]
    fn an_earlier_releases_hs256_token_verifies_until_it_expires() {
        let keys = keys_with(SECRET, vec![material(SigningAlgorithm::Es256, 0)]);
        let now = now();
        // As the earlier release signed it: HS256 under SECRET_KEY, no kid, no iss.
        let legacy = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": "user", "sid": "session", "iat": now, "exp": now + 60}),
            &EncodingKey::from_secret(secret(SECRET).bytes()),
        )
        .expect("signed");
        assert_eq!(keys.verify(&legacy).map(|c| c.sub), Ok("user".into()));
        assert!(keys.verify_at(&legacy, now + 61).is_err());
        let other = keys_with(
            "another-secret-of-thirty-two-characters-or-more",
            vec![material(SigningAlgorithm::Es256, 0)],
        );
        assert_eq!(other.verify(&legacy).map(|c| c.sub), Err(Rejected::Invalid));
    }

    #[test]
    fn a_kid_is_checked_only_with_its_own_key_and_algorithm() {
        let keys = keys_with(SECRET, vec![material(SigningAlgorithm::Es256, 0)]);
        let kid = keys.signing_kid(now()).expect("a key");
        let now = now();
        // An HS256 token naming the ES256 key's kid, made with SECRET_KEY (which the
        // legacy path would accept): refused, as the key is ES256.
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid);
        let forged = jsonwebtoken::encode(
            &header,
            &serde_json::json!({"sub": "user", "sid": "s", "iat": now, "exp": now + 60,
                "iss": "http://localhost:8000", "aud": "sekisho"}),
            &EncodingKey::from_secret(secret(SECRET).bytes()),
        )
        .expect("signed");
        assert_eq!(keys.verify(&forged).map(|c| c.sub), Err(Rejected::Invalid));
    }

    #[test]
    fn another_issuer_or_audience_is_refused() {
        let key = material(SigningAlgorithm::Es256, 0);
        let mut elsewhere = settings();
        elsewhere.audience = "another-app".into();
        let theirs = JwtKeys::new(&secret(SECRET), &elsewhere);
        let ours = JwtKeys::new(&secret(SECRET), &settings());
        let copy = KeyMaterial {
            kid: key.kid.clone(),
            algorithm: key.algorithm,
            private_der: key.private_der.clone(),
            public_jwk: key.public_jwk.clone(),
            signs_from: key.signs_from,
        };
        theirs.install(vec![key]);
        ours.install(vec![copy]);
        let now = now();
        let token = theirs.sign(&subject(), now, now + 60).expect("signed");
        assert!(theirs.verify(&token).is_ok());
        assert_eq!(ours.verify(&token).map(|c| c.sub), Err(Rejected::Invalid));
    }
}
