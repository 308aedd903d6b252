//! Email addresses as stored and compared: trimmed, lower-cased, checked once.
//!
//! Lower-casing with Unicode's rules folds some non-ASCII letters into ASCII ones (the
//! Kelvin sign K into `k`), and NFKC folds compatibility characters (full-width
//! letters, the long s) the same way: `Kate@example.com` spelled with a Kelvin sign
//! would be stored, looked up and linked as `kate@example.com`. Such an address is
//! refused rather than folded: one that NFKC changes, or that holds a non-ASCII letter
//! whose lower case contains an ASCII one. Every other address is lower-cased as
//! before, so sign-up, login, reset and social linking all compare one form.

use unicode_normalization::UnicodeNormalization;

/// An email address, trimmed and lower-cased: the form stored and compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let trimmed = raw.trim();
        if folds_into_ascii(trimmed) {
            return Err("must not contain look-alike characters");
        }
        let email = trimmed.to_lowercase();
        if email.is_empty() {
            return Err("is required");
        }
        if email.len() > MAX_LEN {
            return Err("must be at most 254 characters");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("must be a valid email address");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        if !(domain_ok && local_ok) {
            return Err("must be a valid email address");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether NFKC or lower-casing would turn part of `text` into something else that
/// could equal another address.
fn folds_into_ascii(text: &str) -> bool {
    if text.is_ascii() {
        return false;
    }
    !text.nfkc().eq(text.chars())
        || text
            .chars()
            .any(|c| !c.is_ascii() && c.to_lowercase().any(|lower| lower.is_ascii()))
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn normalizes_and_validates() {
        assert_eq!(
            Email::parse("  Tanaka@Example.COM ").unwrap().as_str(),
            "tanaka@example.com"
        );
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a@.com",
            "a b@example.com",
            "a@exa mple.com",
            "a@@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn look_alikes_are_refused_not_folded_into_an_ascii_address() {
        let look_alike = Err("must not contain look-alike characters");
        // The Kelvin sign lower-cases to `k`; the long s and full-width letters fold
        // under NFKC; a dotted capital I lower-cases to `i` and a combining dot.
        for raw in [
            "\u{212A}ate@example.com",
            "ro\u{17F}e@example.com",
            "\u{FF4B}ate@example.com",
            "kate@\u{FF45}xample.com",
            "\u{130}ris@example.com",
        ] {
            assert_eq!(Email::parse(raw), look_alike, "{raw:?}");
        }
        // A dotless i is its own letter: kept, and never equal to an `i` address.
        let dotless = Email::parse("K\u{131}te@example.com").unwrap();
        assert_eq!(dotless.as_str(), "k\u{131}te@example.com");
        assert_ne!(dotless, Email::parse("kite@example.com").unwrap());
        // Other non-ASCII addresses are lower-cased as before.
        assert_eq!(
            Email::parse("Ünal@Example.com").unwrap().as_str(),
            "ünal@example.com"
        );
        assert_eq!(
            Email::parse("田中@例え.jp").unwrap().as_str(),
            "田中@例え.jp"
        );
    }
}
