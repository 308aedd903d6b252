//! Deliveries: claimed by one worker at a time, attempted, then settled as delivered,
//! due again, or failed; listed for the panel, sent again on request, pruned.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{webhook_deliveries as d, webhook_endpoints as e, webhook_events as ev};
use crate::db::{DbConnection, RunOn, commit_signal};
use crate::domain::string_enum::string_enum;

use super::endpoints;

string_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus {
        /// Due now or at `next_attempt_at`.
        Pending = "pending",
        /// A 2xx came back.
        Delivered = "delivered",
        /// Every attempt of the schedule failed.
        Failed = "failed",
    }
}

/// A delivery a worker claimed: what it sends, where, signed with what. Read by the
/// query builder on SQLite and by name from PostgreSQL's one-statement claim.
#[derive(Debug, Clone, Queryable, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub delivery_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub payload: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub endpoint_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub url: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub sealed_secret: String,
    /// This attempt's number, from 1.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub attempt: i32,
    /// When the endpoint's failing streak began (None: its last attempt succeeded).
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    pub failing_since: Option<NaiveDateTime>,
}

/// Claims up to `limit` due deliveries of enabled endpoints until `lease_until` (a
/// worker that dies mid-attempt lets the claim lapse; the row is then due again).
/// Two workers never claim one row: PostgreSQL skips rows another transaction has
/// locked (`claim_on_postgres`); SQLite's write transaction runs alone. Unless
/// `expected` (a commit just said there is work), it first asks whether anything is
/// due: most polls find nothing, and asking spares SQLite's write lock.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    expected: bool,
) -> QueryResult<Vec<Claimed>> {
    if !expected && !anything_due(conn, now)? {
        return Ok(Vec::new());
    }
    if let DbConnection::Postgres(c) = conn {
        return claim_on_postgres(c, now, lease_until, limit);
    }
    crate::db::write_transaction(conn, |conn| {
        let due = d::table
            .filter(d::status.eq(DeliveryStatus::Pending))
            .filter(d::next_attempt_at.le(now))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now)))
            .filter(d::endpoint_id.eq_any(e::table.filter(e::enabled.eq(true)).select(e::id)))
            .order(d::next_attempt_at.asc())
            .limit(limit)
            .select(d::id);
        let ids: Vec<String> = due.load_on(conn)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        crate::db::update(
            d::table.filter(d::id.eq_any(&ids)),
            (
                d::claimed_until.eq(Some(lease_until)),
                d::attempts.eq(d::attempts + 1),
                d::last_attempt_at.eq(Some(now)),
            ),
        )
        .execute_on(conn)?;
        d::table
            .inner_join(ev::table)
            .inner_join(e::table)
            .filter(d::id.eq_any(&ids))
            .select((
                d::id,
                d::event_id,
                ev::payload,
                d::endpoint_id,
                e::url,
                e::sealed_secret,
                d::attempts,
                e::failing_since,
            ))
            .load_on(conn)
    })
}

/// PostgreSQL's claim in one statement (one round trip rather than five: the worker
/// shares the server's core): the due rows locked with `FOR UPDATE OF d SKIP LOCKED`
/// (rows another worker holds are skipped, never waited for; the event and endpoint
/// rows are not locked), claimed, and returned with what the attempt needs.
fn claim_on_postgres(
    conn: &mut diesel::PgConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    use diesel::sql_types::{BigInt, Timestamp};
    diesel::sql_query(
        "WITH due AS ( \
           SELECT d.id FROM webhook_deliveries d \
           JOIN webhook_endpoints e ON e.id = d.endpoint_id \
           WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
             AND (d.claimed_until IS NULL OR d.claimed_until < $1) AND e.enabled \
           ORDER BY d.next_attempt_at LIMIT $3 \
           FOR UPDATE OF d SKIP LOCKED) \
         UPDATE webhook_deliveries d \
         SET claimed_until = $2, attempts = d.attempts + 1, last_attempt_at = $1 \
         FROM due, webhook_events ev, webhook_endpoints e \
         WHERE d.id = due.id AND ev.id = d.event_id AND e.id = d.endpoint_id \
         RETURNING d.id AS delivery_id, d.event_id, ev.payload, d.endpoint_id, e.url, \
           e.sealed_secret, d.attempts AS attempt, e.failing_since",
    )
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(lease_until)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

