//! The signed token of cookie sessions and bearer access tokens: HS256 only.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::verified_tokens::VerifiedTokens;
use crate::config::SecretKey;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id: the row that must still be live for the token to count.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    verified: Arc<VerifiedTokens>,
}

impl JwtKeys {
    pub fn new(secret: &SecretKey) -> Self {
        // The algorithm is pinned: a token saying alg=none or RS256 is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            encoding: EncodingKey::from_secret(secret.bytes()),
            decoding: DecodingKey::from_secret(secret.bytes()),
            validation,
            verified: Default::default(),
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// The claims when the signature and `exp` hold; None otherwise.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        self.verify_at(
            token,
            i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX),
        )
    }

    fn verify_at(&self, token: &str, now: i64) -> Option<Claims> {
        if let Some(claims) = self.verified.get(token, now) {
            return Some(claims);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        if claims.exp < now {
            return None;
        }
        self.verified.remember(token, &claims);
        Some(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(secret: &str) -> JwtKeys {
        let dir = std::env::temp_dir();
        let key = SecretKey::load(
            Some(secret.into()),
            crate::config::AppEnv::Development,
            &dir,
        );
        JwtKeys::new(&key.expect("a valid secret"))
    }

    fn token(keys: &JwtKeys, exp: i64) -> String {
        keys.sign(&Claims {
            sub: "user".into(),
            sid: "session".into(),
            iat: 0,
            exp,
        })
        .expect("signed")
    }

    #[test]
    fn a_token_verified_before_still_needs_its_exact_bytes_and_time() {
        let keys = keys_of("a-secret-of-thirty-two-characters-or-more");
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let good = token(&keys, now + 60);
        assert_eq!(keys.verify(&good).map(|c| c.sid), Some("session".into()));
        assert!(keys.verify(&good).is_some(), "again, from memory");

        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.verify(&tampered).is_none(), "another signature");
        assert!(keys.verify_at(&good, now + 61).is_none(), "expired since");

        let other = keys_of("another-secret-of-thirty-two-characters-or-more");
        assert!(
            other.verify(&good).is_none(),
            "another secret's memory is its own"
        );
    }
}
