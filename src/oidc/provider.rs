//! One sign-in provider: its endpoints and keys, the authorization URL it is sent to,
//! and the code exchange that ends in a verified ID token.

use std::sync::RwLock;

use openidconnect::OAuth2TokenResponse;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet,
};
use openidconnect::reqwest;
use openidconnect::{
    AuthUrl, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, IssuerUrl, JsonWebKeySetUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError, TokenResponse, TokenUrl,
    UserInfoUrl,
};

/// Where a provider lives, from discovery or (Google) fixed.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub issuer: IssuerUrl,
    /// Other spellings of the issuer the provider puts in `iss` (Google writes
    /// `accounts.google.com` without the scheme in some tokens).
    pub issuer_aliases: Vec<String>,
    pub authorization: AuthUrl,
    pub token: TokenUrl,
    pub jwks: JsonWebKeySetUrl,
    /// Asked for the email when the ID token carries none (providers that follow the
    /// spec to the letter put scope claims only there).
    pub userinfo: Option<UserInfoUrl>,
}

pub struct Provider {
    pub id: String,
    pub name: String,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    protocol: Protocol,
}

/// How the provider says who signed in (each boxed: they differ in size, and a
/// provider lives for the process).
enum Protocol {
    /// A verified ID token.
    OpenIdConnect(Box<OpenIdConnect>),
    /// GitHub's OAuth 2.0 and its REST API.
    GitHub(Box<super::github::GitHub>),
}

struct OpenIdConnect {
    endpoints: Endpoints,
    /// The provider's signing keys: from discovery, or empty until first needed;
    /// fetched again when a token names a key not in the set (the provider rotated its
    /// keys).
    keys: RwLock<CoreJsonWebKeySet>,
}

/// A client with the authorization and token endpoints set.
type ReadyClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointNotSet,
>;

/// Where to send the browser, and what the callback needs to finish.
pub struct Authorization {
    pub url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, from a verified ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// Whether the provider vouches that the address is the user's.
    pub email_verified: bool,
    pub name: Option<String>,
    pub picture: Option<String>,
}

/// How far ahead of ours a provider's clock may run.
const ISSUE_TIME_SKEW: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the token response has no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    Claims(#[from] ClaimsVerificationError),
    #[error("the ID token's issuer `{0}` is not the provider's")]
    Issuer(String),
    #[error("the ID token was issued in the future ({0})")]
    IssuedInFuture(String),
    #[error("the provider's keys could not be fetched: {0}")]
    Keys(String),
    #[error("the userinfo request failed: {0}")]
    UserInfo(String),
    #[error("the provider's API refused or failed: {0}")]
    Api(String),
}

impl Provider {
    pub fn new(
        id: String,
        name: String,
        credentials: (ClientId, ClientSecret),
        redirect: RedirectUrl,
        endpoints: Endpoints,
        keys: CoreJsonWebKeySet,
    ) -> Self {
        Self {
            id,
            name,
            client_id: credentials.0,
            client_secret: credentials.1,
            redirect,
            protocol: Protocol::OpenIdConnect(Box::new(OpenIdConnect {
                endpoints,
                keys: RwLock::new(keys),
            })),
        }
    }

    /// GitHub (or a GitHub Enterprise server) as the provider `github`.
    pub fn github(
        credentials: (ClientId, ClientSecret),
        redirect: RedirectUrl,
        github: super::github::GitHub,
    ) -> Self {
        Self {
            id: "github".into(),
            name: "GitHub".into(),
            client_id: credentials.0,
            client_secret: credentials.1,
            redirect,
            protocol: Protocol::GitHub(Box::new(github)),
        }
    }

