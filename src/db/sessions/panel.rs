//! The admin panel's actix-session store keeps its rows here too, found by the hash
//! of the key its cookie holds.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counted;
use crate::db::schema::sessions;
use crate::db::{DbConnection, RunOn};
use crate::domain::SessionKind;

/// The unrevoked session whose key hashes to `token_hash`: the panel store's row.
#[diesel::dsl::auto_type(no_type_alias)]
fn unrevoked_with_key<'a>(token_hash: &'a str) -> _ {
    sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
}

/// The state of the live panel session whose key hashes to `token_hash`.
pub fn find_panel_state(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Option<String>>> {
    sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::kind.eq(SessionKind::Admin.as_str()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(sessions::state)
        .first_on(conn)
        .optional()
}

/// Saves new state (and the operator it now belongs to) into a live panel session;
/// returns whether one was there to update.
pub fn update_panel_state(
    conn: &mut DbConnection,
    token_hash: &str,
    state: &str,
    user_id: Option<&str>,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = crate::db::update(
        unrevoked_with_key(token_hash),
        (
            sessions::state.eq(state),
            sessions::user_id.eq(user_id),
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(now),
        ),
    )
    .execute_on(conn)?;
    Ok(updated > 0)
}

/// Pushes a live panel session's expiry to `expires_at`.
pub fn extend_panel_session(
    conn: &mut DbConnection,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::db::update(
        unrevoked_with_key(token_hash),
        (
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(drop)
}

/// Revokes (never deletes, so the history stays whole) the session whose key hashes
/// to `token_hash`.
pub fn revoke_by_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let revoked = crate::db::update(unrevoked_with_key(token_hash), sessions::revoked_at.eq(now))
        .execute_on(conn)?;
    counted(conn, revoked);
    Ok(())
}
