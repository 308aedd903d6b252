//! How Sekisho's JWTs are signed and what they claim to be: JWT_ALGORITHM,
//! JWT_ISSUER, JWT_AUDIENCE, JWT_KEY_PUBLISH_SECONDS.

use chrono::TimeDelta;

use super::{ConfigError, Lookup, parse_number};
use crate::domain::SigningAlgorithm;

#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// JWT_ALGORITHM: what new signing keys are (ES256 by default, or EdDSA). Keys
    /// made before keep their own algorithm until they retire.
    pub algorithm: SigningAlgorithm,
    /// JWT_ISSUER: the `iss` claim; PUBLIC_ORIGIN by default, else FRONTEND_URL.
    pub issuer: String,
    /// JWT_AUDIENCE: the `aud` claim; `sekisho` by default.
    pub audience: String,
    /// JWT_KEY_PUBLISH_SECONDS: how long a new key is published before it signs, so
    /// that the services' JWKS caches hold it first.
    pub publish_delay: TimeDelta,
}

impl TokenSettings {
    pub(super) fn read(
        get: Lookup<'_>,
        public_origin: Option<&str>,
        frontend_url: &url::Url,
    ) -> Result<Self, ConfigError> {
        let algorithm = match get("JWT_ALGORITHM").as_deref().map(str::trim) {
            None => SigningAlgorithm::Es256,
            Some(raw) => SigningAlgorithm::parse(raw).ok_or_else(|| {
                ConfigError::new(
                    "JWT_ALGORITHM",
                    format!("must be `ES256` or `EdDSA`, not `{raw}`"),
                )
            })?,
        };
        let default_issuer = public_origin
            .map(str::to_owned)
            .unwrap_or_else(|| frontend_url.as_str().trim_end_matches('/').to_owned());
        Ok(Self {
            algorithm,
            issuer: get("JWT_ISSUER").map_or(default_issuer, |i| i.trim().to_owned()),
            audience: get("JWT_AUDIENCE")
                .map_or_else(|| "sekisho".to_owned(), |a| a.trim().to_owned()),
            publish_delay: TimeDelta::seconds(parse_number(
                "JWT_KEY_PUBLISH_SECONDS",
                get("JWT_KEY_PUBLISH_SECONDS"),
                600,
                0..=86_400,
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        vars: &[(&str, &str)],
        public_origin: Option<&str>,
    ) -> Result<TokenSettings, ConfigError> {
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        };
        let frontend = url::Url::parse("http://localhost:3000/").expect("a URL");
        TokenSettings::read(&get, public_origin, &frontend)
    }

    #[test]
    fn defaults_follow_the_contract() {
        let settings = read(&[], None).expect("defaults");
        assert_eq!(settings.algorithm, SigningAlgorithm::Es256);
        assert_eq!(settings.issuer, "http://localhost:3000");
        assert_eq!(settings.audience, "sekisho");
        assert_eq!(settings.publish_delay, TimeDelta::seconds(600));
        let behind = read(&[], Some("https://auth.example.com")).expect("defaults");
        assert_eq!(
            behind.issuer, "https://auth.example.com",
            "PUBLIC_ORIGIN first"
        );
    }

    #[test]
    fn each_setting_is_read_and_a_bad_one_is_named() {
        let settings = read(
            &[
                ("JWT_ALGORITHM", "EdDSA"),
                ("JWT_ISSUER", "https://id.example.com"),
                ("JWT_AUDIENCE", "shop"),
                ("JWT_KEY_PUBLISH_SECONDS", "0"),
            ],
            None,
        )
        .expect("settings");
        assert_eq!(settings.algorithm, SigningAlgorithm::EdDsa);
        assert_eq!(settings.issuer, "https://id.example.com");
        assert_eq!(settings.audience, "shop");
        assert_eq!(settings.publish_delay, TimeDelta::zero());
        for (var, value) in [
            ("JWT_ALGORITHM", "RS256"),
            ("JWT_ALGORITHM", "HS256"),
            ("JWT_KEY_PUBLISH_SECONDS", "-1"),
            ("JWT_KEY_PUBLISH_SECONDS", "86401"),
        ] {
            let error = read(&[(var, value)], None).expect_err(value);
            assert_eq!(error.var, var);
        }
    }
}
