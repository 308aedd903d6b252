//! Fixed windows of requests per (action, client IP), counted in the database so that
//! every instance spends one budget (N instances no longer give an attacker N times
//! the limit). Only the limited actions (password checks, sign-ups, mails) count; an
//! ordinary request never writes. Once a window's budget is spent, the instance that
//! saw it remembers the block until the window ends and refuses without a database
//! write: a flood from one address costs one write per instance, not one per request.
//! The limits themselves are in `throttle`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::TimeDelta;

use super::throttle::{Action, rate_limited};
use crate::db::throttles::{self, Policy};
use crate::db::{self, Pool};
use crate::failure::{Fault, LimitError};

/// Clients this instance knows to be out of budget, until when.
type KnownBlocks = HashMap<(Action, IpAddr), Instant>;

#[derive(Default)]
pub struct IpLimiter {
    blocked: Mutex<KnownBlocks>,
}

/// Past this many remembered blocks, finished ones are swept on the next refusal.
const SWEEP_AT: usize = 10_000;

impl IpLimiter {
    /// Counts one request; 429 RATE_LIMITED with Retry-After once more than `max`
    /// arrived within `period`, on any instance.
    pub async fn count(
        &self,
        pool: &Pool,
        action: Action,
        ip: IpAddr,
        max: u32,
        window: TimeDelta,
    ) -> Result<(), LimitError> {
        self.refuse_known_block(action, ip)?;
        let key = format!("ip:{}:{ip}", action.name());
        // Counting stops at max + 1: the request after the budget is the one refused.
        let policy = Policy {
            max_attempts: Some(i64::from(max) + 1),
            window,
        };
        let recorded = db::run(pool, move |conn| -> Result<_, LimitError> {
            Ok(throttles::record_attempt(conn, &key, policy, db::now())?)
        })
        .await?;
        let Some(seconds) = recorded.blocked_for else {
            return Ok(());
        };
        self.remember_block(action, ip, Instant::now() + Duration::from_secs(seconds))?;
        Err(rate_limited(seconds))
    }

    /// Takes back one counted request of `action` from `ip` (never below zero, never
    /// lifting a block).
    pub async fn refund(&self, pool: &Pool, action: Action, ip: IpAddr) -> Result<(), db::DbError> {
        let key = format!("ip:{}:{ip}", action.name());
        db::run(pool, move |conn| -> Result<_, db::DbError> {
            Ok(throttles::refund(conn, &key)?)
        })
        .await
    }

    /// 429 when this instance already knows `ip` to be out of budget; no database work.
    pub fn refuse_known_block(&self, action: Action, ip: IpAddr) -> Result<(), LimitError> {
        match self.known_block(action, ip)? {
            Some(until) => Err(rate_limited(
                until.saturating_duration_since(Instant::now()).as_secs(),
            )),
            None => Ok(()),
        }
    }

    fn known_block(&self, action: Action, ip: IpAddr) -> Result<Option<Instant>, Fault> {
        let blocked = self.lock()?;
        Ok(blocked
            .get(&(action, ip))
            .copied()
            .filter(|until| *until > Instant::now()))
    }

    fn remember_block(&self, action: Action, ip: IpAddr, until: Instant) -> Result<(), Fault> {
        let mut blocked = self.lock()?;
        if blocked.len() >= SWEEP_AT {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert((action, ip), until);
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, KnownBlocks>, Fault> {
        self.blocked
            .lock()
            .map_err(|_| Fault::internal("rate limiter lock poisoned"))
    }
}
