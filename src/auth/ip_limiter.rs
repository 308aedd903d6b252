//! Per-client-IP limits on the endpoints that cost a password hash or send mail.
//! Kept in memory: each instance limits what reaches it (the per-account counters,
//! which must hold across instances, are in `db::throttles`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// /login and /token share one budget: both check a password.
    Login,
    Signup,
    ForgotPassword,
}

impl Action {
    fn limit(self) -> (u32, Duration) {
        match self {
            Action::Login => (30, Duration::from_secs(300)),
            Action::Signup => (10, Duration::from_secs(3600)),
            Action::ForgotPassword => (10, Duration::from_secs(3600)),
        }
    }
}

struct Window {
    started: Instant,
    count: u32,
}

pub struct IpRateLimiter {
    enabled: bool,
    windows: Mutex<HashMap<(Action, IpAddr), Window>>,
}

/// Past this many tracked clients, finished windows are swept on the next request.
const SWEEP_AT: usize = 10_000;

impl IpRateLimiter {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Counts one request of `action` from `ip`; 429 RATE_LIMITED with Retry-After
    /// once the window's budget is spent.
    pub fn check(&self, action: Action, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(ip), true) = (ip, self.enabled) else {
            return Ok(());
        };
        let (max, period) = action.limit();
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| ApiError::internal("rate limiter lock poisoned"))?;
        if windows.len() >= SWEEP_AT {
            windows.retain(|(a, _), w| now.duration_since(w.started) < a.limit().1);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_then_429_per_ip_and_action() {
        let limiter = IpRateLimiter::new(true);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..10 {
            limiter.check(Action::Signup, Some(ip)).unwrap();
        }
        let err = limiter.check(Action::Signup, Some(ip)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::RateLimited);
        limiter.check(Action::Login, Some(ip)).unwrap();
        limiter
            .check(Action::Signup, Some("192.0.2.2".parse().unwrap()))
            .unwrap();
        let off = IpRateLimiter::new(false);
        for _ in 0..100 {
            off.check(Action::Signup, Some(ip)).unwrap();
        }
    }
}
