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

pub fn list_active_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select(columns::<Session>())
        .load_on(conn)
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
