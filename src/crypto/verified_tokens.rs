//! Tokens this process verified lately, with their claims: a signed-in client sends
//! the same token on every request, and checking its signature and parsing its JSON
//! (twice, in jsonwebtoken) was a ninth of /me's CPU. Only verification is remembered:
//! the session row is still read on every request, so revocation is untouched. A hit
//! is the very string that verified, with `exp` checked again against the clock.

use std::collections::HashMap;
use std::sync::Mutex;

use super::jwt::Verified;

/// Enough for every client active in a token's lifetime on a busy instance; when
/// full the map starts afresh (bounded memory, about 700 bytes an entry: an ES256
/// token of about 500 characters and its ids).
const CAPACITY: usize = 10_000;

/// A remembered token, whole, and what it said.
type Entry = (Box<str>, Verified);

#[derive(Default)]
pub struct VerifiedTokens {
    /// By the token's signature (its last segment, a tenth of an ES256 token to hash
    /// on every request), with the whole token to compare on a hit.
    claims: Mutex<HashMap<Box<str>, Entry>>,
}

/// The part a token is looked up by: what follows its last dot.
fn signature(token: &str) -> &str {
    token
        .rsplit_once('.')
        .map_or(token, |(_, signature)| signature)
}

impl VerifiedTokens {
    /// The claims of `token` if it verified before and has not expired at `now`
    /// (seconds; expired means `exp < now`, as jsonwebtoken has it with no leeway).
    pub fn get(&self, token: &str, now: i64) -> Option<Verified> {
        let key = signature(token);
        let mut claims = self.claims.lock().ok()?;
        match claims.get(key) {
            Some((whole, found)) if **whole == *token && found.exp >= now => Some(found.clone()),
            Some((whole, _)) if **whole == *token => {
                claims.remove(key);
                None
            }
            _ => None,
        }
    }

    pub fn remember(&self, token: &str, verified: &Verified) {
        let Ok(mut claims) = self.claims.lock() else {
            return;
        };
        if claims.len() >= CAPACITY {
            claims.clear();
        }
        claims.insert(signature(token).into(), (token.into(), verified.clone()));
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.claims.lock().map(|c| c.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Verified {
        Verified {
            sub: "u".into(),
            sid: "s".into(),
            iat: 0,
            exp,
        }
    }

    #[test]
    fn a_remembered_token_counts_until_it_expires() {
        let tokens = VerifiedTokens::default();
        assert!(tokens.get("t", 100).is_none());
        tokens.remember("t", &claims(100));
        assert_eq!(tokens.get("t", 100).map(|c| c.exp), Some(100));
        assert!(tokens.get("t", 101).is_none(), "expired");
        assert!(tokens.get("t", 100).is_none(), "and forgotten");
        assert!(tokens.get("t2", 0).is_none(), "only the very string");
        tokens.remember("a.b.sig", &claims(100));
        assert!(tokens.get("a.b.sig", 0).is_some());
        assert!(
            tokens.get("a.c.sig", 0).is_none(),
            "the same signature on another token is not it"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let tokens = VerifiedTokens::default();
        for i in 0..CAPACITY + 10 {
            tokens.remember(&format!("t{i}"), &claims(100));
        }
        assert!(tokens.len() <= CAPACITY);
    }
}
