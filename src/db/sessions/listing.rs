//! Live sessions as users and operators list them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Session;
use crate::db::schema::{sessions, users};
use crate::db::{DbConnection, RunOn, columns, like_pattern};
use crate::domain::SessionKind;

/// Whether the user ever signed in from `ip` (signed-in sessions are kept after they
/// end): the account's owner, most likely, rather than a stranger guessing.
pub fn signed_in_from(conn: &mut DbConnection, user_id: &str, ip: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ip.eq(ip)),
    ))
    .get_result_on(conn)
}

/// Where a page of a user's sessions starts: after the session created at `created_at`
/// with id `id` (newest first, ties broken by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at: NaiveDateTime,
    pub id: String,
}

/// Up to `limit` of the user's live sessions, newest first, after `after`.
pub fn list_active_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    crate::per_backend!(conn, |conn| {
        let mut query = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .order((sessions::created_at.desc(), sessions::id.desc()))
            .select(columns::<Session>())
            .limit(limit)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(
                sessions::created_at
                    .lt(after.created_at)
                    .or(sessions::created_at
                        .eq(after.created_at)
                        .and(sessions::id.lt(after.id.clone()))),
            );
        }
        query.load(conn)
    })
}

/// The user's live sessions, newest first, `limit` from `offset` (the panel's pages).
pub fn page_active_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .select(columns::<Session>())
        .offset(offset)
        .limit(limit)
        .load_on(conn)
}

/// How many live sessions the user has.
pub fn count_active_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .count()
        .get_result_on(conn)
}

/// One page of live sessions of every kind with their user's email, newest first.
pub fn list_active(
    conn: &mut DbConnection,
    kind: Option<SessionKind>,
    user: Option<&str>,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Session, String)>> {
    crate::per_backend!(conn, |conn| {
        let mut query = sessions::table
            .inner_join(users::table)
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .select((columns::<Session>(), users::email))
            .order((sessions::created_at.desc(), sessions::id.desc()))
            .offset(offset)
            .limit(limit + 1)
            .into_boxed();
        if let Some(kind) = kind {
            query = query.filter(sessions::kind.eq(kind.as_str()));
        }
        if let Some(user) = user.map(str::trim).filter(|u| !u.is_empty()) {
            query = query.filter(
                users::id.eq(user.to_owned()).or(users::email
                    .like(like_pattern(&user.to_lowercase()))
                    .escape('\\')),
            );
        }
        query.load(conn)
    })
}

/// When the user last started a session of their own (a browser or a bearer one;
/// ended sessions count, as rows are kept a while after they end).
pub fn last_sign_in_at(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::kind.ne(SessionKind::Admin))
        .select(diesel::dsl::max(sessions::created_at))
        .first_on(conn)
}
