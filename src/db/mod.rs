//! Connections, the pool, migrations and the queries, for SQLite and PostgreSQL alike.

pub mod audit;
pub mod backup;
mod cached_update;
pub mod commit_signal;
mod connection;
pub mod decisions;
mod error;
pub(crate) mod form_tokens;
pub mod identities;
pub mod mail_queue;
pub mod management_keys;
pub mod migrations;
mod observer;
pub(crate) mod overview;
pub mod passkeys;
mod query;
pub mod readiness;
pub(crate) mod recovery_codes;
pub mod schema;
pub mod sealed_columns;
pub mod session_reads;
pub mod sessions;
pub mod signing_keys;
pub mod single_use;
mod sqlite_hooks;
pub(crate) mod telemetry;
pub(crate) mod throttles;
pub(crate) mod two_factor;
pub mod user_object;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use actix_web::web;

pub use cached_update::update;
pub use connection::{ConnectionManager, DbConnection};
pub use error::DbError;
pub use query::{RunOn, columns, in_transaction, transaction, write_transaction};
pub use telemetry::{DbCounters, KindLabels, PoolEvents};

use crate::config::DatabaseUrl;

pub type Pool = r2d2::Pool<ConnectionManager>;

/// Builds the pool without connecting: the process starts (and /api/health answers
/// 503) even when the database is down, and connections come back by themselves.
pub fn build_pool(
    url: &DatabaseUrl,
    max_size: u32,
    timeout: Duration,
    counters: std::sync::Arc<DbCounters>,
    events: PoolEvents,
) -> Pool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // A PostgreSQL restart leaves dead connections in the pool; checking one out
        // that has been idle with a ping throws those away instead of failing a request
        // with them (`observer`: one that answered lately is not asked again). A SQLite
        // connection is a file handle that cannot die that way, and the ping cost every
        // request a statement and a WAL read lock (profiled: 6% of /me).
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .event_handler(Box::new(events))
        .build_unchecked(ConnectionManager::new(url.clone(), counters))
}

/// Runs database work on the blocking thread pool, never on an actix worker. The work
/// answers in the caller's error type, which only has to take a `DbError`: this layer
/// does not know what its callers make of a failure.
pub async fn run<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get().map_err(DbError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|e| DbError::Interrupted(e.to_string()))?
}

/// A use case's writes: `work` runs in one `write_transaction` on the blocking pool,
/// committed when it answers Ok (an outcome the use case wants kept, a wrong code
/// counted, is an Ok), rolled back on Err.
pub async fn write<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    run(pool, move |conn| write_transaction(conn, work)).await
}

/// Database work that only reads. On SQLite, with a connection idle in the pool, it
/// runs right here on the calling worker: reading an indexed row of a page-cached
/// file costs less than the hop to the blocking pool and back (profiled: that hop was
/// the largest part of /me), and a WAL reader never waits for a writer. On PostgreSQL
/// (a network round trip), or when no connection is idle (taking one could wait), it
/// runs on the blocking pool as `run` does. `work` must not write: a write can wait
/// for SQLite's lock.
pub async fn run_read<T, E, F>(pool: &Pool, url: &DatabaseUrl, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    if matches!(url, DatabaseUrl::Sqlite(_))
        && let Some(mut conn) = pool.try_get()
    {
        return work(&mut conn);
    }
    run(pool, work).await
}

/// Whether an insert failed on a unique index (two sign-ups racing for one address).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// A LIKE pattern matching `q` anywhere, with LIKE's wildcards escaped (used with
/// `escape('\\')`) so that a search for `100%` finds that text.
fn like_pattern(q: &str) -> String {
    format!("%{}%", escape_like(q))
}

/// A LIKE pattern matching what starts with `q`.
fn prefix_pattern(q: &str) -> String {
    format!("{}%", escape_like(q))
}

fn escape_like(q: &str) -> String {
    q.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Milliseconds-precise "now" in UTC. Both backends store naive UTC timestamps;
/// truncating to microseconds keeps values equal after a round trip on either.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}
