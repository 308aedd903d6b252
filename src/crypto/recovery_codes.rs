//! Recovery codes: ten single-use codes shown once when a second factor is enabled,
//! each 50 random bits written as `xxxxx-xxxxx` in an alphabet without look-alikes.
//! What a person types is normalised first (case, spaces and the dash do not matter).
//!
//! Only a slow hash of each is stored: argon2id salted by the user, so whoever reads
//! the database must try each of the 2^50 candidates for each user separately, at
//! argon2's price (an unsalted SHA-256, as stored before, let one pass over the
//! candidates test every code of every user at once). The salt is derived from the
//! user's id, so one derivation of a typed code is compared with all ten stored
//! codes. Codes stored the old way are still accepted until used or replaced. Not
//! keyed by SECRET_KEY on purpose: after a new key the TOTP secret cannot be opened,
//! and the recovery codes are how such a user gets back in.

use argon2::Params;
use rand::Rng;
use sha2::{Digest, Sha256};

use super::tokens;

pub const COUNT: usize = 10;
/// Crockford's base32: no I, L, O or U to misread.
const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
const HALF: usize = 5;

pub fn generate() -> Vec<String> {
    let mut rng = rand::rngs::OsRng;
    (0..COUNT)
        .map(|_| {
            let mut chars: Vec<char> = (0..HALF * 2)
                .filter_map(|_| {
                    ALPHABET
                        .get(rng.gen_range(0..ALPHABET.len()))
                        .map(|&b| char::from(b))
                })
                .collect();
            chars.insert(HALF, '-');
            chars.into_iter().collect()
        })
        .collect()
}

/// The code as stored: lower case, without spaces or dashes; None when it cannot be
/// one of ours (so a malformed code costs no lookup).
pub fn normalize(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == HALF * 2 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What marks a stored code as this scheme's (the old ones are bare hex).
const STORED_PREFIX: &str = "argon2id:";

/// 8 MiB, one pass: a code has 50 random bits, so the work per candidate only has to
/// make 2^50 of them out of reach, not to stretch a guessable password.
pub fn params() -> Params {
    Params::new(8 * 1024, 1, 1, Some(32)).unwrap_or_default()
}

/// The user's salt: unique per user, known before any stored code is read.
pub fn salt(user_id: &str) -> Vec<u8> {
    let digest = Sha256::new()
        .chain_update(b"sekisho recovery code salt\0")
        .chain_update(user_id.as_bytes())
        .finalize();
    digest.iter().take(16).copied().collect()
}

/// What is stored of a code whose derivation is `derived`.
pub fn stored_form(derived: &[u8]) -> String {
    format!("{STORED_PREFIX}{}", hex::encode(derived))
}

/// What versions before the salted hash stored: accepted when presented, never
/// written.
pub fn legacy_hash(normalized: &str) -> String {
    tokens::hash_secret(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_distinct_codes_that_survive_retyping() {
        let codes = generate();
        assert_eq!(codes.len(), COUNT);
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), COUNT);
        for code in &codes {
            assert_eq!(code.len(), 11);
            let typed = format!(" {} ", code.to_uppercase().replace('-', " "));
            assert_eq!(normalize(&typed), normalize(code));
        }
        assert!(normalize("too-short").is_none());
        assert!(normalize("iiiii-lllll").is_none());
    }

    #[test]
    fn stored_codes_are_salted_by_user_and_slow() {
        let mut engine = crate::crypto::password::PasswordEngine::new();
        let code = "abcde12345";
        let mut derive =
            |user: &str| stored_form(&engine.derive(code, &salt(user), &params()).unwrap());
        let (alice, again, bob) = (derive("alice"), derive("alice"), derive("bob"));
        assert_eq!(alice, again, "one user's code derives the same each time");
        assert_ne!(alice, bob, "another user's same code is stored differently");
        assert!(alice.starts_with("argon2id:") && alice.len() == 9 + 64);
        assert_ne!(alice, legacy_hash(code));
        assert_eq!(params().m_cost(), 8192);
    }
}
