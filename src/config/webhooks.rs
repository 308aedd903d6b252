//! How webhook deliveries are retried (WEBHOOK_RETRY_SCHEDULE).

use std::time::Duration;

use super::{ConfigError, Lookup};

/// The contract's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each
/// failed attempt, then the delivery has failed.
const CONTRACT_SCHEDULE: [u64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// WEBHOOK_RETRY_SCHEDULE: seconds to wait after each failed attempt (a comma
    /// list; the contract's by default). Shorter ones serve drills and tests.
    pub retry_schedule: Vec<Duration>,
}

impl WebhookSettings {
    pub(super) fn read(get: Lookup<'_>) -> Result<Self, ConfigError> {
        Ok(Self {
            retry_schedule: retry_schedule(get, "WEBHOOK_RETRY_SCHEDULE", &CONTRACT_SCHEDULE)?,
        })
    }
}

/// A retry schedule: seconds to wait after each failed attempt, from `var` (a comma
/// list) or `default`.
pub(super) fn retry_schedule(
    get: Lookup<'_>,
    var: &'static str,
    default: &[u64],
) -> Result<Vec<Duration>, ConfigError> {
    match get(var) {
        None => Ok(default.iter().copied().map(Duration::from_secs).collect()),
        Some(raw) => raw
            .split(',')
            .map(|part| part.trim().parse::<u64>().map(Duration::from_secs))
            .collect::<Result<Vec<_>, _>>()
            .ok()
            .filter(|schedule| schedule.len() <= 20)
            .ok_or_else(|| {
                ConfigError::new(
                    var,
                    "must be up to 20 whole numbers of seconds, comma-separated",
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_contracts_and_a_bad_list_names_the_variable() {
        let none = |_: &str| None;
        let default = WebhookSettings::read(&none).map(|s| s.retry_schedule);
        assert_eq!(default.ok().map(|s| s.len()), Some(7));
        let short = |_: &str| Some("1, 2".to_owned());
        let read = WebhookSettings::read(&short).map(|s| s.retry_schedule);
        assert_eq!(
            read.ok(),
            Some(vec![Duration::from_secs(1), Duration::from_secs(2)])
        );
        let bad = |_: &str| Some("5,soon".to_owned());
        let err = WebhookSettings::read(&bad).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("WEBHOOK_RETRY_SCHEDULE")));
    }
}
