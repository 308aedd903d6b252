//! The session check of every authenticated request, and the last-seen stamp.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{LiveSession, Session};
use crate::db::schema::{sessions, users};
use crate::db::users::User;
use crate::db::{DbConnection, RunOn, columns};

/// The session if it exists, is not revoked and has not expired at `now`.
pub fn find_active(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Session>> {
    sessions::table
        .find(id)
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(columns::<Session>())
        .first_on(conn)
        .optional()
}

/// The session `sid` of user `sub` with its user, if the session is live (not revoked,
/// not expired) and the user has not withdrawn: the check of every authenticated
/// request, in one indexed query.
pub fn find_live_with_user(
    conn: &mut DbConnection,
    sid: &str,
    sub: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(User, LiveSession)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(sid))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::id.eq(sub))
        .filter(users::deleted_at.is_null())
        .select((columns::<User>(), columns::<LiveSession>()))
        .first_on(conn)
        .optional()
}

pub fn touch_last_seen(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    crate::db::update(sessions::table.find(id), sessions::last_seen_at.eq(now))
        .execute_on(conn)
        .map(drop)
}
