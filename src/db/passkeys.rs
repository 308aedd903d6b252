//! Passkeys, by id and by credential id. `credential` is webauthn-rs's record as
//! JSON; this module stores it and knows nothing of what is inside.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::passkeys as t;
use super::{DbConnection, RunOn};

/// A user's passkey as it is listed (no key material).
#[derive(Debug, Clone, Queryable)]
pub struct PasskeyInfo {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// A passkey with what a sign-in checks it with.
#[derive(Debug, Clone, Queryable)]
pub struct StoredPasskey {
    pub id: String,
    pub user_id: String,
    pub credential: String,
    pub sign_count: i64,
    pub name: String,
}

pub struct NewPasskey<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub credential_id: &'a str,
    pub credential: &'a str,
    pub sign_count: i64,
    pub name: &'a str,
}

/// Fails with a unique violation when the credential is registered already.
pub fn insert(
    conn: &mut DbConnection,
    new: &NewPasskey<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::id.eq(new.id),
            t::user_id.eq(new.user_id),
            t::credential_id.eq(new.credential_id),
            t::credential.eq(new.credential),
            t::sign_count.eq(new.sign_count),
            t::name.eq(new.name),
            t::created_at.eq(now),
            t::last_used_at.eq(None::<NaiveDateTime>),
        ))
        .execute_on(conn)
        .map(drop)
}

const INFO: (t::id, t::user_id, t::name, t::created_at, t::last_used_at) =
    (t::id, t::user_id, t::name, t::created_at, t::last_used_at);

/// Oldest first, the order they were added in.
pub fn for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<PasskeyInfo>> {
    t::table
        .filter(t::user_id.eq(user_id))
        .order((t::created_at.asc(), t::id.asc()))
        .select(INFO)
        .load_on(conn)
}

pub fn find_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
) -> QueryResult<Option<PasskeyInfo>> {
    t::table
        .find(id)
        .filter(t::user_id.eq(user_id))
        .select(INFO)
        .first_on(conn)
        .optional()
}

/// The credential ids (base64url) of a user's passkeys, to exclude or allow in a
/// ceremony.
pub fn credential_ids_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    t::table
        .filter(t::user_id.eq(user_id))
        .select(t::credential_id)
        .load_on(conn)
}

pub fn find_by_credential_id(
    conn: &mut DbConnection,
    credential_id: &str,
) -> QueryResult<Option<StoredPasskey>> {
    t::table
        .filter(t::credential_id.eq(credential_id))
        .select((t::id, t::user_id, t::credential, t::sign_count, t::name))
        .first_on(conn)
        .optional()
}

pub fn count_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    t::table
        .filter(t::user_id.eq(user_id))
        .count()
        .get_result_on(conn)
}

pub fn rename(conn: &mut DbConnection, user_id: &str, id: &str, name: &str) -> QueryResult<bool> {
    let renamed = super::update(
        t::table.find(id).filter(t::user_id.eq(user_id)),
        t::name.eq(name),
    )
    .execute_on(conn)?;
    Ok(renamed == 1)
}

/// Records a sign-in with the passkey: its new record and counter, when the stored
/// counter is still the one the check read. False: another sign-in with the same
/// passkey got there first (on this instance or another), so this one is refused.
pub fn record_use(
    conn: &mut DbConnection,
    id: &str,
    read_count: i64,
    credential: &str,
    sign_count: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = super::update(
        t::table.find(id).filter(t::sign_count.eq(read_count)),
        (
            t::credential.eq(credential),
            t::sign_count.eq(sign_count),
            t::last_used_at.eq(now),
        ),
    )
    .execute_on(conn)?;
    Ok(updated == 1)
}

pub fn delete(conn: &mut DbConnection, user_id: &str, id: &str) -> QueryResult<bool> {
    Ok(diesel::delete(t::table.find(id).filter(t::user_id.eq(user_id))).execute_on(conn)? == 1)
}
