//! Secrets the server must read back (a TOTP secret), stored encrypted: XChaCha20-
//! Poly1305 (authenticated; a random 192-bit nonce per value) under a key derived
//! from SECRET_KEY with HKDF-SHA256 for one purpose. A new SECRET_KEY makes every
//! sealed value unreadable: `open` answers None, never garbage.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

const NONCE_BYTES: usize = 24;

fn cipher(secret_key: &[u8], purpose: &[u8]) -> Option<XChaCha20Poly1305> {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(b"sekisho sealed v1"), secret_key)
        .expand(purpose, &mut key)
        .ok()?;
    XChaCha20Poly1305::new_from_slice(&key).ok()
}

/// `plaintext` sealed for `purpose`, as base64url text.
pub fn seal(secret_key: &[u8], purpose: &[u8], plaintext: &[u8]) -> Option<String> {
    let mut nonce = [0u8; NONCE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher(secret_key, purpose)?
        .encrypt(&XNonce::from(nonce), plaintext)
        .ok()?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Some(URL_SAFE_NO_PAD.encode(out))
}

/// What `seal` sealed under SECRET_KEY or one of PREVIOUS_SECRET_KEYS.
pub fn open_any(keys: &crate::config::SecretKey, purpose: &[u8], sealed: &str) -> Option<Vec<u8>> {
    keys.all().find_map(|key| open(key, purpose, sealed))
}

/// What `seal` sealed, if this key and purpose sealed it and nothing changed it.
pub fn open(secret_key: &[u8], purpose: &[u8], sealed: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() <= NONCE_BYTES {
        return None;
    }
    let (nonce, body) = bytes.split_at(NONCE_BYTES);
    let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
    cipher(secret_key, purpose)?
        .decrypt(&XNonce::from(nonce), body)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a-secret-key-that-is-long-enough-0123456789";

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let sealed = seal(KEY, b"totp", b"JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(open(KEY, b"totp", &sealed).unwrap(), b"JBSWY3DPEHPK3PXP");
        // Two seals of one value differ (fresh nonce).
        assert_ne!(sealed, seal(KEY, b"totp", b"JBSWY3DPEHPK3PXP").unwrap());
        // Another key, another purpose, a flipped byte: unreadable.
        assert!(
            open(
                b"another-secret-key-that-is-long-enough-000",
                b"totp",
                &sealed
            )
            .is_none()
        );
        assert!(open(KEY, b"other", &sealed).is_none());
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(open(KEY, b"totp", &URL_SAFE_NO_PAD.encode(bytes)).is_none());
        assert!(open(KEY, b"totp", "not base64 !").is_none());
    }
}
