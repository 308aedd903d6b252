//! Ending sessions: one, all of a user's, or one of the caller's own.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counted;
use crate::db::schema::sessions;
use crate::db::{DbConnection, RunOn};

pub fn revoke(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let revoked = crate::db::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
        sessions::revoked_at.eq(now),
    )
    .execute_on(conn)?;
    Ok(counted(conn, revoked))
}

/// Revokes every live session of a user, except `keep` when given.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let targets = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")));
    let revoked = crate::db::update(targets, sessions::revoked_at.eq(now)).execute_on(conn)?;
    Ok(counted(conn, revoked))
}

/// Revokes session `id` only if it is a live session of `user_id`; returns whether it
/// was (a user cannot end someone else's session, nor learn that it exists).
pub fn revoke_own(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let revoked = crate::db::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now)),
        sessions::revoked_at.eq(now),
    )
    .execute_on(conn)?;
    Ok(counted(conn, revoked) > 0)
}

/// The most sessions one pass ends: a user over the cap is over it by one (the session
/// just created), or by however many existed before the cap was lowered.
const END_AT_ONCE: i64 = 1_000;

/// Ends the user's live sessions beyond the `keep` most recently used (the session just
/// created is the most recent); returns how many were ended.
pub fn end_least_recently_used(
    conn: &mut DbConnection,
    user_id: &str,
    keep: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let beyond: Vec<String> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((
            sessions::last_seen_at.desc(),
            sessions::created_at.desc(),
            sessions::id.desc(),
        ))
        .select(sessions::id)
        .offset(keep)
        .limit(END_AT_ONCE)
        .load_on(conn)?;
    if beyond.is_empty() {
        return Ok(0);
    }
    let ended = crate::db::update(
        sessions::table
            .filter(sessions::id.eq_any(&beyond))
            .filter(sessions::revoked_at.is_null()),
        sessions::revoked_at.eq(now),
    )
    .execute_on(conn)?;
    Ok(counted(conn, ended))
}
