//! Sign-ins waiting for their second factor, by the hash of the value their holder
//! presents (the challenge cookie, or a bearer client's opaque challenge). Five
//! minutes; five answers checked and the challenge is void (a right one spends it
//! before that).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::two_factor_challenges as t;
use super::{DbConnection, RunOn};
use crate::domain::SignInMethod;

/// Answers a challenge has checked before it is void. The column is `failures`: an
/// answer is counted as it is claimed, before it is checked, and a right one
/// deletes the row, so what a live row counts are wrong answers and ones in flight.
pub const MAX_ANSWERS: i32 = 5;

#[derive(Debug, Clone, Queryable)]
pub struct Challenge {
    pub user_id: String,
    pub remember_me: bool,
    /// How the first factor was proven; None in challenges made before it was kept
    /// (a password: the only first factor then).
    pub first_factor: Option<SignInMethod>,
}

pub struct NewChallenge<'a> {
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub purpose: &'a str,
    pub remember_me: bool,
    pub first_factor: &'a SignInMethod,
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
            t::first_factor.eq(new.first_factor),
            t::failures.eq(0),
            t::created_at.eq(now),
            t::expires_at.eq(new.expires_at),
        ))
        .execute_on(conn)
        .map(drop)
}

/// Claims one answer of the live challenge with this hash (unexpired, held the way
/// `purpose` says: `browser` or `bearer`, a challenge is finished the way it was
/// started; fewer than five answers claimed): the count goes up first, in one
/// conditional statement, so that of answers racing in parallel at most five are
/// ever checked. None when there is nothing left to claim.
pub fn claim_answer(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Challenge>> {
    let claimed = super::update(
        t::table
            .find(token_hash)
            .filter(t::purpose.eq(purpose))
            .filter(t::expires_at.gt(now))
            .filter(t::failures.lt(MAX_ANSWERS)),
        t::failures.eq(t::failures + 1),
    )
    .execute_on(conn)?;
    if claimed == 0 {
        return Ok(None);
    }
    t::table
        .find(token_hash)
        .select((t::user_id, t::remember_me, t::first_factor))
        .first_on(conn)
        .optional()
}

/// The user of the live challenge with this hash, without claiming an answer: what
/// a recovery code is derived for before the transaction that claims it.
pub fn user_of(
    conn: &mut DbConnection,
    token_hash: &str,
    purpose: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    t::table
        .find(token_hash)
        .filter(t::purpose.eq(purpose))
        .filter(t::expires_at.gt(now))
        .filter(t::failures.lt(MAX_ANSWERS))
        .select(t::user_id)
        .first_on(conn)
        .optional()
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
