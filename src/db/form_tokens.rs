//! Spent login form tokens: a token is used at most once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::spent_form_tokens as t;
use super::{DbConnection, RunOn};

/// Marks the token spent; false when it already was (a replayed form).
pub fn spend(
    conn: &mut DbConnection,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(t::table)
        .values((t::token_hash.eq(token_hash), t::expires_at.eq(expires_at)))
        .execute_on(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if super::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Housekeeping: tokens past their hour cannot be replayed anyway.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::expires_at.lt(now))).execute_on(conn)
}
