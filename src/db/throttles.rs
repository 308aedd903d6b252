//! Attempt counters shared by every instance through the database, one row per key
//! (`login:<email>`, `login:<email>:<ip>`, `signup:<email>`, …; the keys and limits
//! are in `auth::throttle`).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::schema::auth_throttles as t;
use super::{DbConnection, RunOn, prefix_pattern};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Attempts allowed within `window`; reaching it blocks the key until the window
    /// ends. `None`: counted, never blocked.
    pub max_attempts: Option<i64>,
    pub window: TimeDelta,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No attempts within the current window.
    Clear,
    /// This many attempts within the current window, still allowed.
    Counting(i64),
    /// Blocked for this many more seconds.
    Blocked(u64),
}

pub fn status(
    conn: &mut DbConnection,
    key: &str,
    window: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<Status> {
    let row: Option<(i64, NaiveDateTime, Option<NaiveDateTime>)> = t::table
        .find(key)
        .select((t::attempts, t::window_started_at, t::blocked_until))
        .first_on(conn)
        .optional()?;
    Ok(match row {
        Some((_, _, Some(until))) if until > now => Status::Blocked(
            u64::try_from((until - now).num_seconds())
                .unwrap_or(0)
                .max(1),
        ),
        Some((attempts, started, _)) if now - started < window && attempts > 0 => {
            Status::Counting(attempts)
        }
        _ => Status::Clear,
    })
}

/// What counting an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Attempts within the current window, this one included.
    pub attempts: i64,
    /// Seconds the key is now blocked for, when this attempt reached the maximum.
    pub blocked_for: Option<u64>,
}

/// Counts one attempt; once `max_attempts` are spent within the window, `key` is
/// blocked until the window ends.
///
/// Every step is a single statement that cannot fail on a racing request (the row is
/// created with ON CONFLICT DO NOTHING, then incremented in place), inside one write
/// transaction: two instances counting the same key at once both succeed.
pub fn record_attempt(
    conn: &mut DbConnection,
    key: &str,
    policy: Policy,
    now: NaiveDateTime,
) -> QueryResult<Recorded> {
    super::write_transaction(conn, |conn| {
        ensure_row(conn, key, now)?;
        // A finished window starts again from zero.
        super::update(
            t::table
                .find(key)
                .filter(t::window_started_at.le(now - policy.window)),
            (
                t::attempts.eq(0),
                t::window_started_at.eq(now),
                t::blocked_until.eq(None::<NaiveDateTime>),
            ),
        )
        .execute_on(conn)?;
        super::update(t::table.find(key), t::attempts.eq(t::attempts + 1)).execute_on(conn)?;
        let (attempts, started): (i64, NaiveDateTime) = t::table
            .find(key)
            .select((t::attempts, t::window_started_at))
            .first_on(conn)?;
        if policy.max_attempts.is_none_or(|max| attempts < max) {
            return Ok(Recorded {
                attempts,
                blocked_for: None,
            });
        }
        let until = started + policy.window;
        super::update(t::table.find(key), t::blocked_until.eq(until)).execute_on(conn)?;
        Ok(Recorded {
            attempts,
            blocked_for: Some(
                u64::try_from((until - now).num_seconds())
                    .unwrap_or(0)
                    .max(1),
            ),
        })
    })
}

/// What asking for a turn found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The turn is taken: it may start at this time (now, or a little later).
    StartsAt(NaiveDateTime),
    /// The next free turn is further away than the caller may wait; nothing was taken.
    /// Seconds until asking again could succeed.
    Full(u64),
}

/// Takes the next turn of `key`, where turns are at least `spacing` apart across
/// every instance: the row's `blocked_until` is the earliest start of the next turn.
/// A compare-and-set on that column (one statement, re-checked by PostgreSQL after it
/// waits for a racing writer's lock) gives each turn to exactly one caller.
pub fn take_turn(
    conn: &mut DbConnection,
    key: &str,
    spacing: TimeDelta,
    max_wait: TimeDelta,
    now: NaiveDateTime,
) -> QueryResult<Turn> {
    super::write_transaction(conn, |conn| {
        ensure_row(conn, key, now)?;
        // Racing callers each lose at most once per winner; a handful of rounds is
        // plenty, and a caller that still loses is told to come back.
        for _ in 0..8 {
            let next_free: Option<NaiveDateTime> =
                t::table.find(key).select(t::blocked_until).first_on(conn)?;
            let starts = next_free.map_or(now, |free| free.max(now));
            let wait = starts - now;
            if wait > max_wait {
                let retry = u64::try_from((wait - max_wait).num_seconds())
                    .unwrap_or(0)
                    .max(1);
                return Ok(Turn::Full(retry));
            }
            let next = (
                t::blocked_until.eq(starts + spacing),
                t::window_started_at.eq(now),
            );
            let taken = match next_free {
                Some(free) => {
                    super::update(t::table.find(key).filter(t::blocked_until.eq(free)), next)
                        .execute_on(conn)?
                }
                None => super::update(t::table.find(key).filter(t::blocked_until.is_null()), next)
                    .execute_on(conn)?,
            };
            if taken == 1 {
                return Ok(Turn::StartsAt(starts));
            }
        }
        Ok(Turn::Full(1))
    })
}

/// The key's row, created empty unless it exists.
fn ensure_row(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::key.eq(key),
            t::attempts.eq(0),
            t::window_started_at.eq(now),
            t::blocked_until.eq(None::<NaiveDateTime>),
        ))
        .on_conflict(t::key)
        .do_nothing()
        .execute_on(conn)
        .map(drop)
}

/// Takes one attempt back from `key` (a refusal that did no work); never below zero,
/// and a key already blocked stays blocked.
pub fn refund(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    super::update(
        t::table
            .find(key)
            .filter(t::attempts.gt(0))
            .filter(t::blocked_until.is_null()),
        t::attempts.eq(t::attempts - 1),
    )
    .execute_on(conn)
    .map(drop)
}

/// Forgets the counter (a successful login, a completed reset).
pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::delete(t::table.find(key))
        .execute_on(conn)
        .map(drop)
}

/// Forgets every counter whose key starts with `prefix`.
pub fn clear_prefix(conn: &mut DbConnection, prefix: &str) -> QueryResult<()> {
    diesel::delete(t::table.filter(t::key.like(prefix_pattern(prefix)).escape('\\')))
        .execute_on(conn)
        .map(drop)
}

/// Housekeeping: rows whose window began before `window_start` (no window is longer)
/// and that block nothing any more.
pub fn purge_ended(
    conn: &mut DbConnection,
    window_start: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        t::table
            .filter(t::window_started_at.lt(window_start))
            .filter(t::blocked_until.is_null().or(t::blocked_until.lt(now))),
    )
    .execute_on(conn)
}
