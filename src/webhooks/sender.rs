//! One delivery attempt: the body signed the Standard Webhooks way, POSTed with a
//! 10-second limit and no redirect followed; a 2xx is a delivery, anything else a
//! failure with what came back.

use std::time::Duration;

use standardwebhooks::Webhook;

use super::target::{self, PublicOnly};

/// How long an attempt may take, connection to the answer's first KiB (the contract's).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How much of an answer's body is kept for the panel.
pub const KEPT_ANSWER: usize = 1024;

/// The client every attempt of a process goes through (pooled connections).
pub fn client(production: bool) -> reqwest::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Sekisho-Webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = match production {
        true => builder.dns_resolver(std::sync::Arc::new(PublicOnly)),
        false => builder,
    };
    builder.build()
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub succeeded: bool,
    pub status: Option<u16>,
    /// The first `KEPT_ANSWER` bytes of the body (lossy UTF-8).
    pub body: Option<String>,
    /// Why it failed without an acceptable answer.
    pub error: Option<String>,
}

impl Answer {
    pub fn failed(error: impl Into<String>) -> Self {
        Self {
            succeeded: false,
            status: None,
            body: None,
            error: Some(error.into()),
        }
    }
}

/// One signed message.
pub struct Message<'a> {
    pub id: &'a str,
    pub body: &'a str,
    pub key: Vec<u8>,
}

/// Sends `message` to `url` once.
pub async fn send(
    client: &reqwest::Client,
    production: bool,
    url: &str,
    message: Message<'_>,
) -> Answer {
    let Ok(parsed) = url::Url::parse(url) else {
        return Answer::failed("the endpoint's URL does not parse");
    };
    if production && (parsed.scheme() != "https" || target::is_private_literal(&parsed)) {
        return Answer::failed("the URL is not https to a public address");
    }
    let timestamp = chrono::Utc::now().timestamp();
    let signature = match Webhook::from_bytes(message.key)
        .and_then(|webhook| webhook.sign(message.id, timestamp, message.body.as_bytes()))
    {
        Ok(signature) => signature,
        Err(e) => return Answer::failed(format!("cannot sign: {e}")),
    };
    let sent = client
        .post(parsed)
        .header("webhook-id", message.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header("content-type", "application/json")
        .body(message.body.to_owned())
        .send()
        .await;
    let mut response = match sent {
        Ok(response) => response,
        Err(e) if e.is_timeout() => return Answer::failed("no answer within 10 seconds"),
        Err(e) => return Answer::failed(describe(&e)),
    };
    let status = response.status();
    let mut kept = Vec::new();
    while kept.len() < KEPT_ANSWER {
        match response.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    kept.truncate(KEPT_ANSWER);
    let error = match status.as_u16() {
        200..=299 => None,
        300..=399 => Some("a redirect (not followed)".to_owned()),
        code => Some(format!("answered {code}")),
    };
    Answer {
        succeeded: error.is_none(),
        status: Some(status.as_u16()),
        body: Some(String::from_utf8_lossy(&kept).into_owned()),
        error,
    }
}

/// A transport error with its causes (reqwest's own text is often just "error sending
/// request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(500).collect()
}
