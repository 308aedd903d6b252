//! An endpoint's signing secret: `whsec_` and base64 of 32 random bytes, the Standard
//! Webhooks form its libraries take as they are. Stored sealed under SECRET_KEY, since
//! every delivery is signed with it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::crypto::sealed;

const PREFIX: &str = "whsec_";
pub(crate) const SEAL_PURPOSE: &[u8] = b"webhook secret";

/// A new secret, as shown once to the operator.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{PREFIX}{}", STANDARD.encode(bytes))
}

pub fn seal(secret_key: &[u8], secret: &str) -> Option<String> {
    sealed::seal(secret_key, SEAL_PURPOSE, secret.as_bytes())
}

/// The key bytes HMAC signs with; None when the secret was sealed under another
/// SECRET_KEY (or damaged).
pub fn open_key(secret_key: &crate::config::SecretKey, sealed_secret: &str) -> Option<Vec<u8>> {
    let secret = sealed::open_any(secret_key, SEAL_PURPOSE, sealed_secret)?;
    let text = std::str::from_utf8(&secret).ok()?;
    STANDARD.decode(text.strip_prefix(PREFIX)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> crate::config::SecretKey {
        let dir = std::path::Path::new(".");
        crate::config::SecretKey::load(
            Some(text.to_owned()),
            crate::config::AppEnv::Development,
            dir,
        )
        .expect("a key")
    }

    #[test]
    fn a_sealed_secret_opens_to_its_key_under_the_same_secret_key_only() {
        let secret = generate();
        assert!(secret.starts_with("whsec_"));
        let sealed_under = key("seven-seven-seven-seven-seven-seven-77");
        let sealed = seal(sealed_under.bytes(), &secret);
        let opened = sealed.as_deref().and_then(|s| open_key(&sealed_under, s));
        assert_eq!(opened.map(|k| k.len()), Some(32));
        let other = key("eight-eight-eight-eight-eight-eight-88");
        assert!(
            sealed
                .as_deref()
                .and_then(|s| open_key(&other, s))
                .is_none()
        );
        // After a rotation, the previous key still opens it.
        let rotated = other
            .with_previous(Some("seven-seven-seven-seven-seven-seven-77"))
            .expect("a previous key");
        assert!(
            sealed
                .as_deref()
                .and_then(|s| open_key(&rotated, s))
                .is_some()
        );
    }
}
