// A benchmark panics on a broken premise: that is its failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What verifying a session token costs the first time Sekisho sees it (later requests
//! with the same token are answered from the verified-token memory), on one thread:
//! ES256 and EdDSA with keys made as Sekisho makes them, next to HS256 (what the
//! release before asymmetric keys signed with), and what signing one costs. jsonwebtoken
//! does the work in every case, as the server does.
//!
//! cargo bench --bench token_verify -- [seconds per measurement]

mod timing;
use timing::{per_run, seconds_per_measurement};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sekisho::crypto::signing_keys;
use sekisho::domain::SigningAlgorithm;

fn claims() -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp();
    serde_json::json!({
        "sub": "0b0c6f6e-2f6c-4a8e-9d43-8f1b2b0c9a11", "sid": "5f0e6f3a-1c2b-4d5e-8f90-1a2b3c4d5e6f",
        "iat": now, "exp": now + 3600, "iss": "http://localhost:3000", "aud": "sekisho",
        "email": "tanaka@example.com", "emailVerified": true, "role": "user"
    })
}

/// The mean time to sign one token and to verify one, in µs.
fn measure(
    seconds: u64,
    algorithm: Algorithm,
    encoding: &EncodingKey,
    decoding: &DecodingKey,
) -> (f64, f64) {
    let header = Header::new(algorithm);
    let body = claims();
    let token = jsonwebtoken::encode(&header, &body, encoding).unwrap();
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&["sekisho"]);
    let sign = per_run(seconds, || {
        std::hint::black_box(jsonwebtoken::encode(&header, &body, encoding).unwrap());
    });
    let verify = per_run(seconds, || {
        std::hint::black_box(
            jsonwebtoken::decode::<serde_json::Value>(&token, decoding, &validation).unwrap(),
        );
    });
    (sign.as_secs_f64() * 1e6, verify.as_secs_f64() * 1e6)
}

fn main() {
    let seconds = seconds_per_measurement();
    let secret = b"bench-secret-key-that-is-long-enough-0123456789";
    let hs256 = measure(
        seconds,
        Algorithm::HS256,
        &EncodingKey::from_secret(secret),
        &DecodingKey::from_secret(secret),
    );
    let mut rows = vec![("HS256 (earlier release)", hs256)];
    for (name, algorithm, jwt) in [
        ("ES256 (default)", SigningAlgorithm::Es256, Algorithm::ES256),
        ("EdDSA", SigningAlgorithm::EdDsa, Algorithm::EdDSA),
    ] {
        let key = signing_keys::generate(algorithm).unwrap();
        let encoding = signing_keys::encoding_key(algorithm, &key.private_der);
        let decoding = signing_keys::decoding_key(&key.public_jwk).unwrap();
        rows.push((name, measure(seconds, jwt, &encoding, &decoding)));
    }
    for (name, (sign, verify)) in &rows {
        println!("{name:<24} sign {sign:>8.1} µs   first verification {verify:>8.1} µs");
    }
}
