//! The mail worker, one per instance: it claims due mails (never one another
//! instance holds), sends them, and removes each sent one; a failed attempt is due
//! again after MAIL_RETRY_SCHEDULE's next wait, and after the last the mail is kept in
//! `outbox/failed/`. It wakes when this process commits a queued mail and polls every
//! few seconds for the other instances' mail and for retries.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use futures_util::future::join_all;

use crate::config::Settings;
use crate::db::mail_queue::{self, QueuedMail};
use crate::db::{self, DbError, Pool, commit_signal};
use crate::mail::{Delivered, Mailer};

/// How often the worker looks for mail it was not woken for.
const POLL: Duration = Duration::from_secs(2);

/// The most mails one pass claims (and sends at once).
const BATCH: usize = 16;

/// Longer than a send may take (15 s), so a live worker's claim never lapses.
const LEASE: TimeDelta = TimeDelta::seconds(60);

/// Starts the worker on the current runtime.
pub fn spawn(pool: Pool, mailer: Mailer, settings: Arc<Settings>) {
    tokio::spawn(async move {
        let mut expected = false;
        loop {
            let woken = commit_signal::Work::Mail.wakeup().notified();
            tokio::pin!(woken);
            // Registered before looking, so a commit during the pass is not missed.
            woken.as_mut().enable();
            match pass(&pool, &mailer, &settings, expected).await {
                // A full batch: more may be waiting.
                Ok(BATCH) => {
                    expected = true;
                    continue;
                }
                Ok(_) => {}
                Err(e) => log::warn!("mail pass failed: {e}"),
            }
            expected = tokio::select! {
                () = &mut woken => true,
                () = tokio::time::sleep(POLL) => false,
            };
        }
    });
}

/// Claims what is due (`expected`: a commit said there is some), sends it, settles
/// it; how many mails it handled.
pub async fn pass(
    pool: &Pool,
    mailer: &Mailer,
    settings: &Settings,
    expected: bool,
) -> Result<usize, DbError> {
    let now = db::now();
    let token = uuid::Uuid::new_v4().to_string();
    let claimed = db::run(pool, move |conn| {
        Ok::<_, DbError>(mail_queue::claim_due(
            conn,
            now,
            now + LEASE,
            &token,
            BATCH,
            expected,
        )?)
    })
    .await?;
    let handled = claimed.len();
    let key = &settings.secret_key;
    let schedule = &settings.mail.retry_schedule;
    let settled = join_all(claimed.into_iter().map(|mail| async move {
        let outcome = attempt(mailer, key, schedule, &mail).await;
        (mail.id, outcome)
    }))
    .await;
    if settled.is_empty() {
        return Ok(0);
    }
    db::run(pool, move |conn| -> Result<(), DbError> {
        for (id, outcome) in &settled {
            match outcome {
                Outcome::Done => mail_queue::remove(conn, id)?,
                Outcome::Retry { after, error } => {
                    mail_queue::retry_at(conn, id, db::now() + *after, error)?
                }
            };
        }
        Ok(())
    })
    .await?;
    Ok(handled)
}

enum Outcome {
    /// Sent, filed, or given up and kept on disk: it leaves the queue.
    Done,
    Retry {
        after: TimeDelta,
        error: String,
    },
}

async fn attempt(
    mailer: &Mailer,
    key: &crate::config::SecretKey,
    schedule: &[Duration],
    mail: &QueuedMail,
) -> Outcome {
    let outgoing = match super::open(key, &mail.sealed_message) {
        Ok(outgoing) => outgoing,
        Err(super::Unreadable::OtherKey) => {
            // Another instance with the right key may send it meanwhile.
            log::error!(
                "a queued {} mail is sealed under another SECRET_KEY (set PREVIOUS_SECRET_KEYS, or run `sekisho keys reseal` where the old key is known)",
                mail.kind
            );
            return Outcome::Retry {
                after: TimeDelta::minutes(10),
                error: "sealed under another SECRET_KEY".into(),
            };
        }
        Err(super::Unreadable::Damaged) => {
            // Nothing to send or keep: retrying would fail the same way forever.
            log::error!("a queued {} mail is not a message; dropped", mail.kind);
            return Outcome::Done;
        }
    };
    let error = match mailer.deliver(&outgoing).await {
        Ok(Delivered::Sent) => {
            log::info!("{} mail sent by SMTP", mail.kind);
            return Outcome::Done;
        }
        Ok(Delivered::Filed { path, to, links }) => {
            if links.is_empty() {
                log::info!("{} mail written to {}", mail.kind, path.display());
            } else {
                log::info!(
                    "{} mail to {to} written to {} (no SMTP_URL); its link: {}",
                    mail.kind,
                    path.display(),
                    links.join(" ")
                );
            }
            return Outcome::Done;
        }
        Err(error) => error,
    };
    let retries_done = usize::try_from(mail.attempt.saturating_sub(1)).unwrap_or(0);
    if let Some(wait) = schedule.get(retries_done) {
        log::warn!(
            "{} mail not sent (attempt {}): {error}; trying again in {}s",
            mail.kind,
            mail.attempt,
            wait.as_secs()
        );
        return Outcome::Retry {
            after: TimeDelta::from_std(*wait).unwrap_or(TimeDelta::hours(1)),
            error,
        };
    }
    match mailer.keep_failed(&outgoing).await {
        Ok(path) => log::error!(
            "{} mail not sent after {} attempts ({error}); kept in {}",
            mail.kind,
            mail.attempt,
            path.display()
        ),
        Err(e) => {
            log::error!(
                "{} mail not sent after {} attempts ({error}), and it could not be kept on disk ({e}): it stays queued",
                mail.kind,
                mail.attempt
            );
            return Outcome::Retry {
                after: TimeDelta::hours(1),
                error,
            };
        }
    }
    Outcome::Done
}
