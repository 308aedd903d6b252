//! JWT signing keys: made here (ES256 on P-256, or Ed25519), kept as PKCS#8 DER (the
//! caller seals it under SECRET_KEY before it is stored), published as JWKs. A key's
//! id is its RFC 7638 thumbprint, so the same public key always has the same `kid`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::domain::SigningAlgorithm;

/// What sealing keys is for, as `sealed` derives its key.
pub const SEAL_PURPOSE: &[u8] = b"jwt signing key";

/// A key just made: its id, its private half (PKCS#8 DER) and its public JWK.
pub struct NewKey {
    pub kid: String,
    pub algorithm: SigningAlgorithm,
    pub private_der: Zeroizing<Vec<u8>>,
    pub public_jwk: PublicJwk,
}

/// A public key as the JWKS publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    pub kty: String,
    pub crv: String,
    pub x: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub y: Option<String>,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub key_use: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key could not be encoded: {0}")]
    Encoding(String),
    #[error("the stored public key is unusable: {0}")]
    Public(String),
}

/// A fresh key of `algorithm`.
pub fn generate(algorithm: SigningAlgorithm) -> Result<NewKey, KeyError> {
    let mut rng = rand::rngs::OsRng;
    let (private_der, crv, x, y) = match algorithm {
        SigningAlgorithm::Es256 => {
            use p256::pkcs8::EncodePrivateKey;
            let secret = p256::SecretKey::random(&mut rng);
            let der = secret
                .to_pkcs8_der()
                .map_err(|e| KeyError::Encoding(e.to_string()))?;
            let point = p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(
                &secret.public_key(),
                false,
            );
            let (Some(x), Some(y)) = (point.x(), point.y()) else {
                return Err(KeyError::Encoding(
                    "a P-256 point without coordinates".into(),
                ));
            };
            (
                Zeroizing::new(der.as_bytes().to_vec()),
                "P-256",
                URL_SAFE_NO_PAD.encode(x),
                Some(URL_SAFE_NO_PAD.encode(y)),
            )
        }
        SigningAlgorithm::EdDsa => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            let signing = ed25519_dalek::SigningKey::generate(&mut rng);
            let der = signing
                .to_pkcs8_der()
                .map_err(|e| KeyError::Encoding(e.to_string()))?;
            let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
            (Zeroizing::new(der.as_bytes().to_vec()), "Ed25519", x, None)
        }
    };
    let kty = match algorithm {
        SigningAlgorithm::Es256 => "EC",
        SigningAlgorithm::EdDsa => "OKP",
    };
    let kid = thumbprint(kty, crv, &x, y.as_deref());
    Ok(NewKey {
        kid: kid.clone(),
        algorithm,
        private_der,
        public_jwk: PublicJwk {
            kty: kty.to_owned(),
            crv: crv.to_owned(),
            x,
            y,
            kid,
            alg: algorithm.as_str().to_owned(),
            key_use: "sig".to_owned(),
        },
    })
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no spaces.
fn thumbprint(kty: &str, crv: &str, x: &str, y: Option<&str>) -> String {
    let canonical = match y {
        Some(y) => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}","y":"{y}"}}"#),
        None => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}"}}"#),
    };
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// jsonwebtoken's signing key from the private half.
pub fn encoding_key(algorithm: SigningAlgorithm, private_der: &[u8]) -> EncodingKey {
    match algorithm {
        SigningAlgorithm::Es256 => EncodingKey::from_ec_der(private_der),
        SigningAlgorithm::EdDsa => EncodingKey::from_ed_der(private_der),
    }
}

/// jsonwebtoken's verifying key from the published half.
pub fn decoding_key(jwk: &PublicJwk) -> Result<DecodingKey, KeyError> {
    let key = match (jwk.kty.as_str(), jwk.y.as_deref()) {
        ("EC", Some(y)) => DecodingKey::from_ec_components(&jwk.x, y),
        ("OKP", None) => DecodingKey::from_ed_components(&jwk.x),
        _ => return Err(KeyError::Public(format!("a `{}` key", jwk.kty))),
    };
    key.map_err(|e| KeyError::Public(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{Algorithm, Header, Validation};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Claims {
        sub: String,
        exp: u64,
    }

    fn round_trip(algorithm: SigningAlgorithm, jwt_algorithm: Algorithm) {
        let key = generate(algorithm).expect("a key");
        assert_eq!(key.public_jwk.kid, key.kid);
        let claims = Claims {
            sub: "u".into(),
            exp: jsonwebtoken::get_current_timestamp() + 60,
        };
        let mut header = Header::new(jwt_algorithm);
        header.kid = Some(key.kid.clone());
        let token =
            jsonwebtoken::encode(&header, &claims, &encoding_key(algorithm, &key.private_der))
                .expect("signed");
        let decoding = decoding_key(&key.public_jwk).expect("a public key");
        let decoded =
            jsonwebtoken::decode::<Claims>(&token, &decoding, &Validation::new(jwt_algorithm))
                .expect("verified with the published half");
        assert_eq!(decoded.claims, claims);

        let other = generate(algorithm).expect("another key");
        assert_ne!(other.kid, key.kid);
        let wrong = decoding_key(&other.public_jwk).expect("a public key");
        assert!(
            jsonwebtoken::decode::<Claims>(&token, &wrong, &Validation::new(jwt_algorithm))
                .is_err()
        );
    }

    #[test]
    fn es256_keys_sign_and_their_jwk_verifies() {
        round_trip(SigningAlgorithm::Es256, Algorithm::ES256);
    }

    #[test]
    fn ed25519_keys_sign_and_their_jwk_verifies() {
        round_trip(SigningAlgorithm::EdDsa, Algorithm::EdDSA);
    }

    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        // RFC 7638 section 3.1's example is RSA; this is the same rule on an EC key
        // (RFC 7517's example P-256 key), its value computed independently with
        // Python's json (sorted keys, no spaces) and hashlib.
        let kid = thumbprint(
            "EC",
            "P-256",
            "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            Some("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"),
        );
        assert_eq!(kid, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
    }
}
