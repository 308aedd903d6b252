//! An endpoint's signing secret: `whsec_` and base64 of 32 random bytes, the Standard
//! Webhooks form its libraries take as they are. Stored sealed under SECRET_KEY, since
//! every delivery is signed with it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::crypto::sealed;

const PREFIX: &str = "whsec_";
const SEAL_PURPOSE: &[u8] = b"webhook secret";

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
pub fn open_key(secret_key: &[u8], sealed_secret: &str) -> Option<Vec<u8>> {
    let secret = sealed::open(secret_key, SEAL_PURPOSE, sealed_secret)?;
    let text = std::str::from_utf8(&secret).ok()?;
    STANDARD.decode(text.strip_prefix(PREFIX)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_to_its_key_under_the_same_secret_key_only() {
        let secret = generate();
        assert!(secret.starts_with("whsec_"));
        let sealed = seal(&[7; 32], &secret);
        let key = sealed.as_deref().and_then(|s| open_key(&[7; 32], s));
        assert_eq!(key.map(|k| k.len()), Some(32));
        assert!(
            sealed
                .as_deref()
                .and_then(|s| open_key(&[8; 32], s))
                .is_none()
        );
    }
}
