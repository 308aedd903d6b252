//! WebAuthn ceremonies between their options and their answer, by the hash of the
//! cookie of the browser that asked: five minutes, taken once. `state` is the relying
//! party's serialised state (the challenge and what it expects).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::passkey_ceremonies as t;
use super::{DbConnection, RunOn};

#[derive(Debug, Clone, Queryable)]
pub struct Ceremony {
    /// `register` or `sign_in`.
    pub purpose: String,
    pub user_id: Option<String>,
    pub state: String,
    pub expires_at: NaiveDateTime,
}

pub struct NewCeremony<'a> {
    pub token_hash: &'a str,
    pub purpose: &'a str,
    pub user_id: Option<&'a str>,
    pub state: &'a str,
    pub expires_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewCeremony<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::token_hash.eq(new.token_hash),
            t::purpose.eq(new.purpose),
            t::user_id.eq(new.user_id),
            t::state.eq(new.state),
            t::created_at.eq(now),
            t::expires_at.eq(new.expires_at),
        ))
        .execute_on(conn)
        .map(drop)
}

/// Reads and deletes the ceremony in one transaction: of two requests presenting the
/// same cookie, one gets it. Whatever the answer then, the ceremony is spent.
pub fn take(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<Ceremony>> {
    super::write_transaction(conn, |conn| {
        let found: Option<Ceremony> = t::table
            .find(token_hash)
            .select((t::purpose, t::user_id, t::state, t::expires_at))
            .first_on(conn)
            .optional()?;
        if found.is_none() {
            return Ok(None);
        }
        let deleted = diesel::delete(t::table.find(token_hash)).execute_on(conn)?;
        Ok(found.filter(|_| deleted == 1))
    })
}

/// Housekeeping: ceremonies nobody finished.
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::expires_at.lt(now))).execute_on(conn)
}