fn anything_due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        d::table
            .filter(d::status.eq(DeliveryStatus::Pending))
            .filter(d::next_attempt_at.le(now)),
    ))
    .get_result_on(conn)
}

/// How one attempt went.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub delivery_id: &'a str,
    pub endpoint_id: &'a str,
    pub succeeded: bool,
    /// The answer's status, when one came.
    pub status: Option<i32>,
    /// The answer's first bytes.
    pub response: Option<String>,
    /// Why no acceptable answer came (a timeout, a refused connection, a redirect).
    pub error: Option<String>,
    /// When to try again after a failure; None: no more tries, it failed.
    pub retry_at: Option<NaiveDateTime>,
    /// Whether the endpoint was failing when the delivery was claimed: its streak
    /// is written only when this attempt ends or starts one.
    pub endpoint_was_failing: bool,
    pub now: NaiveDateTime,
}

/// Settles the attempt on its delivery and its endpoint's failing streak.
pub fn record_attempt(conn: &mut DbConnection, attempt: &Attempt<'_>) -> QueryResult<()> {
    let status = match (attempt.succeeded, attempt.retry_at) {
        (true, _) => DeliveryStatus::Delivered,
        (false, Some(_)) => DeliveryStatus::Pending,
        (false, None) => DeliveryStatus::Failed,
    };
    crate::db::update(
        d::table.find(attempt.delivery_id),
        (
            d::status.eq(status),
            d::claimed_until.eq(None::<NaiveDateTime>),
            d::next_attempt_at.eq(attempt.retry_at.unwrap_or(attempt.now)),
            d::last_status.eq(attempt.status),
            d::last_response.eq(attempt.response.as_deref()),
            d::last_error.eq(attempt.error.as_deref()),
            d::delivered_at.eq(attempt.succeeded.then_some(attempt.now)),
        ),
    )
    .execute_on(conn)?;
    if attempt.succeeded == attempt.endpoint_was_failing {
        endpoints::note_outcome(conn, attempt.endpoint_id, attempt.succeeded, attempt.now)?;
    }
    Ok(())
}

/// A delivery as the panel lists it.
#[derive(Debug, Clone, Queryable)]
pub struct DeliveryRow {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// The endpoint's deliveries, newest first, `limit` from `offset`.
pub fn for_endpoint(
    conn: &mut DbConnection,
    endpoint_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<DeliveryRow>> {
    d::table
        .inner_join(ev::table)
        .filter(d::endpoint_id.eq(endpoint_id))
        .order((d::created_at.desc(), d::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            d::id,
            d::event_id,
            ev::event_type,
            d::status,
            d::attempts,
            d::next_attempt_at,
            d::last_attempt_at,
            d::last_status,
            d::last_response,
            d::last_error,
            d::delivered_at,
            d::created_at,
        ))
        .load_on(conn)
}

/// Makes delivery `id` of endpoint `endpoint_id` due now with a fresh schedule (the
/// same event, so the same `webhook-id`); the event's id when there was one.
pub fn resend(
    conn: &mut DbConnection,
    endpoint_id: &str,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    let event: Option<String> = d::table
        .filter(d::id.eq(id))
        .filter(d::endpoint_id.eq(endpoint_id))
        .select(d::event_id)
        .first_on(conn)
        .optional()?;
    if event.is_some() {
        crate::db::update(
            d::table.find(id),
            (
                d::status.eq(DeliveryStatus::Pending),
                d::attempts.eq(0),
                d::next_attempt_at.eq(now),
                d::claimed_until.eq(None::<NaiveDateTime>),
            ),
        )
        .execute_on(conn)?;
        commit_signal::mark(commit_signal::Work::Webhooks);
    }
    Ok(event)
}

/// Housekeeping: settled deliveries made before `before`, and the events left with
/// none. Pending ones stay, however old.
pub fn prune_settled(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let deliveries = diesel::delete(
        d::table
            .filter(d::status.ne(DeliveryStatus::Pending))
            .filter(d::created_at.lt(before)),
    )
    .execute_on(conn)?;
    let events = diesel::delete(ev::table.filter(ev::created_at.lt(before)).filter(
        diesel::dsl::not(diesel::dsl::exists(d::table.filter(d::event_id.eq(ev::id)))),
    ))
    .execute_on(conn)?;
    Ok(deliveries + events)
}
