//! Recovery codes: ten single-use codes shown once when a second factor is enabled,
//! each 50 random bits written as `xxxxx-xxxxx` in an alphabet without look-alikes.
//! Only their hashes are stored; what a person types is normalised first (case,
//! spaces and the dash do not matter).

use rand::Rng;

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
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
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

pub fn hash(normalized: &str) -> String {
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
            assert_eq!(
                normalize(&typed).map(|c| hash(&c)),
                normalize(code).map(|c| hash(&c))
            );
        }
        assert!(normalize("too-short").is_none());
        assert!(normalize("iiiii-lllll").is_none());
    }
}
