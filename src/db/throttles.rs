//! Per-account attempt counters shared by every instance through the database.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::DbConnection;
use super::schema::auth_throttles as t;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts allowed within `window`.
    pub max_attempts: i64,
    pub window: TimeDelta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No attempts on record.
    Clear,
    /// Attempts counted, still allowed.
    Counting,
    /// Blocked for this many more seconds.
    Blocked(u64),
}

pub fn status(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> QueryResult<Status> {
    let row: Option<Option<NaiveDateTime>> = t::table
        .find(key)
        .select(t::blocked_until)
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Status::Clear,
        Some(Some(until)) if until > now => {
            Status::Blocked((until - now).num_seconds().max(1) as u64)
        }
        Some(_) => Status::Counting,
    })
}

/// Seconds until `key` may try again, when it is blocked now.
pub fn blocked_for(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<u64>> {
    Ok(match status(conn, key, now)? {
        Status::Blocked(seconds) => Some(seconds),
        _ => None,
    })
}

/// Counts one attempt; once `max_attempts` are spent within the window, `key` is
/// blocked until the window ends. Returns that block's length in seconds, if any.
pub fn record_attempt(
    conn: &mut DbConnection,
    key: &str,
    policy: Policy,
    now: NaiveDateTime,
) -> QueryResult<Option<u64>> {
    super::write_transaction(conn, |conn| {
        let current: Option<(i64, NaiveDateTime)> = t::table
            .find(key)
            .select((t::attempts, t::window_started_at))
            .first(conn)
            .optional()?;
        let (attempts, started) = match current {
            Some((attempts, started)) if now - started < policy.window => (attempts + 1, started),
            _ => (1, now),
        };
        let blocked_until = (attempts >= policy.max_attempts).then(|| started + policy.window);
        if current.is_some() {
            diesel::update(t::table.find(key))
                .set((
                    t::attempts.eq(attempts),
                    t::window_started_at.eq(started),
                    t::blocked_until.eq(blocked_until),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(t::table)
                .values((
                    t::key.eq(key),
                    t::attempts.eq(attempts),
                    t::window_started_at.eq(started),
                    t::blocked_until.eq(blocked_until),
                ))
                .execute(conn)?;
        }
        Ok(blocked_until.map(|until| (until - now).num_seconds().max(1) as u64))
    })
}

/// Forgets the counter (a successful login, a completed reset).
pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::delete(t::table.find(key)).execute(conn).map(drop)
}
