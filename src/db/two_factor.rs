//! A user's TOTP second factor: the sealed secret (and one pending confirmation while
//! it is being set up), the last step accepted, and `users.two_factor_enabled_at`.
//! Sealing and opening belong to the caller; this module stores text.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{two_factor_secrets as t, users};
use super::{DbConnection, RunOn};

/// Keeps `sealed` as the secret waiting for its first code (replacing any earlier
/// one); the active secret, if any, is untouched.
pub fn set_pending(
    conn: &mut DbConnection,
    user_id: &str,
    sealed: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let updated = super::update(
        t::table.find(user_id),
        (t::pending_sealed.eq(sealed), t::pending_at.eq(now)),
    )
    .execute_on(conn)?;
    if updated == 0 {
        diesel::insert_into(t::table)
            .values((
                t::user_id.eq(user_id),
                t::secret_sealed.eq(None::<String>),
                t::pending_sealed.eq(sealed),
                t::pending_at.eq(now),
                t::last_step.eq(None::<i64>),
            ))
            .execute_on(conn)?;
    }
    Ok(())
}

/// The pending secret and when it was made.
pub fn pending(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Option<(String, NaiveDateTime)>> {
    let row: Option<(Option<String>, Option<NaiveDateTime>)> = t::table
        .find(user_id)
        .select((t::pending_sealed, t::pending_at))
        .first_on(conn)
        .optional()?;
    Ok(row.and_then(|(sealed, at)| sealed.zip(at)))
}

/// The active secret and the last step accepted.
pub fn active(
    conn: &mut DbConnection,
    user_id: &str,
) -> QueryResult<Option<(String, Option<i64>)>> {
    let row: Option<(Option<String>, Option<i64>)> = t::table
        .find(user_id)
        .select((t::secret_sealed, t::last_step))
        .first_on(conn)
        .optional()?;
    Ok(row.and_then(|(sealed, step)| sealed.map(|s| (s, step))))
}

/// The pending secret becomes the active one, `step` its first accepted step.
pub fn activate(
    conn: &mut DbConnection,
    user_id: &str,
    sealed: &str,
    step: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::update(
        t::table.find(user_id),
        (
            t::secret_sealed.eq(sealed),
            t::pending_sealed.eq(None::<String>),
            t::pending_at.eq(None::<NaiveDateTime>),
            t::last_step.eq(step),
        ),
    )
    .execute_on(conn)?;
    super::update(
        users::table.find(user_id),
        (
            users::two_factor_enabled_at.eq(now),
            users::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(drop)
}

/// Claims `step` as used if it is later than the last one: true for the one request
/// that claimed it, across every instance (a code is accepted once).
pub fn claim_step(conn: &mut DbConnection, user_id: &str, step: i64) -> QueryResult<bool> {
    let claimed = super::update(
        t::table
            .find(user_id)
            .filter(t::last_step.is_null().or(t::last_step.lt(step))),
        t::last_step.eq(step),
    )
    .execute_on(conn)?;
    Ok(claimed == 1)
}

/// Turns the second factor off: secret, pending secret and recovery codes go.
pub fn remove(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(t::table.find(user_id)).execute_on(conn)?;
    super::recovery_codes::delete_all(conn, user_id)?;
    super::update(
        users::table.find(user_id),
        (
            users::two_factor_enabled_at.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(drop)
}
