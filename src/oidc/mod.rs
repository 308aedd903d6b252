//! The sign-in providers: Google and any OpenID Connect provider found by discovery,
//! and GitHub (OAuth 2.0).
//! `SocialProviders` holds the configured providers as they become ready; `social/`
//! runs the sign-ins with them.

mod discovery;
pub mod github;
pub mod provider;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use openidconnect::RedirectUrl;
use openidconnect::reqwest;

use crate::config::{ProviderSettings, ProviderSource, Settings};
use provider::Provider;

/// The providers of the configuration, in its order; a discovered provider's place is
/// empty until its discovery succeeds.
#[derive(Clone)]
pub struct SocialProviders {
    slots: Arc<RwLock<Vec<Option<Arc<Provider>>>>>,
    http: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum SocialSetupError {
    #[error("the HTTP client for sign-in providers could not be built: {0}")]
    Http(String),
    #[error("the redirect URI of `{provider}` is not a URL: {problem}")]
    Redirect { provider: String, problem: String },
}

impl SocialProviders {
    /// Registers Google at once and starts discovery of the others in the background
    /// (inside the server's runtime).
    pub fn start(settings: &Settings, port: u16) -> Result<Self, SocialSetupError> {
        let http = reqwest::Client::builder()
            // Providers must not redirect the token or key requests elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            // Sign-ins are rare and the client is shared by every worker's runtime:
            // no connection outlives its request.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| SocialSetupError::Http(e.to_string()))?;
        let social = Self {
            slots: Arc::new(RwLock::new(vec![None; settings.social_providers.len()])),
            http,
        };
        for (slot, provider) in settings.social_providers.iter().enumerate() {
            let redirect = redirect_uri(settings, port, &provider.id)?;
            match &provider.source {
                ProviderSource::Google => {
                    let google = discovery::google(provider, redirect).map_err(|problem| {
                        SocialSetupError::Redirect {
                            provider: provider.id.clone(),
                            problem,
                        }
                    })?;
                    social.fill(slot, google);
                }
                ProviderSource::Discovery { issuer } => {
                    social.discover_in_background(slot, provider.clone(), issuer.clone(), redirect);
                }
                ProviderSource::GitHub { url, api_url } => {
                    let github = github::GitHub::new(url, api_url).map_err(|problem| {
                        SocialSetupError::Redirect {
                            provider: provider.id.clone(),
                            problem,
                        }
                    })?;
                    let credentials = (
                        openidconnect::ClientId::new(provider.client_id.clone()),
                        openidconnect::ClientSecret::new(
                            secrecy::ExposeSecret::expose_secret(&provider.client_secret)
                                .to_owned(),
                        ),
                    );
                    social.fill(slot, Provider::github(credentials, redirect, github));
                }
            }
        }
        Ok(social)
    }

    fn discover_in_background(
        &self,
        slot: usize,
        settings: ProviderSettings,
        issuer: String,
        redirect: RedirectUrl,
    ) {
        let social = self.clone();
        tokio::spawn(async move {
            let provider =
                discovery::discover_until_ready(&settings, &issuer, redirect, &social.http).await;
            social.fill(slot, provider);
        });
    }

    fn fill(&self, slot: usize, provider: Provider) {
        let mut slots = match self.slots.write() {
            Ok(slots) => slots,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(place) = slots.get_mut(slot) {
            *place = Some(Arc::new(provider));
        }
    }

    /// The providers ready for sign-in, in the configuration's order.
    pub fn ready(&self) -> Vec<Arc<Provider>> {
        let slots = match self.slots.read() {
            Ok(slots) => slots,
            Err(poisoned) => poisoned.into_inner(),
        };
        slots.iter().flatten().cloned().collect()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Provider>> {
        self.ready().into_iter().find(|p| p.id == id)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

/// `{PUBLIC_ORIGIN}/api/v1/auth/callback/{provider}`: what is registered at the
/// provider. Without PUBLIC_ORIGIN, the address the server listens on.
pub fn redirect_uri(
    settings: &Settings,
    port: u16,
    provider: &str,
) -> Result<RedirectUrl, SocialSetupError> {
    let raw = format!(
        "{}/api/v1/auth/callback/{provider}",
        settings.public_base_url(port)
    );
    RedirectUrl::new(raw).map_err(|e| SocialSetupError::Redirect {
        provider: provider.to_owned(),
        problem: e.to_string(),
    })
}
