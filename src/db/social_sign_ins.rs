//! Social sign-ins in flight: what the callback needs to finish one, found by the
//! hash of the browser's cookie and deleted as it is read.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::social_sign_ins as p;
use super::{DbConnection, RunOn, columns};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = p, treat_none_as_default_value = false)]
pub struct PendingSignIn {
    pub key_hash: String,
    pub provider: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub callback_url: String,
    pub error_callback_url: String,
    pub link_user_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, pending: &PendingSignIn) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values(pending)
        .execute_on(conn)
        .map(drop)
}

/// Takes the sign-in out of the table: of two callbacks presenting one cookie, only
/// the one whose DELETE removed the row gets it. Expired ones are found too, so that
/// the caller can tell the user why; they are deleted all the same. A write
/// transaction: on SQLite a deferred one that read first failed at once ("database is
/// locked", a callback answered INTERNAL_ERROR) when another writer committed before
/// its DELETE.
pub fn take(conn: &mut DbConnection, key_hash: &str) -> QueryResult<Option<PendingSignIn>> {
    super::write_transaction(conn, |conn| {
        let found = p::table
            .find(key_hash)
            .select(columns::<PendingSignIn>())
            .first_on(conn)
            .optional()?;
        let Some(found) = found else {
            return Ok(None);
        };
        let taken = diesel::delete(p::table.find(key_hash)).execute_on(conn)?;
        Ok((taken == 1).then_some(found))
    })
}

/// Housekeeping: sign-ins nobody finished.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(p::table.filter(p::expires_at.lt(now))).execute_on(conn)
}
