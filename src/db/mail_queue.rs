//! Mail waiting to be sent: queued in the transaction of the change it tells of,
//! claimed by one instance's worker at a time, removed once sent or given up.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::mail_queue as q;
use crate::db::{DbConnection, RunOn, commit_signal};

/// A mail a worker claimed.
#[derive(Debug, Clone, Queryable)]
pub struct QueuedMail {
    pub id: String,
    /// What the mail is, for the log ("password reset", "security notice").
    pub kind: String,
    pub sealed_message: String,
    /// This attempt's number, from 1.
    pub attempt: i32,
}

/// Queues a mail on the change's own connection; its commit wakes the worker.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    sealed_message: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(q::table)
        .values((
            q::id.eq(uuid::Uuid::new_v4().to_string()),
            q::kind.eq(kind),
            q::sealed_message.eq(sealed_message),
            q::attempts.eq(0),
            q::next_attempt_at.eq(now),
            q::created_at.eq(now),
        ))
        .execute_on(conn)?;
    commit_signal::mark(commit_signal::Work::Mail);
    // Outside a transaction the row is already committed.
    if !crate::db::in_transaction(conn)? {
        commit_signal::committed();
    }
    Ok(())
}

/// Claims up to `limit` due mails until `lease_until` under the claim `token` (a
/// worker that dies mid-send lets the claim lapse; the mail is then due again), in one
/// write transaction. The UPDATE re-checks the claim, so of two workers that picked
/// one row only one holds it; each then reads back only the rows under its own token.
/// Unless `expected` (a commit just queued mail), it first asks whether anything is
/// due: most polls find nothing, and asking spares SQLite's write lock.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: usize,
    expected: bool,
) -> QueryResult<Vec<QueuedMail>> {
    let free = q::claimed_until.is_null().or(q::claimed_until.lt(now));
    if !expected
        && !diesel::select(diesel::dsl::exists(
            q::table.filter(q::next_attempt_at.le(now)).filter(free),
        ))
        .get_result_on::<bool>(conn)?
    {
        return Ok(Vec::new());
    }
    crate::db::write_transaction(conn, |conn| claim(conn, now, lease_until, token, limit))
}

fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: usize,
) -> QueryResult<Vec<QueuedMail>> {
    let free = q::claimed_until.is_null().or(q::claimed_until.lt(now));
    let due: Vec<String> = q::table
        .filter(q::next_attempt_at.le(now))
        .filter(free)
        .order(q::next_attempt_at.asc())
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(q::id)
        .load_on(conn)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    crate::db::update(
        q::table.filter(q::id.eq_any(&due)).filter(free),
        (
            q::claimed_until.eq(Some(lease_until)),
            q::claimed_by.eq(Some(token)),
            q::attempts.eq(q::attempts + 1),
        ),
    )
    .execute_on(conn)?;
    q::table
        .filter(q::id.eq_any(&due))
        .filter(q::claimed_by.eq(token))
        .select((q::id, q::kind, q::sealed_message, q::attempts))
        .load_on(conn)
}

/// The mail went out (or was given up and kept elsewhere): it leaves the queue.
pub fn remove(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(q::table.filter(q::id.eq(id))).execute_on(conn)
}

/// The attempt failed: due again at `next_attempt_at`, the claim released.
pub fn retry_at(
    conn: &mut DbConnection,
    id: &str,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> QueryResult<usize> {
    crate::db::update(
        q::table.filter(q::id.eq(id)),
        (
            q::next_attempt_at.eq(next_attempt_at),
            q::claimed_until.eq(None::<NaiveDateTime>),
            q::claimed_by.eq(None::<String>),
            q::last_error.eq(Some(error)),
        ),
    )
    .execute_on(conn)
}

/// How many mails wait (metrics, doctor, tests).
pub fn waiting(conn: &mut DbConnection) -> QueryResult<i64> {
    q::table.count().get_result_on(conn)
}
