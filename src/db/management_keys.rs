//! Management keys as stored: a hash of the key, never the key.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::management_keys as t;
use super::{DbConnection, RunOn};

#[derive(Debug, Clone, Queryable)]
pub struct ManagementKey {
    pub id: String,
    pub name: String,
    /// Comma-separated scopes (`domain::ManagementScope`).
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
}

const COLUMNS: (
    t::id,
    t::name,
    t::scopes,
    t::created_at,
    t::expires_at,
    t::revoked_at,
    t::last_used_at,
) = (
    t::id,
    t::name,
    t::scopes,
    t::created_at,
    t::expires_at,
    t::revoked_at,
    t::last_used_at,
);

pub struct NewKey<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub key_hash: &'a str,
    pub scopes: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

/// Fails with a unique violation when the name is taken.
pub fn insert(conn: &mut DbConnection, key: &NewKey<'_>) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::id.eq(key.id),
            t::name.eq(key.name),
            t::key_hash.eq(key.key_hash),
            t::scopes.eq(key.scopes),
            t::created_at.eq(key.created_at),
            t::expires_at.eq(key.expires_at),
            t::revoked_at.eq(None::<NaiveDateTime>),
            t::last_used_at.eq(None::<NaiveDateTime>),
        ))
        .execute_on(conn)
        .map(drop)
}

/// The key with this hash, if it is live at `now` (not revoked, not expired).
pub fn find_live(
    conn: &mut DbConnection,
    key_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ManagementKey>> {
    t::table
        .filter(t::key_hash.eq(key_hash))
        .filter(t::revoked_at.is_null())
        .filter(t::expires_at.is_null().or(t::expires_at.gt(now)))
        .select(COLUMNS)
        .first_on(conn)
        .optional()
}

/// Every key, newest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ManagementKey>> {
    t::table
        .order((t::created_at.desc(), t::name.asc()))
        .select(COLUMNS)
        .load_on(conn)
}

/// Revokes the live key named `name`; whether there was one.
pub fn revoke(conn: &mut DbConnection, name: &str, now: NaiveDateTime) -> QueryResult<bool> {
    super::update(
        t::table
            .filter(t::name.eq(name))
            .filter(t::revoked_at.is_null()),
        t::revoked_at.eq(Some(now)),
    )
    .execute_on(conn)
    .map(|n| n > 0)
}

/// How often a key's last use is written.
pub const TOUCH_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// Notes a use, unless one was noted within `TOUCH_RESOLUTION` (instances racing
/// write once).
pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    let a_minute_ago = now - TOUCH_RESOLUTION;
    super::update(
        t::table.filter(t::id.eq(id)).filter(
            t::last_used_at
                .is_null()
                .or(t::last_used_at.lt(a_minute_ago)),
        ),
        t::last_used_at.eq(Some(now)),
    )
    .execute_on(conn)
    .map(drop)
}