    fn client(&self, endpoints: &Endpoints, keys: &RwLock<CoreJsonWebKeySet>) -> ReadyClient {
        let keys = match keys.read() {
            Ok(keys) => keys.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        CoreClient::new(self.client_id.clone(), endpoints.issuer.clone(), keys)
            .set_client_secret(self.client_secret.clone())
            .set_auth_uri(endpoints.authorization.clone())
            .set_token_uri(endpoints.token.clone())
            .set_redirect_uri(self.redirect.clone())
    }

    /// A fresh authorization request: code flow, PKCE (S256), state and nonce, scopes
    /// `openid email profile` (GitHub: `read:user user:email`, and the nonce is kept
    /// but unused: there is no ID token).
    pub fn authorization(&self) -> Authorization {
        let (endpoints, keys) = match &self.protocol {
            Protocol::OpenIdConnect(oidc) => (&oidc.endpoints, &oidc.keys),
            Protocol::GitHub(github) => {
                return github.authorization(&self.client_id, &self.redirect);
            }
        };
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .client(endpoints, keys)
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Authorization {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token: the
    /// signature with the key its `kid` names, issuer, audience, expiry and nonce.
    pub async fn identify(
        &self,
        http: &reqwest::Client,
        code: String,
        pkce_verifier: String,
        nonce: &str,
    ) -> Result<Identity, ProviderError> {
        let (endpoints, keys) = match &self.protocol {
            Protocol::OpenIdConnect(oidc) => (&oidc.endpoints, &oidc.keys),
            Protocol::GitHub(github) => {
                let client = (&self.client_id, &self.client_secret, &self.redirect);
                return github.identify(http, client, code, pkce_verifier).await;
            }
        };
        let response = self
            .client(endpoints, keys)
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(http)
            .await
            .map_err(|e| ProviderError::Exchange(e.to_string()))?;
        let token = response.id_token().ok_or(ProviderError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match self.verify(endpoints, keys, token, &nonce) {
            Err(ProviderError::Claims(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            ))) => {
                fetch_keys(http, endpoints, keys).await?;
                self.verify(endpoints, keys, token, &nonce)?
            }
            other => other?,
        };
        let mut identity = identity(&claims);
        if identity.email.is_none()
            && let Some(userinfo) = &endpoints.userinfo
        {
            let client = self.client(endpoints, keys);
            complete_from_userinfo(
                &client,
                http,
                userinfo,
                response.access_token(),
                &mut identity,
            )
            .await?;
        }
        Ok(identity)
    }

    fn verify(
        &self,
        endpoints: &Endpoints,
        keys: &RwLock<CoreJsonWebKeySet>,
        token: &CoreIdToken,
        nonce: &Nonce,
    ) -> Result<CoreIdTokenClaims, ProviderError> {
        let client = self.client(endpoints, keys);
        let aliases = &endpoints.issuer_aliases;
        let verifier = client
            .id_token_verifier()
            .require_issuer_match(aliases.is_empty());
        let claims = token.claims(&verifier, nonce)?.clone();
        // openidconnect checks the expiry, not the issue time: a token "issued" a day
        // ahead would stay valid for that day plus its lifetime.
        let issued = claims.issue_time();
        if issued > chrono::Utc::now() + ISSUE_TIME_SKEW {
            return Err(ProviderError::IssuedInFuture(issued.to_rfc3339()));
        }
        if !aliases.is_empty() {
            let issuer = claims.issuer().as_str();
            if issuer != endpoints.issuer.as_str() && !aliases.iter().any(|a| a == issuer) {
                return Err(ProviderError::Issuer(issuer.to_owned()));
            }
        }
        Ok(claims)
    }
}

/// Fills the email (and name, picture) from the userinfo endpoint, whose `sub` must
/// be the ID token's.
async fn complete_from_userinfo(
    client: &ReadyClient,
    http: &reqwest::Client,
    url: &UserInfoUrl,
    access_token: &openidconnect::AccessToken,
    identity: &mut Identity,
) -> Result<(), ProviderError> {
    let claims: openidconnect::core::CoreUserInfoClaims = client
        .clone()
        .set_user_info_url(url.clone())
        .user_info(
            access_token.clone(),
            Some(openidconnect::SubjectIdentifier::new(
                identity.subject.clone(),
            )),
        )
        .require_issuer_match(false)
        .request_async(http)
        .await
        .map_err(|e| ProviderError::UserInfo(e.to_string()))?;
    identity.email = claims.email().map(|e| e.as_str().to_owned());
    identity.email_verified = claims.email_verified().unwrap_or(false);
    if identity.name.is_none() {
        identity.name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned());
    }
    if identity.picture.is_none() {
        identity.picture = claims
            .picture()
            .and_then(|p| p.get(None))
            .map(|p| p.as_str().to_owned());
    }
    Ok(())
}

async fn fetch_keys(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    keys: &RwLock<CoreJsonWebKeySet>,
) -> Result<(), ProviderError> {
    let fetched = CoreJsonWebKeySet::fetch_async(&endpoints.jwks, http)
        .await
        .map_err(|e| ProviderError::Keys(e.to_string()))?;
    match keys.write() {
        Ok(mut held) => *held = fetched,
        Err(poisoned) => *poisoned.into_inner() = fetched,
    }
    Ok(())
}

fn identity(claims: &CoreIdTokenClaims) -> Identity {
    Identity {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_owned()),
        picture: claims
            .picture()
            .and_then(|p| p.get(None))
            .map(|p| p.as_str().to_owned()),
    }
}
