//! Sign-ins waiting for their second factor, by the hash of the value their holder
//! presents (the challenge cookie, or a bearer client's opaque challenge). Five
//! minutes; five wrong codes and the challenge is void.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::two_factor_challenges as t;
use super::{DbConnection, RunOn};

/// Wrong codes a challenge takes before it is void.
pub const MAX_FAILURES: i32 = 5;

#[derive(Debug, Clone, Queryable)]
pub struct Challenge {
    pub user_id: String,
    /// `browser` or `bearer`: a challenge is finished the way it was started.
    pub purpose: String,
    pub remember_me: bool,
}

pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub purpose: &'a str,
    pub remember_me: bool,
    pub expires_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewChallenge<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::token_hash.eq(new.token_hash),
            t::user_id.eq(new.user_id),
            t::purpose.eq(new.purpose),
            t::remember_me.eq(new.remember_me),
            t::failures.eq(0),
            t::created_at.eq(now),
            t::expires_at.eq(new.expires_at),
        ))
        .execute_on(conn)
        .map(drop)
}

/// The live challenge with this hash: unexpired, fewer than five failures.
pub fn find_live(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Challenge>> {
    t::table
        .find(token_hash)
        .filter(t::expires_at.gt(now))
        .filter(t::failures.lt(MAX_FAILURES))
        .select((t::user_id, t::purpose, t::remember_me))
        .first_on(conn)
        .optional()
}

/// Counts a wrong code against the challenge.
pub fn record_failure(conn: &mut DbConnection, token_hash: &str) -> QueryResult<()> {
    super::update(t::table.find(token_hash), t::failures.eq(t::failures + 1))
        .execute_on(conn)
        .map(drop)
}

/// Spends the challenge: true for the one request that did (two racing right codes
/// make one session).
pub fn take(conn: &mut DbConnection, token_hash: &str) -> QueryResult<bool> {
    Ok(diesel::delete(t::table.find(token_hash)).execute_on(conn)? == 1)
}

/// Housekeeping: challenges past their five minutes.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::expires_at.lt(now))).execute_on(conn)
}
