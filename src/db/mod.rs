//! Connections, the pool, migrations and the queries, for SQLite and PostgreSQL alike.

pub mod accounts;
pub mod audit;
mod cached;
mod connection;
pub mod counters;
pub mod migrations;
pub mod reset_tokens;
pub mod schema;
pub mod sessions;
pub mod social_sign_ins;
mod sqlite_hooks;
pub mod stats;
pub mod throttles;
pub mod users;
pub mod verification_tokens;

use std::time::Duration;

use actix_web::web;

pub use cached::update;
pub use connection::{ConnectionManager, DbConnection};
pub use counters::DbCounters;

use crate::config::DatabaseUrl;
use crate::error::ApiError;
use crate::metrics::{Metrics, PoolEvents};

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Builds the pool without connecting: the process starts (and /api/health answers
/// 503) even when the database is down, and connections come back by themselves.
pub fn build_pool(url: &DatabaseUrl, max_size: u32, timeout: Duration, metrics: &Metrics) -> Pool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // A PostgreSQL restart leaves dead connections in the pool; checking each one
        // out with a ping throws those away instead of failing a request with them. A
        // SQLite connection is a file handle that cannot die that way, and the ping
        // cost every request a statement and a WAL read lock (profiled: 6% of /me).
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .event_handler(Box::new(PoolEvents::new(metrics)))
        .build_unchecked(ConnectionManager::new(url.clone(), metrics.db.clone()))
}

/// Runs database work on the blocking thread pool, never on an actix worker.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// Runs `$body` with `$conn` bound to the inner connection of either backend: the
/// query is built and run for that backend directly. Through the MultiConnection
/// wrapper every run first renders the SQL text again (twice: for the cache check and
/// for the binds; profiled at a fifth of /me's CPU), so the queries of every
/// authenticated request are written this way.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($inner) => $body,
            $crate::db::DbConnection::Postgres($inner) => $body,
        }
    };
}

/// Whether the database answers (the health check).
pub fn ping(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    diesel::r2d2::R2D2Connection::ping(conn)
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

/// An ordinary transaction: committed when `work` succeeds, rolled back otherwise.
pub fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    conn.transaction(work)
}

/// A transaction that reads before it writes. On SQLite it takes the write lock up
/// front (`BEGIN IMMEDIATE`): a deferred transaction that read first cannot upgrade
/// once another writer committed, and fails with SQLITE_BUSY instead of waiting. On
/// PostgreSQL it is an ordinary transaction.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};

    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    if let DbConnection::Sqlite(sqlite) = conn {
        type Manager = AnsiTransactionManager;
        match &result {
            Ok(_) => <Manager as TransactionManager<diesel::SqliteConnection>>::commit_transaction(
                sqlite,
            )?,
            Err(_) => {
                let _ =
                    <Manager as TransactionManager<diesel::SqliteConnection>>::rollback_transaction(
                        sqlite,
                    );
            }
        }
    }
    result
}
