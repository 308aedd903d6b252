//! Opaque secrets (reset and refresh tokens) and the hashes stored in their place.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 bits from the OS RNG, URL-safe.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a secret. A fast hash is right here: the secret has 256
/// bits of entropy, so there is nothing to brute-force.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A six-digit one-time code, uniformly drawn from the OS RNG.
pub fn new_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// Where an address's pending sign-in code is kept: HMAC under SECRET_KEY, so the
/// stored key names no address.
pub fn sign_in_code_slot(key: &[u8], email: &str) -> String {
    hex::encode(keyed(key, b"sekisho email sign-in slot\0", email))
}

/// What the database keeps of a sign-in code: HMAC under SECRET_KEY over the address
/// and the code (a million codes are too few for a plain hash to hide one).
pub fn hash_sign_in_code(key: &[u8], email: &str, code: &str) -> String {
    let value = format!("{email}\0{code}");
    hex::encode(keyed(key, b"sekisho email sign-in code\0", &value))
}

/// What the database keeps of a refresh token: HMAC-SHA256 under SECRET_KEY rather than
/// a plain hash, so that changing the key ends bearer sessions as it ends cookies and
/// access tokens (no stored hash matches any more).
pub fn hash_refresh_token(key: &[u8], token: &str) -> String {
    hex::encode(keyed(key, b"sekisho refresh token hash\0", token))
}

fn keyed(key: &[u8], purpose: &[u8], value: &str) -> Vec<u8> {
    use hmac::{Hmac, Mac};
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(purpose);
            mac.update(value.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; this arm cannot run.
        Err(_) => Sha256::digest(value.as_bytes()).to_vec(),
    }
}

/// The refresh token that replaces `previous` at rotation: HMAC-SHA256 under the
/// server key. Deriving it (rather than drawing a new one) lets a second refresh with
/// the same token inside the grace window receive the same new token, while the
/// database still holds only hashes. Unpredictable without SECRET_KEY; the first
/// token of a session is 256 random bits.
pub fn next_refresh_token(key: &[u8], previous: &str) -> String {
    URL_SAFE_NO_PAD.encode(keyed(key, b"sekisho refresh rotation\0", previous))
}

/// What the sign-up binding cookie holds for `user_id`: the id and its HMAC under the
/// server key, so that `verify-email` knows the browser that signed up (no row needed).
pub fn signup_binding(key: &[u8], user_id: &str) -> String {
    let mac = URL_SAFE_NO_PAD.encode(keyed(key, b"sekisho signup binding\0", user_id));
    format!("{user_id}.{mac}")
}

/// Whether `cookie` is `signup_binding(key, user_id)` (compared in constant time).
pub fn is_signup_binding(key: &[u8], user_id: &str, cookie: &str) -> bool {
    use hmac::{Hmac, Mac};
    let Some((id, mac)) = cookie.split_once('.') else {
        return false;
    };
    let (Ok(presented), Ok(mut expected)) = (
        URL_SAFE_NO_PAD.decode(mac),
        Hmac::<Sha256>::new_from_slice(key),
    ) else {
        return false;
    };
    expected.update(b"sekisho signup binding\0");
    expected.update(user_id.as_bytes());
    id == user_id && expected.verify_slice(&presented).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_unique_and_hashed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_ne!(hash_secret(&a), a);
    }

    #[test]
    fn rotation_is_deterministic_per_key() {
        let first = new_secret();
        let next = next_refresh_token(b"key one", &first);
        assert_eq!(next, next_refresh_token(b"key one", &first));
        assert_ne!(next, next_refresh_token(b"key two", &first));
        assert_ne!(next, first);
        assert_eq!(next.len(), 43);
    }

    #[test]
    fn signup_bindings_name_one_user_under_one_key() {
        let binding = signup_binding(b"key one", "user-1");
        assert!(is_signup_binding(b"key one", "user-1", &binding));
        assert!(!is_signup_binding(b"key one", "user-2", &binding));
        assert!(!is_signup_binding(b"key two", "user-1", &binding));
        let forged = binding.replace("user-1", "user-2");
        assert!(!is_signup_binding(b"key one", "user-2", &forged));
        assert!(!is_signup_binding(b"key one", "user-1", "user-1"));
        assert!(!is_signup_binding(b"key one", "user-1", "user-1.%%%"));
    }

    #[test]
    fn refresh_hashes_depend_on_the_key() {
        let token = new_secret();
        let hash = hash_refresh_token(b"key one", &token);
        assert_eq!(hash, hash_refresh_token(b"key one", &token));
        assert_ne!(hash, hash_refresh_token(b"key two", &token));
        assert_ne!(hash, hash_secret(&token));
        assert_eq!(hash.len(), 64);
    }
}
