//! A small real SMTP server for tests: accepts every mail and keeps its text.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Clone)]
pub struct SmtpListener {
    pub port: u16,
    mails: Arc<Mutex<Vec<String>>>,
}

impl SmtpListener {
    pub async fn start() -> SmtpListener {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let port = listener.local_addr().expect("SMTP address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = converse(stream, store).await;
                });
            }
        });
        SmtpListener { port, mails }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Mails that link to the front-end's `page` (`reset-password`, `verify-email`).
    pub fn mails_to(&self, page: &str) -> Vec<String> {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .filter(|mail| link_to(mail, page).is_some())
            .cloned()
            .collect()
    }

    /// Every mail so far, quoted-printable undone.
    pub fn all_decoded(&self) -> Vec<String> {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .map(|m| decoded(m))
            .collect()
    }

    /// Waits up to ten seconds for the n-th mail (1-based) linking to `page`.
    pub async fn wait_for_link_to(&self, page: &str, n: usize) -> String {
        for _ in 0..100 {
            if let Some(mail) = self.mails_to(page).get(n - 1) {
                return mail.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("mail {n} to /{page} did not arrive");
    }
}

async fn converse(
    stream: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 test-smtp ready\r\n").await?;
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            write
                .write_all(b"250-test-smtp\r\n250 8BITMIME\r\n")
                .await?;
        } else if command.starts_with("DATA") {
            write.write_all(b"354 end with .\r\n").await?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                let line = line.strip_prefix('.').map(str::to_owned).unwrap_or(line);
                data.push_str(&line);
                data.push_str("\r\n");
            }
            store.lock().unwrap().push(data);
            write.write_all(b"250 queued\r\n").await?;
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 ok\r\n").await?;
        }
    }
    Ok(())
}

/// The reset link in a mail's quoted-printable body.
pub fn reset_link(mail: &str) -> String {
    link_to(mail, "reset-password").expect("a reset link in the mail")
}

/// The verification link in a mail's quoted-printable body.
pub fn verification_link(mail: &str) -> String {
    link_to(mail, "verify-email").expect("a verification link in the mail")
}

/// The first link to the front-end's `page` (`…/page?token=…`) in the mail's text.
pub fn link_to(mail: &str, page: &str) -> Option<String> {
    let decoded = decode_quoted_printable(mail);
    let marker = format!("/{page}?token=");
    let at = decoded.find(&marker)?;
    let start = decoded[..at].rfind("http")?;
    decoded[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .map(str::to_owned)
}

/// The mail's text with quoted-printable undone (UTF-8 subjects stay encoded).
pub fn decoded(mail: &str) -> String {
    decode_quoted_printable(mail)
}

/// The token of a link made by `link_to`.
pub fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("a token").to_owned()
}

/// Undoes quoted-printable in a mail that uses it (SMTP); an outbox file is written
/// decoded already (8bit), where `=` followed by hex digits is just text.
fn decode_quoted_printable(text: &str) -> String {
    if !text
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: quoted-printable")
    {
        return text.to_owned();
    }
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
