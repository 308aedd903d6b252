//! Password-reset tokens: stored as SHA-256 hashes, single use, short-lived.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::password_reset_tokens as t;
use super::{DbConnection, RunOn};

pub fn insert(
    conn: &mut DbConnection,
    user_id: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::id.eq(uuid::Uuid::new_v4().to_string()),
            t::user_id.eq(user_id),
            t::token_hash.eq(token_hash),
            t::created_at.eq(now),
            t::expires_at.eq(expires_at),
        ))
        .execute_on(conn)
        .map(drop)
}

/// Whether the token is unused and unexpired (checked before any password hashing,
/// so that junk tokens cost a lookup only).
pub fn is_usable(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        t::table
            .filter(t::token_hash.eq(token_hash))
            .filter(t::used_at.is_null())
            .filter(t::expires_at.gt(now)),
    ))
    .get_result_on(conn)
}

/// Marks the token used if it is unused and unexpired; returns its user. The
/// conditional UPDATE makes two racing resets with one token succeed only once.
pub fn consume(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let found: Option<(String, String)> = t::table
        .filter(t::token_hash.eq(token_hash))
        .filter(t::used_at.is_null())
        .filter(t::expires_at.gt(now))
        .select((t::id, t::user_id))
        .first_on(conn)
        .optional()?;
    let Some((id, user_id)) = found else {
        return Ok(None);
    };
    let claimed = super::update(
        t::table.find(&id).filter(t::used_at.is_null()),
        t::used_at.eq(now),
    )
    .execute_on(conn)?;
    Ok((claimed == 1).then_some(user_id))
}

/// Spends every outstanding token of the user (after a reset or a password change).
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
