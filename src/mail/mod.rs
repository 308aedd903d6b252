//! Outgoing mail: SMTP (lettre) when SMTP_URL is set, else one .eml file per mail in
//! `<data dir>/outbox/`. Sending happens after the response, bounded in time; a
//! failed send is logged and its mail kept in `outbox/failed/`, never dropped silently.

mod letter;
mod link_mail;
mod security_notice;

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

pub use link_mail::{LinkMail, link_message};
pub use security_notice::{SecurityNotice, security_notice_message};

use crate::config::{ConfigError, Settings};

/// The longest a send may take, connection included.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    outbox: PathBuf,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
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
        Ok(Self { from, outbox, smtp })
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

    /// Builds the mail and sends it in the background; a mail that cannot be built
    /// (an address lettre refuses) is logged, never a failed request.
    pub fn send_built(&self, what: &str, built: Result<Message, String>) {
        match built {
            Ok(message) => self.send_later(message),
            Err(e) => log::error!("{what} mail could not be built: {e}"),
        }
    }

    /// Sends (or files) the message in the background; returns at once.
    pub fn send_later(&self, message: Message) {
        let mailer = self.clone();
        actix_web::rt::spawn(async move { mailer.deliver(message).await });
    }

    async fn deliver(&self, message: Message) {
        let Some(smtp) = &self.smtp else {
            match write_eml(&self.outbox, &message).await {
                Ok(path) => log::info!("mail written to {}", path.display()),
                Err(e) => log::error!(
                    "mail could not be written to {}: {e}",
                    self.outbox.display()
                ),
            }
            return;
        };
        let outcome = tokio::time::timeout(SEND_TIMEOUT, smtp.send(message.clone())).await;
        let failure = match outcome {
            Ok(Ok(_)) => {
                log::info!("mail sent by SMTP");
                return;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {}s", SEND_TIMEOUT.as_secs()),
        };
        let kept = write_eml(&self.outbox.join("failed"), &message).await;
        match kept {
            Ok(path) => log::error!(
                "SMTP send failed ({failure}); mail kept in {}",
                path.display()
            ),
            Err(e) => {
                log::error!("SMTP send failed ({failure}) and the mail could not be kept: {e}");
            }
        }
    }
}

async fn write_eml(dir: &Path, message: &Message) -> std::io::Result<PathBuf> {
    let dir = dir.to_path_buf();
    let bytes = message.formatted();
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
