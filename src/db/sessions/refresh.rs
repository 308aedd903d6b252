//! Bearer sessions' refresh tokens: finding, rotating, and the spent ones.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Session;
use crate::db::schema::sessions;
use crate::db::{DbConnection, RunOn, columns};
use crate::domain::SessionKind;

/// The live bearer session whose current refresh token hashes to `hash`.
pub fn find_by_refresh_hash(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Session>> {
    sessions::table
        .filter(sessions::refresh_token_hash.eq(hash))
        .filter(sessions::kind.eq(SessionKind::Bearer.as_str()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(columns::<Session>())
        .first_on(conn)
        .optional()
}

/// Moves the session from refresh token `from` to `to` if `from` is still current,
/// and records `from` as spent. The condition makes rotation atomic: of two racing
/// refreshes, one updates a row. Both writes are one transaction: a racing refresh
/// that finds `from` no longer current must also find it spent (between the two, it
/// found neither and answered 401 instead of the grace window's pair).
pub fn rotate_refresh(
    conn: &mut DbConnection,
    id: &str,
    from: &str,
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use crate::db::schema::spent_refresh_tokens as spent;
    crate::db::write_transaction(conn, |conn| {
        let rotated = crate::db::update(
            sessions::table
                .find(id)
                .filter(sessions::refresh_token_hash.eq(from))
                .filter(sessions::revoked_at.is_null()),
            (
                sessions::previous_refresh_token_hash.eq(from),
                sessions::refresh_token_hash.eq(to),
                sessions::refresh_rotated_at.eq(now),
                sessions::last_seen_at.eq(now),
            ),
        )
        .execute_on(conn)?
            == 1;
        if rotated {
            diesel::insert_into(spent::table)
                .values((
                    spent::token_hash.eq(from),
                    spent::session_id.eq(id),
                    spent::spent_at.eq(now),
                ))
                .execute_on(conn)?;
        }
        Ok(rotated)
    })
}

/// The session that once spent the refresh token hashing to `hash`, if any.
pub fn find_by_spent_refresh_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<Session>> {
    use crate::db::schema::spent_refresh_tokens as spent;
    spent::table
        .inner_join(sessions::table)
        .filter(spent::token_hash.eq(hash))
        .select(columns::<Session>())
        .first_on(conn)
        .optional()
}
