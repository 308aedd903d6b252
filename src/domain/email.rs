//! Email addresses as stored and compared: trimmed, lower-cased, checked once.

/// An email address, trimmed and lower-cased: the form stored and compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
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
}
