//! Fixed windows of requests per (action, client IP), kept in memory: each instance
//! counts what reaches it. The limits themselves are in `throttle`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::throttle::Action;
use crate::error::{ApiError, ErrorCode};

struct Window {
    started: Instant,
    count: u32,
}

#[derive(Default)]
pub struct IpLimiter {
    windows: Mutex<HashMap<(Action, IpAddr), Window>>,
}

/// Past this many tracked clients, finished windows are swept on the next request.
const SWEEP_AT: usize = 10_000;

impl IpLimiter {
    /// Counts one request; 429 RATE_LIMITED with Retry-After once more than `max`
    /// arrived within `period`.
    pub fn count(
        &self,
        action: Action,
        ip: IpAddr,
        max: u32,
        period: Duration,
    ) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| ApiError::internal("rate limiter lock poisoned"))?;
        if windows.len() >= SWEEP_AT {
            windows.retain(|(a, _), w| now.duration_since(w.started) < a.per_ip().1);
        }
        let window = windows.entry((action, ip)).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= period {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        window.count += 1;
        if window.count > max {
            let retry = period.saturating_sub(now.duration_since(window.started));
            return Err(
                ApiError::new(ErrorCode::RateLimited).with_retry_after(retry.as_secs().max(1))
            );
        }
        Ok(())
    }
}
