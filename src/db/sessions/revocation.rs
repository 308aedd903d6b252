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
