//! WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS: the relying party of passkeys is the web
//! app, so its ID defaults to FRONTEND_URL's host and its origins to FRONTEND_URL and
//! the exact CORS_ORIGINS under that host. What a browser would refuse is refused
//! here, once, instead of at every ceremony.

use super::origins::{OriginRule, normalize_origin};
use super::{AllowedOrigins, ConfigError};

/// The relying party passkeys are made for, or why there is none.
#[derive(Debug, Clone)]
pub enum PasskeySettings {
    On(RelyingPartySettings),
    /// Passkeys are off: the default relying party is impossible (FRONTEND_URL is an
    /// IP address, which browsers refuse as an RP ID) and WEBAUTHN_RP_ID is unset.
    Off(String),
}

#[derive(Debug, Clone)]
pub struct RelyingPartySettings {
    /// A domain: the app's host or one of its parent domains.
    pub id: String,
    /// The origins whose pages may run a ceremony (the client data's `origin`).
    pub origins: Vec<url::Url>,
}

impl PasskeySettings {
    pub fn relying_party(&self) -> Option<&RelyingPartySettings> {
        match self {
            Self::On(rp) => Some(rp),
            Self::Off(_) => None,
        }
    }

    pub fn read(
        rp_id: Option<&str>,
        origins: Option<&str>,
        frontend: &url::Url,
        cors: &AllowedOrigins,
    ) -> Result<Self, ConfigError> {
        let rp_id = match rp_id.map(str::trim) {
            Some(raw) => parse_rp_id(raw)?,
            None => match frontend.domain() {
                Some(host) => host.to_ascii_lowercase(),
                None => {
                    return Ok(Self::Off(format!(
                        "FRONTEND_URL's host ({}) is an IP address, which browsers refuse as a passkey relying party; set WEBAUTHN_RP_ID to a domain name",
                        frontend.host_str().unwrap_or_default()
                    )));
                }
            },
        };
        let origins = match origins {
            Some(raw) => explicit_origins(raw, &rp_id)?,
            None => default_origins(frontend, cors, &rp_id),
        };
        if origins.is_empty() {
            return Err(ConfigError::new(
                "WEBAUTHN_RP_ID",
                format!(
                    "no allowed origin (FRONTEND_URL, CORS_ORIGINS or WEBAUTHN_ORIGINS) is on `{rp_id}` or a subdomain of it"
                ),
            ));
        }
        Ok(Self::On(RelyingPartySettings { id: rp_id, origins }))
    }
}

/// A domain name, as browsers take an RP ID: no scheme, port or path, not an IP.
fn parse_rp_id(raw: &str) -> Result<String, ConfigError> {
    let id = raw.to_ascii_lowercase();
    let is_label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let is_ip = id.parse::<std::net::IpAddr>().is_ok();
    if is_ip || id.is_empty() || !id.split('.').all(is_label) {
        return Err(ConfigError::new(
            "WEBAUTHN_RP_ID",
            format!(
                "`{raw}` must be a domain name such as `example.com` (no scheme, port or IP address)"
            ),
        ));
    }
    Ok(id)
}

/// Whether pages of `origin` may use `rp_id`: its host is the RP ID or under it.
fn is_under(origin: &url::Url, rp_id: &str) -> bool {
    origin.domain().is_some_and(|host| {
        let host = host.to_ascii_lowercase();
        host == rp_id || host.ends_with(&format!(".{rp_id}"))
    })
}

fn parse_origin(raw: &str) -> Option<url::Url> {
    normalize_origin(raw.trim_end_matches('/')).and_then(|o| url::Url::parse(&o).ok())
}

fn explicit_origins(raw: &str, rp_id: &str) -> Result<Vec<url::Url>, ConfigError> {
    let mut origins = Vec::new();
    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let origin = parse_origin(item).ok_or_else(|| {
            ConfigError::new(
                "WEBAUTHN_ORIGINS",
                format!("`{item}` is not an origin (scheme://host[:port])"),
            )
        })?;
        if !is_under(&origin, rp_id) {
            return Err(ConfigError::new(
                "WEBAUTHN_ORIGINS",
                format!("`{item}` is not on the relying party `{rp_id}` or a subdomain of it"),
            ));
        }
        origins.push(origin);
    }
    Ok(origins)
}

