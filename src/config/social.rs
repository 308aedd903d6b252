//! Social sign-in providers from the environment: Google (GOOGLE_CLIENT_ID and
//! GOOGLE_CLIENT_SECRET) and any OpenID Connect provider named in OIDC_PROVIDERS.

use secrecy::SecretString;

use super::ConfigError;

/// Where a provider's endpoints come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderSource {
    /// Google's published endpoints, fixed: nothing is fetched at start-up.
    Google,
    /// `{issuer}/.well-known/openid-configuration`, fetched (and retried) at start-up.
    Discovery { issuer: String },
    /// GitHub (OAuth 2.0, not OpenID Connect): `{url}/login/oauth/…` and the REST API
    /// at `api_url` (github.com's, or a GitHub Enterprise server's).
    GitHub { url: String, api_url: String },
}

#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// The provider's id in paths and in the `accounts` table (`google`, `acme`).
    pub id: String,
    /// What the sign-in button says.
    pub name: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub source: ProviderSource,
}

pub fn parse_providers(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderSettings>, ConfigError> {
    let mut providers = Vec::new();
    match (get("GOOGLE_CLIENT_ID"), get("GOOGLE_CLIENT_SECRET")) {
        (None, None) => {}
        (Some(client_id), Some(secret)) => providers.push(ProviderSettings {
            id: "google".into(),
            name: "Google".into(),
            client_id: client_id.trim().to_owned(),
            client_secret: SecretString::from(secret.trim().to_owned()),
            source: ProviderSource::Google,
        }),
        (Some(_), None) => {
            return Err(ConfigError::new(
                "GOOGLE_CLIENT_SECRET",
                "must be set with GOOGLE_CLIENT_ID",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "GOOGLE_CLIENT_ID",
                "must be set with GOOGLE_CLIENT_SECRET",
            ));
        }
    }
    if let Some(github) = github(&get)? {
        providers.push(github);
    }
    let Some(list) = get("OIDC_PROVIDERS") else {
        return Ok(providers);
    };
    for id in list.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        let valid = id.len() <= 32
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            return Err(ConfigError::new(
                "OIDC_PROVIDERS",
                format!("`{id}` is not a provider id (lower-case letters, digits, - and _)"),
            ));
        }
        if providers.iter().any(|p| p.id == id) {
            return Err(ConfigError::new(
                "OIDC_PROVIDERS",
                format!(
                    "`{id}` is named twice (or is google or github, which GOOGLE_CLIENT_ID and GITHUB_CLIENT_ID configure)"
                ),
            ));
        }
        let prefix = format!("OIDC_{}_", id.to_ascii_uppercase().replace('-', "_"));
        let required = |suffix: &str| {
            let var = format!("{prefix}{suffix}");
            get(&var).map(|v| v.trim().to_owned()).ok_or_else(|| {
                ConfigError::new(
                    "OIDC_PROVIDERS",
                    format!("{var} must be set for the provider `{id}`"),
                )
            })
        };
        let issuer = required("ISSUER")?;
        let parsed = url::Url::parse(&issuer).map_err(|_| {
            ConfigError::new(
                "OIDC_PROVIDERS",
                format!("{prefix}ISSUER `{issuer}` is not a URL"),
            )
        })?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(ConfigError::new(
                "OIDC_PROVIDERS",
                format!("{prefix}ISSUER must be an https URL"),
            ));
        }
        providers.push(ProviderSettings {
            id: id.to_owned(),
            name: get(&format!("{prefix}NAME"))
                .map(|n| n.trim().to_owned())
                .unwrap_or_else(|| capitalized(id)),
            client_id: required("CLIENT_ID")?,
            client_secret: SecretString::from(required("CLIENT_SECRET")?),
            source: ProviderSource::Discovery { issuer },
        });
    }
    Ok(providers)
}

/// GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (both or neither), GITHUB_URL and
/// GITHUB_API_URL (github.com's by default).
fn github(get: &impl Fn(&str) -> Option<String>) -> Result<Option<ProviderSettings>, ConfigError> {
    let (client_id, secret) = match (get("GITHUB_CLIENT_ID"), get("GITHUB_CLIENT_SECRET")) {
        (None, None) => return Ok(None),
        (Some(id), Some(secret)) => (id, secret),
        (Some(_), None) => {
            return Err(ConfigError::new(
                "GITHUB_CLIENT_SECRET",
                "must be set with GITHUB_CLIENT_ID",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "GITHUB_CLIENT_ID",
                "must be set with GITHUB_CLIENT_SECRET",
            ));
        }
    };
    let base = |var: &'static str, default: &str| -> Result<String, ConfigError> {
        let raw = get(var).map(|v| v.trim().to_owned());
        let raw = raw
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned());
        match url::Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "https" | "http") && url.host().is_some() => {
                Ok(raw.trim_end_matches('/').to_owned())
            }
            _ => Err(ConfigError::new(var, "must be an https URL")),
        }
    };
    Ok(Some(ProviderSettings {
        id: "github".into(),
        name: "GitHub".into(),
        client_id: client_id.trim().to_owned(),
        client_secret: SecretString::from(secret.trim().to_owned()),
        source: ProviderSource::GitHub {
            url: base("GITHUB_URL", "https://github.com")?,
            api_url: base("GITHUB_API_URL", "https://api.github.com")?,
        },
    }))
}

fn capitalized(id: &str) -> String {
    let mut chars = id.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<Vec<ProviderSettings>, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_providers(|name| map.get(name).cloned())
    }

    #[test]
    fn google_needs_both_halves_and_generic_providers_their_three_variables() {
        assert!(parse(&[]).unwrap().is_empty());
        let google = parse(&[("GOOGLE_CLIENT_ID", "id"), ("GOOGLE_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(google[0].id, "google");
        assert_eq!(google[0].source, ProviderSource::Google);

        let github = parse(&[("GITHUB_CLIENT_ID", "id"), ("GITHUB_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(
            github[0].source,
            ProviderSource::GitHub {
                url: "https://github.com".into(),
                api_url: "https://api.github.com".into()
            }
        );
        let enterprise = parse(&[
            ("GITHUB_CLIENT_ID", "id"),
            ("GITHUB_CLIENT_SECRET", "s"),
            ("GITHUB_URL", "https://ghe.example.com/"),
            ("GITHUB_API_URL", "https://ghe.example.com/api/v3"),
        ])
        .unwrap();
        assert_eq!(
            enterprise[0].source,
            ProviderSource::GitHub {
                url: "https://ghe.example.com".into(),
                api_url: "https://ghe.example.com/api/v3".into()
            }
        );
        assert_eq!(
            parse(&[("GITHUB_CLIENT_ID", "id")]).unwrap_err().var,
            "GITHUB_CLIENT_SECRET"
        );
        let bad = parse(&[
            ("GITHUB_CLIENT_ID", "id"),
            ("GITHUB_CLIENT_SECRET", "s"),
            ("GITHUB_URL", "ghe.example.com"),
        ]);
        assert_eq!(bad.unwrap_err().var, "GITHUB_URL");
        assert_eq!(
            parse(&[("GOOGLE_CLIENT_ID", "id")]).unwrap_err().var,
            "GOOGLE_CLIENT_SECRET"
        );

        let acme = parse(&[
            ("OIDC_PROVIDERS", "acme, my-idp"),
            ("OIDC_ACME_ISSUER", "https://id.acme.test"),
            ("OIDC_ACME_CLIENT_ID", "c"),
            ("OIDC_ACME_CLIENT_SECRET", "s"),
            ("OIDC_ACME_NAME", "ACME"),
            ("OIDC_MY_IDP_ISSUER", "https://idp.test/realms/x"),
            ("OIDC_MY_IDP_CLIENT_ID", "c2"),
            ("OIDC_MY_IDP_CLIENT_SECRET", "s2"),
        ])
        .unwrap();
        assert_eq!(acme[0].name, "ACME");
        assert_eq!(acme[1].id, "my-idp");
        assert_eq!(acme[1].name, "My-idp");

        let missing = parse(&[
            ("OIDC_PROVIDERS", "acme"),
            ("OIDC_ACME_ISSUER", "https://id.acme.test"),
        ])
        .unwrap_err();
        assert!(
            missing.problem.contains("OIDC_ACME_CLIENT_ID"),
            "{}",
            missing.problem
        );
        assert!(parse(&[("OIDC_PROVIDERS", "Acme")]).is_err());
        assert!(parse(&[("OIDC_PROVIDERS", "../x")]).is_err());
    }
}
