//! CORS_ORIGINS: exact origins and `https://*.example.com` patterns, and the origin
//! normalisation the CSRF rule compares with.

use super::ConfigError;

/// One entry of CORS_ORIGINS: an exact origin or a `scheme://*.domain[:port]` pattern
/// matching any subdomain (never the bare domain itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginRule {
    Exact(String),
    Subdomains {
        scheme: String,
        suffix: String,
        port: Option<u16>,
    },
}

#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(Vec<OriginRule>);

impl std::fmt::Display for OriginRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(origin) => f.write_str(origin),
            Self::Subdomains {
                scheme,
                suffix,
                port,
            } => {
                write!(f, "{scheme}://*.{suffix}")?;
                match port {
                    Some(port) => write!(f, ":{port}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl AllowedOrigins {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let mut rules = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            rules.push(parse_rule(item)?);
        }
        Ok(Self(rules))
    }

    pub fn rules(&self) -> &[OriginRule] {
        &self.0
    }

    /// The rules as written in CORS_ORIGINS, comma-separated; `none` when empty (for
    /// the log and the doctor).
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "none".to_owned();
        }
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether an `Origin` header value is allowed (exact match, case-insensitive host).
    pub fn allows(&self, origin: &str) -> bool {
        let Some(origin) = normalize_origin(origin) else {
            return false;
        };
        self.0.iter().any(|rule| match rule {
            OriginRule::Exact(exact) => *exact == origin,
            OriginRule::Subdomains {
                scheme,
                suffix,
                port,
            } => matches_pattern(&origin, scheme, suffix, *port),
        })
    }
}

fn matches_pattern(origin: &str, scheme: &str, suffix: &str, port: Option<u16>) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let Some(host) = url.host_str() else {
        return false;
    };
    url.scheme() == scheme
        && url.port() == port
        && host.len() > suffix.len() + 1
        && host.ends_with(suffix)
        && host.as_bytes().get(host.len() - suffix.len() - 1) == Some(&b'.')
}

/// `scheme://host[:port]` in lower case with the scheme's default port dropped, or
/// None when the value is not a bare origin.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return None;
    }
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

fn parse_rule(item: &str) -> Result<OriginRule, ConfigError> {
    if item == "*" || item == "null" {
        return Err(ConfigError::new(
            "CORS_ORIGINS",
            format!(
                "`{item}` cannot be allowed together with credentials (cookies); list the origins of your front-end, e.g. http://localhost:3000"
            ),
        ));
    }
    let bad = |why: &str| ConfigError::new("CORS_ORIGINS", format!("`{item}` {why}"));
    let (scheme, rest) = item
        .split_once("://")
        .ok_or_else(|| bad("is not an origin like https://app.example.com"))?;
    if !matches!(scheme, "http" | "https") {
        return Err(bad("must use http:// or https://"));
    }
    if let Some(pattern) = rest.strip_prefix("*.") {
        let (host, port) = match pattern.rsplit_once(':') {
            Some((host, port)) => (
                host,
                Some(
                    port.parse::<u16>()
                        .map_err(|_| bad("has an invalid port"))?,
                ),
            ),
            None => (pattern, None),
        };
        if host.is_empty() || host.contains('*') || host.contains('/') || !host.contains('.') {
            return Err(bad(
                "is not a valid pattern: only a leading `*.` before a domain with a dot, e.g. https://*.example.com",
            ));
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        return Ok(OriginRule::Subdomains {
            scheme: scheme.to_string(),
            suffix: host.to_ascii_lowercase(),
            port: port.filter(|p| *p != default_port),
        });
    }
    if rest.contains('*') {
        return Err(bad(
            "may hold `*` only as the leading label, e.g. https://*.example.com",
        ));
    }
    let trimmed = item.trim_end_matches('/');
    normalize_origin(trimmed)
        .map(OriginRule::Exact)
        .ok_or_else(|| bad("is not an origin (scheme://host[:port], no path)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_pattern_origins() {
        let allowed =
            AllowedOrigins::parse("http://localhost:3000, https://*.example.com").unwrap();
        assert!(allowed.allows("http://localhost:3000"));
        assert!(allowed.allows("HTTP://LOCALHOST:3000"));
        assert!(!allowed.allows("http://localhost:3001"));
        assert!(allowed.allows("https://app.example.com"));
        assert!(allowed.allows("https://a.b.example.com"));
        assert!(!allowed.allows("https://example.com"));
        assert!(!allowed.allows("https://evilexample.com"));
        assert!(!allowed.allows("http://app.example.com"));
        assert!(!allowed.allows("https://app.example.com:8443"));
        assert!(!allowed.allows("https://app.example.com.evil.net"));
        assert!(!allowed.allows("null"));
    }

    #[test]
    fn wildcards_and_junk_are_refused() {
        for bad in [
            "*",
            "null",
            "https://*",
            "https://a.*.com",
            "ftp://x.com",
            "localhost:3000",
            "https://x.com/path",
        ] {
            let err = AllowedOrigins::parse(bad).expect_err(bad);
            assert_eq!(err.var, "CORS_ORIGINS");
        }
    }
}
