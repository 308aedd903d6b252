//! Who may try how often, in one place: the limits of the endpoints that cost a
//! password hash or send mail, per client IP (in memory, per instance) and per account
//! (in the database, shared by every instance), and the check-then-record sequences
//! that apply them.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

use super::ip_limiter::IpLimiter;
use crate::db::{DbConnection, throttles};
use crate::domain::Email;
use crate::error::{ApiError, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// /login, /token and the panel's login share one budget: each checks a password.
    Login,
    Signup,
    ForgotPassword,
}

impl Action {
    /// Requests per client IP within a window, on each instance.
    pub fn per_ip(self) -> (u32, Duration) {
        match self {
            Action::Login => (30, Duration::from_secs(300)),
            Action::Signup => (10, Duration::from_secs(3600)),
            Action::ForgotPassword => (10, Duration::from_secs(3600)),
        }
    }

    /// Attempts per account within a window, on every instance: failed logins (five
    /// block the account until the window ends), sign-ups of one address, reset mails.
    fn per_account(self) -> throttles::Policy {
        let (max_attempts, window) = match self {
            Action::Login => (5, TimeDelta::minutes(15)),
            Action::Signup => (5, TimeDelta::hours(1)),
            Action::ForgotPassword => (3, TimeDelta::hours(1)),
        };
        throttles::Policy {
            max_attempts,
            window,
        }
    }

    fn account_key(self, email: &str) -> String {
        let prefix = match self {
            Action::Login => "login",
            Action::Signup => "signup",
            Action::ForgotPassword => "forgot",
        };
        format!("{prefix}:{email}")
    }
}

/// The limits of one server; `RATE_LIMIT_ENABLED=false` turns them off (benchmarks).
pub struct Throttle {
    enabled: bool,
    per_ip: IpLimiter,
}

impl Throttle {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            per_ip: IpLimiter::default(),
        }
    }

    /// Counts one request of `action` from `ip`: 429 once the IP's budget is spent.
    pub fn check_ip(&self, action: Action, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(ip), true) = (ip, self.enabled) else {
            return Ok(());
        };
        let (max, period) = action.per_ip();
        self.per_ip.count(action, ip, max, period)
    }

    /// The per-account half, as a value that database work can take along.
    pub fn accounts(&self) -> AccountLimits {
        AccountLimits {
            enabled: self.enabled,
        }
    }
}

/// Per-account limits, applied inside database work.
#[derive(Debug, Clone, Copy)]
pub struct AccountLimits {
    enabled: bool,
}

impl AccountLimits {
    /// Sign-ups and reset mails: refused while the address is blocked, else counted.
    pub fn count_attempt(
        self,
        conn: &mut DbConnection,
        action: Action,
        email: &Email,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let key = action.account_key(email.as_str());
        if let Some(retry) = throttles::blocked_for(conn, &key, now)? {
            return Err(rate_limited(retry));
        }
        throttles::record_attempt(conn, &key, action.per_account(), now)?;
        Ok(())
    }

    /// Before a password check: refused while the account is blocked. Says whether
    /// failures are on record, so that a success knows whether it has any to forget.
    pub fn check_login(
        self,
        conn: &mut DbConnection,
        email: &Email,
        now: NaiveDateTime,
    ) -> Result<bool, ApiError> {
        if !self.enabled {
            return Ok(false);
        }
        match throttles::status(conn, &Action::Login.account_key(email.as_str()), now)? {
            throttles::Status::Blocked(retry) => Err(rate_limited(retry)),
            throttles::Status::Counting => Ok(true),
            throttles::Status::Clear => Ok(false),
        }
    }

    pub fn record_failed_login(
        self,
        conn: &mut DbConnection,
        email: &Email,
        now: NaiveDateTime,
    ) -> Result<(), ApiError> {
        if self.enabled {
            let action = Action::Login;
            let key = action.account_key(email.as_str());
            throttles::record_attempt(conn, &key, action.per_account(), now)?;
        }
        Ok(())
    }

    /// After a successful login or a completed reset: earlier failures are forgotten.
    pub fn forget_failed_logins(
        self,
        conn: &mut DbConnection,
        email: &str,
    ) -> Result<(), ApiError> {
        Ok(throttles::clear(conn, &Action::Login.account_key(email))?)
    }
}

fn rate_limited(retry_after: u64) -> ApiError {
    ApiError::new(ErrorCode::RateLimited).with_retry_after(retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_budget_then_429_per_ip_and_action() {
        let throttle = Throttle::new(true);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..10 {
            throttle.check_ip(Action::Signup, Some(ip)).unwrap();
        }
        let err = throttle.check_ip(Action::Signup, Some(ip)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::RateLimited);
        throttle.check_ip(Action::Login, Some(ip)).unwrap();
        throttle
            .check_ip(Action::Signup, Some("192.0.2.2".parse().unwrap()))
            .unwrap();
        let off = Throttle::new(false);
        for _ in 0..100 {
            off.check_ip(Action::Signup, Some(ip)).unwrap();
        }
    }
}
