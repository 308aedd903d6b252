//! Building providers from configuration: Google from its published endpoints (no
//! network), any other by OpenID Connect discovery, retried until it answers.

use std::time::Duration;

use openidconnect::core::{CoreJsonWebKeySet, CoreProviderMetadata};
use openidconnect::reqwest;
use openidconnect::{
    AuthUrl, ClientId, ClientSecret, IssuerUrl, JsonWebKeySetUrl, RedirectUrl, TokenUrl,
};
use secrecy::ExposeSecret;

use super::provider::{Endpoints, Provider};
use crate::config::ProviderSettings;

const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const GOOGLE_AUTHORIZATION: &str = "https://accounts.google.com/o/oauth2/v2/auth";
const GOOGLE_TOKEN: &str = "https://oauth2.googleapis.com/token";
const GOOGLE_KEYS: &str = "https://www.googleapis.com/oauth2/v3/certs";

/// The first wait before discovery is tried again, doubling to `MAX_RETRY`.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(60);

/// Google from its fixed endpoints; its keys are fetched when a callback first needs
/// them.
pub fn google(settings: &ProviderSettings, redirect: RedirectUrl) -> Result<Provider, String> {
    let endpoints = Endpoints {
        issuer: IssuerUrl::new(GOOGLE_ISSUER.into()).map_err(|e| e.to_string())?,
        issuer_aliases: vec!["accounts.google.com".into()],
        authorization: AuthUrl::new(GOOGLE_AUTHORIZATION.into()).map_err(|e| e.to_string())?,
        token: TokenUrl::new(GOOGLE_TOKEN.into()).map_err(|e| e.to_string())?,
        jwks: JsonWebKeySetUrl::new(GOOGLE_KEYS.into()).map_err(|e| e.to_string())?,
        // Google puts the email in the ID token.
        userinfo: None,
    };
    Ok(provider(
        settings,
        redirect,
        endpoints,
        CoreJsonWebKeySet::new(Vec::new()),
    ))
}

/// Fetches `{issuer}/.well-known/openid-configuration` and the keys it names.
pub async fn discover(
    settings: &ProviderSettings,
    issuer: &str,
    redirect: RedirectUrl,
    http: &reqwest::Client,
) -> Result<Provider, String> {
    let issuer = IssuerUrl::new(issuer.to_owned()).map_err(|e| e.to_string())?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| error_chain(&e))?;
    let token = metadata
        .token_endpoint()
        .cloned()
        .ok_or("the discovery document names no token endpoint")?;
    let endpoints = Endpoints {
        issuer: metadata.issuer().clone(),
        issuer_aliases: Vec::new(),
        authorization: metadata.authorization_endpoint().clone(),
        token,
        jwks: metadata.jwks_uri().clone(),
        userinfo: metadata.userinfo_endpoint().cloned(),
    };
    Ok(provider(
        settings,
        redirect,
        endpoints,
        metadata.jwks().clone(),
    ))
}

/// Discovery until it succeeds: each failure is logged and tried again later, so a
/// provider that is down at start-up joins `/providers` once it answers.
pub async fn discover_until_ready(
    settings: &ProviderSettings,
    issuer: &str,
    redirect: RedirectUrl,
    http: &reqwest::Client,
) -> Provider {
    let mut wait = FIRST_RETRY;
    loop {
        match discover(settings, issuer, redirect.clone(), http).await {
            Ok(provider) => {
                log::info!("sign-in provider `{}` discovered at {issuer}", settings.id);
                return provider;
            }
            Err(e) => log::warn!(
                "sign-in provider `{}`: discovery at {issuer} failed ({e}); retrying in {}s",
                settings.id,
                wait.as_secs()
            ),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(MAX_RETRY);
    }
}

fn provider(
    settings: &ProviderSettings,
    redirect: RedirectUrl,
    endpoints: Endpoints,
    keys: CoreJsonWebKeySet,
) -> Provider {
    Provider::new(
        settings.id.clone(),
        settings.name.clone(),
        (
            ClientId::new(settings.client_id.clone()),
            ClientSecret::new(settings.client_secret.expose_secret().to_owned()),
        ),
        redirect,
        endpoints,
        keys,
    )
}

/// An error and its causes on one line: discovery errors say little at the top.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