/// FRONTEND_URL, then each exact CORS origin on the RP ID. Patterns are left out: a
/// ceremony's origin is compared exactly, so they must be listed in WEBAUTHN_ORIGINS.
fn default_origins(frontend: &url::Url, cors: &AllowedOrigins, rp_id: &str) -> Vec<url::Url> {
    let mut origins: Vec<url::Url> = Vec::new();
    let candidates = std::iter::once(frontend.origin().ascii_serialization()).chain(
        cors.rules().iter().filter_map(|rule| match rule {
            OriginRule::Exact(origin) => Some(origin.clone()),
            OriginRule::Subdomains { .. } => None,
        }),
    );
    for candidate in candidates {
        if let Some(origin) = parse_origin(&candidate)
            && is_under(&origin, rp_id)
            && !origins.contains(&origin)
        {
            origins.push(origin);
        }
    }
    origins
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        rp_id: Option<&str>,
        origins: Option<&str>,
        frontend: &str,
        cors: &str,
    ) -> Result<PasskeySettings, ConfigError> {
        let frontend =
            url::Url::parse(frontend).map_err(|e| ConfigError::new("X", e.to_string()))?;
        let cors = AllowedOrigins::parse(cors)?;
        PasskeySettings::read(rp_id, origins, &frontend, &cors)
    }

    fn origins_of(settings: &PasskeySettings) -> Vec<String> {
        settings
            .relying_party()
            .map(|rp| {
                rp.origins
                    .iter()
                    .map(|o| o.origin().ascii_serialization())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn defaults_to_the_app_host_and_its_cors_origins() -> Result<(), ConfigError> {
        let settings = read(
            None,
            None,
            "https://app.example.com/",
            "https://app.example.com,https://admin.example.com,https://*.example.com,http://127.0.0.1:3000",
        )?;
        let rp = settings
            .relying_party()
            .ok_or_else(|| ConfigError::new("X", "off"))?;
        assert_eq!(rp.id, "app.example.com");
        assert_eq!(origins_of(&settings), ["https://app.example.com"]);
        Ok(())
    }

    #[test]
    fn a_parent_domain_takes_sibling_origins() -> Result<(), ConfigError> {
        let settings = read(
            Some("Example.com"),
            None,
            "https://app.example.com",
            "https://admin.example.com,https://other.org",
        )?;
        assert_eq!(
            origins_of(&settings),
            ["https://app.example.com", "https://admin.example.com"]
        );
        Ok(())
    }

    #[test]
    fn an_ip_frontend_turns_passkeys_off_unless_an_id_is_given() -> Result<(), ConfigError> {
        let off = read(None, None, "http://127.0.0.1:3000", "http://127.0.0.1:3000")?;
        assert!(matches!(off, PasskeySettings::Off(ref why) if why.contains("WEBAUTHN_RP_ID")));
        let refused = read(Some("localhost"), None, "http://127.0.0.1:3000", "");
        assert!(refused.is_err(), "no origin is on localhost");
        Ok(())
    }

    #[test]
    fn refuses_what_a_browser_would() {
        for bad in ["127.0.0.1", "https://example.com", "example.com:443", "a b"] {
            assert!(
                read(Some(bad), None, "https://example.com", "").is_err(),
                "{bad}"
            );
        }
        let foreign = read(
            Some("example.com"),
            Some("https://example.com,https://evil.org"),
            "https://example.com",
            "",
        );
        assert!(foreign.is_err());
        let lookalike = read(
            Some("example.com"),
            Some("https://notexample.com"),
            "https://example.com",
            "",
        );
        assert!(lookalike.is_err());
    }
}
