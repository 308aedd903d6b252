//! Outgoing mail: SMTP (lettre) when SMTP_URL is set, else one .eml file per mail in
//! `<data dir>/outbox/`. A mail is queued in the database with the change it tells of
//! (`mail_delivery`); sending is bounded in time, retried, and a mail whose every
//! attempt failed is kept in `outbox/failed/`, never dropped silently.

mod letter;
mod link_mail;
mod readable;
mod security_notice;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

pub use link_mail::{LinkMail, link_message, sign_in_message};
pub use security_notice::{SecurityNotice, security_notice_message};

use crate::config::{ConfigError, Settings};

/// The longest a send may take, connection included.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    outbox: PathBuf,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    /// Whether a filed mail's links are logged: in development with a text log, where
    /// the outbox is the developer's inbox. A live token never reaches a production
    /// log, nor a JSON log (made to be shipped to a collector).
    log_links: bool,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let outbox = settings.server.data_dir.join("outbox");
        let from_raw = settings
            .mail
            .from
            .clone()
            .unwrap_or_else(|| "Sekisho <no-reply@localhost>".into());
        let from: Mailbox = from_raw.parse().map_err(|e| {
            ConfigError::new("MAIL_FROM", format!("`{from_raw}` is not a mailbox ({e})"))
        })?;
        let smtp = match &settings.mail.smtp_url {
            None => None,
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    .map_err(|e| {
                        ConfigError::new("SMTP_URL", format!("is not a valid SMTP URL ({e})"))
                    })?
                    .timeout(Some(SEND_TIMEOUT))
                    .build(),
            ),
        };
        Ok(Self {
            from,
            outbox,
            smtp,
            log_links: !settings.app_env.is_production()
                && settings.log_format == crate::config::LogFormat::Text,
        })
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Whether the SMTP server answers and accepts our greeting (and login); None
    /// without SMTP_URL. The error names the failure, never the URL's password.
    pub async fn check_smtp(&self) -> Option<Result<(), String>> {
        let smtp = self.smtp.as_ref()?;
        Some(
            match tokio::time::timeout(SEND_TIMEOUT, smtp.test_connection()).await {
                Ok(Ok(true)) => Ok(()),
                Ok(Ok(false)) => Err("the server did not answer NOOP".into()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err(format!("no answer within {}s", SEND_TIMEOUT.as_secs())),
            },
        )
    }

    /// Sends the mail now: by SMTP, or into the outbox folder without SMTP_URL.
    pub async fn deliver(&self, mail: &Outgoing) -> Result<Delivered, String> {
        let Some(smtp) = &self.smtp else {
            let filed = readable::readable(&mail.raw);
            let links = if self.log_links {
                filed.links
            } else {
                Vec::new()
            };
            return write_eml(&self.outbox, &filed.eml)
                .await
                .map(|path| Delivered::Filed {
                    path,
                    to: mail.to.join(", "),
                    links,
                })
                .map_err(|e| format!("cannot write to {}: {e}", self.outbox.display()));
        };
        let envelope = mail.envelope()?;
        match tokio::time::timeout(SEND_TIMEOUT, smtp.send_raw(&envelope, &mail.raw)).await {
            Ok(Ok(_)) => Ok(Delivered::Sent),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("no answer within {}s", SEND_TIMEOUT.as_secs())),
        }
    }

    /// Keeps a mail whose every attempt failed in `outbox/failed/`, never dropped.
    pub async fn keep_failed(&self, mail: &Outgoing) -> std::io::Result<PathBuf> {
        write_eml(&self.outbox.join("failed"), &mail.raw).await
    }
}

/// Where a delivered mail went.
pub enum Delivered {
    Sent,
    /// Written to this file (no SMTP_URL), readable as it is; `links` are the mail's
    /// links, decoded (empty in production).
    Filed {
        path: PathBuf,
        to: String,
        links: Vec<String>,
    },
}

/// A built mail as it is queued: its envelope and its formatted bytes, sealed under
/// SECRET_KEY while it waits (it may carry a live link).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Outgoing {
    from: Option<String>,
    to: Vec<String>,
    #[serde(with = "raw_base64")]
    raw: Vec<u8>,
}

impl Outgoing {
    pub fn new(message: &Message) -> Self {
        let envelope = message.envelope();
        Self {
            from: envelope.from().map(ToString::to_string),
            to: envelope.to().iter().map(ToString::to_string).collect(),
            raw: message.formatted(),
        }
    }

    /// As it is stored (sealed by the caller).
    pub fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    fn envelope(&self) -> Result<lettre::address::Envelope, String> {
        let parse = |address: &String| {
            address
                .parse::<lettre::Address>()
                .map_err(|e| format!("`{address}` is no address: {e}"))
        };
        let from = self.from.as_ref().map(parse).transpose()?;
        let to = self.to.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
        lettre::address::Envelope::new(from, to).map_err(|e| e.to_string())
    }
}

mod raw_base64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(raw: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(raw))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

async fn write_eml(dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = dir.to_path_buf();
    let bytes = bytes.to_vec();
    actix_web::rt::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"),
            uuid::Uuid::new_v4().simple()
        );
        // Written under a temporary name, then renamed: whoever watches the outbox
        // never sees half a mail.
        let partial = dir.join(format!(".{name}.partial"));
        let path = dir.join(name);
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, &path)?;
        Ok(path)
    })
    .await
    .map_err(std::io::Error::other)?
}
