//! The delivery worker, one per instance: it claims due deliveries (never one another
//! instance holds), sends them at once, and settles each: delivered, due again after
//! the schedule's next wait, or failed. An endpoint failing for five days in a row is
//! disabled, saying why. It wakes when this process commits an event and polls every
//! second for the other instances' events and for retries.

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use futures_util::future::join_all;

use super::secret;
use super::sender::{self, Answer, Message};
use crate::config::Settings;
use crate::db::webhooks::{self, Attempt, Claimed};
use crate::db::{self, DbConnection, DbError, Pool, audit, commit_signal};
use crate::domain::AuditEvent;

/// How often the worker looks for work it was not woken for.
pub const POLL: Duration = Duration::from_secs(1);

/// The most deliveries one pass claims (and sends at once).
const BATCH: u8 = 64;

/// How long a claim holds: longer than an attempt may take, so a live worker's claim
/// never lapses; a dead worker's lapses and the delivery is tried again.
const LEASE: TimeDelta = TimeDelta::seconds(30);

/// How long settled deliveries stay listed in the panel before housekeeping removes
/// them (pending ones stay until they settle).
pub const KEEP_SETTLED: TimeDelta = TimeDelta::days(30);

/// How long an endpoint may fail, every attempt, before it is disabled.
pub const FAILING_LIMIT: TimeDelta = TimeDelta::days(5);

/// Starts the worker on the current runtime.
pub fn spawn(pool: Pool, settings: Arc<Settings>) {
    let production = settings.app_env.is_production();
    let client = match sender::client(production) {
        Ok(client) => client,
        Err(e) => {
            log::error!("webhooks will not be delivered: no HTTP client: {e}");
            return;
        }
    };
    tokio::spawn(async move {
        let mut expected = false;
        loop {
            let woken = commit_signal::Work::Webhooks.wakeup().notified();
            tokio::pin!(woken);
            // Registered before looking, so a commit during the pass is not missed.
            woken.as_mut().enable();
            match pass(&pool, &settings, &client, expected).await {
                // A full batch: more may be waiting.
                Ok(handled) if handled == usize::from(BATCH) => {
                    expected = true;
                    continue;
                }
                Ok(_) => {}
                Err(e) => log::warn!("webhook delivery pass failed: {e}"),
            }
            expected = tokio::select! {
                () = &mut woken => true,
                () = tokio::time::sleep(POLL) => false,
            };
        }
    });
}

/// Claims what is due (`expected`: a commit said there is some), sends it, settles
/// it; how many deliveries it handled.
pub async fn pass(
    pool: &Pool,
    settings: &Settings,
    client: &reqwest::Client,
    expected: bool,
) -> Result<usize, DbError> {
    let now = db::now();
    let claimed = db::run(pool, move |conn| {
        Ok::<_, DbError>(webhooks::claim_due(
            conn,
            now,
            now + LEASE,
            i64::from(BATCH),
            expected,
        )?)
    })
    .await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let production = settings.app_env.is_production();
    let key = &settings.secret_key;
    let answers = join_all(claimed.iter().map(|delivery| async move {
        let answer = match secret::open_key(key, &delivery.sealed_secret) {
            Some(key) => {
                let message = Message {
                    id: &delivery.event_id,
                    body: &delivery.payload,
                    key,
                };
                sender::send(client, production, &delivery.url, message).await
            }
            None => Answer::failed("the secret was sealed under another SECRET_KEY"),
        };
        (delivery.clone(), answer)
    }))
    .await;
    let handled = answers.len();
    let schedule = settings.webhooks.retry_schedule.clone();
    // One delivered attempt is one UPDATE: no transaction around it (two round trips
    // fewer on PostgreSQL); anything more settles in one transaction.
    let single_success = matches!(answers.as_slice(), [(delivery, answer)]
        if answer.succeeded && delivery.failing_since.is_none());
    if single_success {
        db::run(pool, move |conn| settle(conn, &answers, &schedule)).await?;
    } else {
        db::write(pool, move |conn| settle(conn, &answers, &schedule)).await?;
    }
    Ok(handled)
}

/// Records each answer, then disables endpoints that have failed for too long.
fn settle(
    conn: &mut DbConnection,
    answers: &[(Claimed, Answer)],
    schedule: &[Duration],
) -> Result<(), DbError> {
    let now = db::now();
    for (delivery, answer) in answers {
        webhooks::record_attempt(
            conn,
            &Attempt {
                delivery_id: &delivery.delivery_id,
                endpoint_id: &delivery.endpoint_id,
                succeeded: answer.succeeded,
                status: answer.status.map(i32::from),
                response: answer.body.clone(),
                error: answer.error.clone(),
                retry_at: match answer.succeeded {
                    true => None,
                    false => retry_at(schedule, delivery.attempt, now),
                },
                endpoint_was_failing: delivery.failing_since.is_some(),
                now,
            },
        )?;
    }
    if answers.iter().all(|(_, answer)| answer.succeeded) {
        return Ok(());
    }
    for endpoint in webhooks::failing_endpoints(conn, now - FAILING_LIMIT)? {
        let since = endpoint
            .failing_since
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let reason = format!("every delivery has failed since {since}");
        if webhooks::disable_endpoint(conn, &endpoint.id, &reason, now)? {
            log::warn!("webhook endpoint {} disabled: {reason}", endpoint.url);
            audit::record(
                conn,
                &AuditEvent::WebhookEndpointDisabled {
                    endpoint: endpoint.id.clone(),
                    url: endpoint.url.clone(),
                    reason,
                },
                audit::Entry::system(),
            )?;
        }
    }
    Ok(())
}

/// When a delivery whose attempt number `attempt` (from 1) failed is tried again:
/// after the schedule's wait for that attempt, or never once the schedule is spent.
pub fn retry_at(schedule: &[Duration], attempt: i32, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    let wait = TimeDelta::from_std(*schedule.get(index)?).ok()?;
    Some(now + wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_followed_then_the_delivery_fails() {
        let schedule = [Duration::from_secs(5), Duration::from_secs(300)];
        let now = db::now();
        assert_eq!(
            retry_at(&schedule, 1, now),
            Some(now + TimeDelta::seconds(5))
        );
        assert_eq!(
            retry_at(&schedule, 2, now),
            Some(now + TimeDelta::seconds(300))
        );
        assert_eq!(retry_at(&schedule, 3, now), None);
        assert_eq!(retry_at(&schedule, 0, now), None);
    }
}
