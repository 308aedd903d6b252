//! Warnings about refused requests, at most once a minute per key (an origin): enough
//! for an operator to see why the app's calls fail, never a log flooded by a page that
//! retries, or by a stranger who sends a new origin with every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_secs(60);
/// Keys remembered at once; past it the oldest minute is forgotten early.
const MAX_KEYS: usize = 1024;

#[derive(Debug, Default)]
pub struct LogBudget {
    last: Mutex<HashMap<String, Instant>>,
}

impl LogBudget {
    /// Whether a line about `key` may be written now (and counts it as written).
    pub fn allows(&self, key: &str) -> bool {
        self.allows_at(key, Instant::now())
    }

    fn allows_at(&self, key: &str, now: Instant) -> bool {
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        if last
            .get(key)
            .is_some_and(|at| now.saturating_duration_since(*at) < EVERY)
        {
            return false;
        }
        if last.len() >= MAX_KEYS {
            last.retain(|_, at| now.saturating_duration_since(*at) < EVERY);
            if last.len() >= MAX_KEYS {
                return false;
            }
        }
        last.insert(key.to_owned(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_a_minute_per_key() {
        let budget = LogBudget::default();
        let start = Instant::now();
        assert!(budget.allows_at("http://a", start));
        assert!(!budget.allows_at("http://a", start + Duration::from_secs(59)));
        assert!(budget.allows_at("http://b", start + Duration::from_secs(1)));
        assert!(budget.allows_at("http://a", start + Duration::from_secs(60)));
    }

    #[test]
    fn a_flood_of_new_keys_stays_bounded() {
        let budget = LogBudget::default();
        let start = Instant::now();
        for n in 0..MAX_KEYS {
            assert!(budget.allows_at(&format!("http://{n}"), start));
        }
        assert!(!budget.allows_at("http://one-more", start));
        assert!(budget.allows_at("http://later", start + EVERY));
        assert!(budget.last.lock().unwrap().len() <= MAX_KEYS);
    }
}
