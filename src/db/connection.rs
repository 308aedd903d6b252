//! One connection type for SQLite and PostgreSQL, and the r2d2 manager that picks
//! the backend from the URL's scheme.
//!
//! `DbConnection` is a plain enum, not diesel's `MultiConnection`: through that
//! wrapper every query rendered its SQL text again on every run (twice: for the cache
//! check and for the binds), profiled at a fifth of /me's CPU. Queries run on the
//! backend's own connection instead (`db::query`), and since this type is not a diesel
//! `Connection`, a query cannot be run any other way.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use diesel::connection::{Instrumentation, SimpleConnection};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, ConnectionError, PgConnection, QueryResult, SqliteConnection};

use super::observer::{self, Observer};
use super::sqlite_hooks;
use super::telemetry::{DbCounters, StatementCounter};
use crate::config::DatabaseUrl;

/// One connection type for both backends; queries are written once and run on
/// whichever it holds (`db::RunOn`, `per_backend!`).
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    /// Whether the database answers (`SELECT 1`).
    pub fn ping(&mut self) -> QueryResult<()> {
        match self {
            Self::Postgres(conn) => conn.ping(),
            Self::Sqlite(conn) => conn.ping(),
        }
    }

    /// Runs SQL text as is, without binds and without the statement cache
    /// (migrations, pragmas, locks).
    pub fn batch_execute(&mut self, sql: &str) -> QueryResult<()> {
        match self {
            Self::Postgres(conn) => conn.batch_execute(sql),
            Self::Sqlite(conn) => conn.batch_execute(sql),
        }
    }

    /// Left in a state the pool must not hand out again (a transaction that could not
    /// be closed).
    pub fn is_broken(&mut self) -> bool {
        match self {
            Self::Postgres(conn) => conn.is_broken(),
            Self::Sqlite(conn) => conn.is_broken(),
        }
    }

    pub fn instrumentation(&mut self) -> &mut dyn Instrumentation {
        match self {
            Self::Postgres(conn) => conn.instrumentation(),
            Self::Sqlite(conn) => conn.instrumentation(),
        }
    }
}

/// The r2d2 manager: the backend comes from the URL's scheme.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    stats: Arc<DbCounters>,
}

impl ConnectionManager {
    /// Every connection it opens counts its queries into `stats`.
    pub fn new(url: DatabaseUrl, stats: Arc<DbCounters>) -> Self {
        Self { url, stats }
    }
}

// Concurrent use of one SQLite file by the whole pool: readers never wait for the
// writer (WAL), a writer waits for the lock instead of failing at once (busy_timeout),
// fsync only at checkpoints (NORMAL is safe with WAL), and the schema's foreign keys
// are enforced (off by default in SQLite).
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 5000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;";

/// Runs SQLITE_SETUP. Switching a new file to WAL needs it alone for a moment, and
/// SQLite answers "database is locked" at once (busy_timeout does not cover it) when
/// another process is doing the same, e.g. two instances starting on one new file:
/// that is waited out, five seconds at most.
fn set_up_sqlite(conn: &mut SqliteConnection) -> Result<(), ConnectionError> {
    let mut tries = 0;
    loop {
        match conn.batch_execute(SQLITE_SETUP) {
            Ok(()) => return Ok(()),
            Err(diesel::result::Error::DatabaseError(_, info))
                if tries < 50 && info.message().contains("database is locked") =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => return Err(ConnectionError::CouldntSetupConfiguration(e)),
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let compiling = Arc::new(AtomicBool::new(false));
                let mut conn = sqlite_hooks::open_with_compile_flag(compiling.clone(), || {
                    SqliteConnection::establish(path)
                })?;
                set_up_sqlite(&mut conn)?;
                conn.set_instrumentation(Observer::new(StatementCounter::sqlite(
                    self.stats.clone(),
                    compiling,
                )));
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.set_instrumentation(Observer::new(StatementCounter::diesel(
                    self.stats.clone(),
                )));
                Ok(DbConnection::Postgres(conn))
            }
        }
    }

    /// A connection that answered within `observer::ALIVE_BYPASS` is not asked again.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        if observer::answered_lately(conn) {
            return Ok(());
        }
        self.stats.pings.inc();
        conn.ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    /// A query that found the server gone leaves diesel's transaction manager in
    /// error (diesel reads libpq's transaction status after every query), so a dead
    /// connection is dropped here rather than handed out again.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}
