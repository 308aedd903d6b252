//! Recovery codes, by hash: each single use; a new set replaces the old.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::recovery_codes as t;
use super::{DbConnection, RunOn};

pub fn replace_all(
    conn: &mut DbConnection,
    user_id: &str,
    hashes: &[String],
    now: NaiveDateTime,
) -> QueryResult<()> {
    delete_all(conn, user_id)?;
    for hash in hashes {
        diesel::insert_into(t::table)
            .values((
                t::code_hash.eq(hash),
                t::user_id.eq(user_id),
                t::created_at.eq(now),
                t::used_at.eq(None::<NaiveDateTime>),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

/// Spends the user's unused code stored as `stored` or, from before the salted hash,
/// as `legacy`: true for the one request that did.
pub fn consume(
    conn: &mut DbConnection,
    user_id: &str,
    (stored, legacy): (&str, &str),
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let spent = super::update(
        t::table
            .filter(t::code_hash.eq(stored).or(t::code_hash.eq(legacy)))
            .filter(t::user_id.eq(user_id))
            .filter(t::used_at.is_null()),
        t::used_at.eq(now),
    )
    .execute_on(conn)?;
    Ok(spent > 0)
}

pub fn delete_all(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(t::table.filter(t::user_id.eq(user_id))).execute_on(conn)
}
