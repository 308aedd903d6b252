//! GitHub sign-in: OAuth 2.0 (not OpenID Connect; there is no ID token). The browser
//! goes to `{GITHUB_URL}/login/oauth/authorize` with state and PKCE (S256); the code
//! is exchanged at `{GITHUB_URL}/login/oauth/access_token` with the client secret and
//! the verifier; the account comes from `GET {GITHUB_API_URL}/user`, the address from
//! `GET {GITHUB_API_URL}/user/emails`: the primary address, verified only when GitHub
//! says it is (an unverified primary never joins an existing account).

use openidconnect::reqwest;
use openidconnect::{ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl};
use serde::Deserialize;

use super::provider::{Authorization, Identity, ProviderError};

/// Where a GitHub (github.com or an Enterprise server) lives.
#[derive(Debug, Clone)]
pub struct GitHub {
    authorize: url::Url,
    token: url::Url,
    api: url::Url,
}

/// The scopes: the profile, and the addresses (private ones too).
const SCOPES: &str = "read:user user:email";

/// GitHub's API asks every caller to name itself.
const USER_AGENT: &str = concat!("Sekisho/", env!("CARGO_PKG_VERSION"));

impl GitHub {
    /// From GITHUB_URL and GITHUB_API_URL (without trailing slashes).
    pub fn new(url: &str, api_url: &str) -> Result<Self, String> {
        let parse = |raw: String| url::Url::parse(&raw).map_err(|e| format!("{raw}: {e}"));
        Ok(Self {
            authorize: parse(format!("{url}/login/oauth/authorize"))?,
            token: parse(format!("{url}/login/oauth/access_token"))?,
            // A trailing slash, so that joining `user` keeps an Enterprise `/api/v3`.
            api: parse(format!("{api_url}/"))?,
        })
    }

    pub fn authorization(&self, client_id: &ClientId, redirect: &RedirectUrl) -> Authorization {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random();
        let mut url = self.authorize.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id.as_str())
            .append_pair("redirect_uri", redirect.as_str())
            .append_pair("scope", SCOPES)
            .append_pair("state", state.secret())
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256")
            // A returning user is asked which account, not signed in to the last one.
            .append_pair("prompt", "select_account");
        Authorization {
            url,
            state: state.secret().clone(),
            // No ID token carries it back; the flow keeps one all the same.
            nonce: CsrfToken::new_random().secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    /// The code for an access token, then who it belongs to.
    pub async fn identify(
        &self,
        http: &reqwest::Client,
        (client_id, client_secret, redirect): (&ClientId, &ClientSecret, &RedirectUrl),
        code: String,
        pkce_verifier: String,
    ) -> Result<Identity, ProviderError> {
        let exchanged = http
            .post(self.token.clone())
            .header("Accept", "application/json")
            .header("User-Agent", USER_AGENT)
            .form(&[
                ("client_id", client_id.as_str()),
                ("client_secret", client_secret.secret().as_str()),
                ("code", code.as_str()),
                ("redirect_uri", redirect.as_str()),
                ("code_verifier", pkce_verifier.as_str()),
            ])
            .send()
            .await
            .map_err(|e| ProviderError::Exchange(e.to_string()))?;
        let status = exchanged.status();
        // GitHub answers a refused code with 200 and an `error` field.
        let body = exchanged
            .bytes()
            .await
            .map_err(|e| ProviderError::Exchange(format!("{status}: {e}")))?;
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| ProviderError::Exchange(format!("{status}: {e}")))?;
        let Some(access_token) = answer.access_token.filter(|_| status.is_success()) else {
            let why = answer.error.unwrap_or_else(|| status.to_string());
            return Err(ProviderError::Exchange(why));
        };
        let user: GitHubUser = self.get(http, "user", &access_token).await?;
        let emails: Vec<GitHubEmail> = self.get(http, "user/emails", &access_token).await?;
        let chosen = emails
            .iter()
            .find(|e| e.primary)
            .or_else(|| emails.iter().find(|e| e.verified));
        Ok(Identity {
            subject: user.id.to_string(),
            email: chosen.map(|e| e.email.clone()),
            email_verified: chosen.is_some_and(|e| e.verified),
            name: user
                .name
                .filter(|n| !n.trim().is_empty())
                .or(Some(user.login)),
            picture: user.avatar_url,
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        http: &reqwest::Client,
        path: &str,
        access_token: &str,
    ) -> Result<T, ProviderError> {
        let url = self
            .api
            .join(path)
            .map_err(|e| ProviderError::Api(e.to_string()))?;
        let response = http
            .get(url)
            .bearer_auth(access_token)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", USER_AGENT)
            .send()
            .await
            .map_err(|e| ProviderError::Api(format!("{path}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Api(format!("{path}: {status}")));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError::Api(format!("{path}: {e}")))?;
        serde_json::from_slice(&body).map_err(|e| ProviderError::Api(format!("{path}: {e}")))
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct GitHubUser {
    id: u64,
    login: String,
    name: Option<String>,
    avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct GitHubEmail {
    email: String,
    primary: bool,
    verified: bool,
}
