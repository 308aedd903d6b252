//! The services Sekisho needs: the database (reachable, migrations applied) and the
//! SMTP server (reachable, accepting our login). Nothing is written: a missing SQLite
//! file is reported, not created.

use std::path::Path;

use super::Finding;
use crate::config::{AppEnv, DatabaseUrl, Settings};
use crate::db::migrations;
use crate::mail::Mailer;

pub async fn check_database(settings: &Settings) -> Vec<Finding> {
    let url = settings.database.url.clone();
    if let DatabaseUrl::Sqlite(path) = &url
        && path != ":memory:"
        && !Path::new(path).exists()
    {
        return vec![Finding::warning(
            "DATABASE_URL",
            format!("no database file at {path} yet"),
            "`sekisho migrate` creates it, as does the first start of the server",
        )];
    }
    let shown = url.to_string();
    let outcome = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = migrations::connect(&url).map_err(|e| e.to_string())?;
        migrations::pending(&mut conn).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(format!("the check stopped: {e}")));
    vec![match outcome {
        Ok(pending) if pending.is_empty() => Finding::ok(
            "DATABASE_URL",
            format!("{shown} answers; every migration is applied"),
        ),
        Ok(pending) => Finding::warning(
            "DATABASE_URL",
            format!(
                "{shown} answers, with {} migration(s) not applied: {}",
                pending.len(),
                pending.join(", ")
            ),
            "`sekisho migrate` (or start the server, which applies them first)",
        ),
        Err(error) => Finding::error(
            "DATABASE_URL",
            format!("cannot use {shown}: {error}"),
            "check DATABASE_URL: the host, port, database name and credentials, and that the server runs",
        ),
    }]
}

pub async fn check_smtp(settings: &Settings) -> Vec<Finding> {
    let mailer = match Mailer::from_settings(settings) {
        Ok(mailer) => mailer,
        Err(error) => {
            return vec![Finding::error(
                error.var,
                error.problem,
                "see docs/API.md, configuration",
            )];
        }
    };
    let outbox = settings.server.data_dir.join("outbox");
    vec![match mailer.check_smtp().await {
        None if settings.app_env == AppEnv::Production => Finding::warning(
            "SMTP_URL",
            format!(
                "not set: reset and verification mails are only written to {}",
                outbox.display()
            ),
            "SMTP_URL=smtp://user:password@mail.example.com:587 (and MAIL_FROM)",
        ),
        None => Finding::ok(
            "SMTP_URL",
            format!(
                "not set: mails are written to {} (fine for development)",
                outbox.display()
            ),
        ),
        Some(Ok(())) => Finding::ok("SMTP_URL", "the SMTP server answers and accepts the login"),
        Some(Err(error)) => Finding::error(
            "SMTP_URL",
            format!("the SMTP server cannot be used: {error}"),
            "check SMTP_URL's host, port, scheme (smtp:// with STARTTLS, smtps:// for TLS from the start) and credentials",
        ),
    }]
}

/// Management keys that have expired or expire within two weeks: the backend that
/// holds one is refused (401) from that day.
pub async fn check_management_keys(settings: &Settings) -> Vec<Finding> {
    let url = settings.database.url.clone();
    let keys = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = migrations::connect(&url).ok()?;
        if !migrations::pending(&mut conn).ok()?.is_empty() {
            return None;
        }
        crate::db::management_keys::all(&mut conn).ok()
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let now = crate::db::now();
    let soon = now + chrono::TimeDelta::days(14);
    keys.iter()
        .filter(|key| key.revoked_at.is_none())
        .filter_map(|key| {
            let expires = key.expires_at?;
            let day = expires.format("%Y-%m-%d");
            let fix = format!(
                "make a new key (`sekisho management-key create …` or the panel), give it to the backend, then revoke `{}`",
                key.name
            );
            if expires <= now {
                Some(Finding::warning(
                    "management keys",
                    format!("`{}` expired on {day}: its calls get 401", key.name),
                    fix,
                ))
            } else if expires <= soon {
                Some(Finding::warning(
                    "management keys",
                    format!("`{}` expires on {day}", key.name),
                    fix,
                ))
            } else {
                None
            }
        })
        .collect()
}

/// Webhook endpoints that Sekisho disabled after five days of failures, or that have
/// been failing for over an hour: their service is not hearing of sign-ups and bans.
pub async fn check_webhooks(settings: &Settings) -> Vec<Finding> {
    use crate::db::webhooks;
    let url = settings.database.url.clone();
    let endpoints = actix_web::rt::task::spawn_blocking(move || {
        let mut conn = migrations::connect(&url).ok()?;
        if !migrations::pending(&mut conn).ok()?.is_empty() {
            return None;
        }
        let endpoints = webhooks::all_endpoints(&mut conn).ok()?;
        let mut with_last = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            let last = webhooks::for_endpoint(&mut conn, &endpoint.id, 0, 1)
                .ok()
                .and_then(|rows| rows.into_iter().next());
            with_last.push((endpoint, last));
        }
        Some(with_last)
    })
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    let an_hour_ago = crate::db::now() - chrono::TimeDelta::hours(1);
    endpoints
        .into_iter()
        .filter_map(|(endpoint, last)| {
            let answer = last
                .and_then(|row| row.last_error)
                .map(|error| format!("; the last answer: {error}"))
                .unwrap_or_default();
            let failing_since = endpoint.failing_since?;
            let since = failing_since.format("%Y-%m-%d %H:%M UTC");
            if !endpoint.enabled && endpoint.disabled_reason.as_deref() != Some("disabled by an operator") {
                Some(Finding::warning(
                    "webhooks",
                    format!("{} was disabled: every delivery failed since {since}{answer}", endpoint.url),
                    "fix the receiver, then enable the endpoint in the panel (/admin/webhooks); what failed meanwhile can be sent again from its page",
                ))
            } else if endpoint.enabled && failing_since <= an_hour_ago {
                Some(Finding::warning(
                    "webhooks",
                    format!("{} has failed every delivery since {since}{answer}", endpoint.url),
                    "check that the receiver answers 2xx within 10 s and verifies with the endpoint's secret; after 5 days of failures it is disabled",
                ))
            } else {
                None
            }
        })
        .collect()
}
