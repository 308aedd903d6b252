//! Email verification tokens: stored as SHA-256 hashes, single use, 24 hours; each
//! proves the address it was sent to.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::email_verification_tokens as t;
use super::{DbConnection, RunOn};

pub fn insert(
    conn: &mut DbConnection,
    user_id: &str,
    email: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::token_hash.eq(token_hash),
            t::user_id.eq(user_id),
            t::email.eq(email),
            t::created_at.eq(now),
            t::expires_at.eq(expires_at),
            t::used_at.eq(None::<NaiveDateTime>),
        ))
        .execute_on(conn)
        .map(drop)
}

/// Marks the token used if it is unused and unexpired; returns its user and the
/// address it was sent to. The conditional UPDATE lets two racing uses win once.
pub fn consume(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(String, String)>> {
    let found: Option<(String, String)> = t::table
        .find(token_hash)
        .filter(t::used_at.is_null())
        .filter(t::expires_at.gt(now))
        .select((t::user_id, t::email))
        .first_on(conn)
        .optional()?;
    let Some(found) = found else {
        return Ok(None);
    };
    let claimed = super::update(
        t::table.find(token_hash).filter(t::used_at.is_null()),
        t::used_at.eq(now),
    )
    .execute_on(conn)?;
    Ok((claimed == 1).then_some(found))
}

/// Spends every outstanding token of the user (once the address is verified).
pub fn spend_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    super::update(
        t::table
            .filter(t::user_id.eq(user_id))
            .filter(t::used_at.is_null()),
        t::used_at.eq(now),
    )
    .execute_on(conn)
}

/// Housekeeping: tokens past their day.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::expires_at.lt(now))).execute_on(conn)
}
