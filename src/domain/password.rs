//! New passwords within the contract's bounds, kept secret (never Debug-printed).

use secrecy::{ExposeSecret, SecretString};

/// A password within the contract's bounds (8 to 128 characters), checked before any
/// hashing so that a megabyte "password" never reaches argon2.
#[derive(Debug, Clone)]
pub struct Password(SecretString);

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

impl Password {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let chars = raw.chars().count();
        if chars == 0 {
            return Err("is required");
        }
        if chars < MIN_CHARS {
            return Err("must be at least 8 characters");
        }
        if chars > MAX_CHARS {
            return Err("must be at most 128 characters");
        }
        Ok(Self(SecretString::from(raw)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::Password;

    #[test]
    fn bounds() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"あ".repeat(128)).is_ok());
        assert!(Password::parse(&"a".repeat(129)).is_err());
        assert!(!format!("{:?}", Password::parse("secret-pw").unwrap()).contains("secret-pw"));
    }
}
