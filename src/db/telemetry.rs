//! What the connections of one pool count, exposed as metrics: queries, the queries
//! that had to be compiled first (the proof that the statement cache is hit; the tests
//! read it through /metrics), and sessions created and revoked, counted where the rows
//! are written so that no path is missed.
//!
//! On SQLite the count is exact: the database itself says when it compiles
//! (`sqlite_hooks`). PostgreSQL does not, so there diesel's own events count: a
//! statement prepared into the cache, and (in debug builds, where finding the query's
//! SQL text per run is affordable) a query that ran without the cache.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::histogram::Histogram;

use super::DbConnection;

/// The label of a count by session kind.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

/// Counters shared by every connection of one pool.
#[derive(Debug, Default)]
pub struct DbCounters {
    /// Queries run (transaction control included).
    pub queries: Counter,
    /// Pings sent before handing out a connection that had been idle.
    pub pings: Counter,
    /// Queries whose SQL had to be compiled before they ran (BEGIN/COMMIT left out).
    pub compiled: Counter,
    pub sessions_created: Family<KindLabels, Counter>,
    pub sessions_revoked: Counter,
}

/// r2d2's checkout events, into a wait histogram and a timeout counter that whoever
/// exposes metrics registers (this layer only counts).
#[derive(Debug)]
pub struct PoolEvents {
    pub wait: Histogram,
    pub timeouts: Counter,
}

impl r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: r2d2::event::CheckoutEvent) {
        self.wait.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, event: r2d2::event::TimeoutEvent) {
        self.timeouts.inc();
        self.wait.observe(event.timeout().as_secs_f64());
    }
}

/// Runs `count` on the counters `conn` reports to (a connection opened outside the
/// server's pool, such as the command line's, reports to counters nobody reads).
pub(super) fn count(conn: &mut DbConnection, count: impl FnOnce(&DbCounters)) {
    if let Some(observer) = super::observer::of(conn) {
        count(&observer.counter.stats);
    }
}

/// The diesel instrumentation of one connection.
pub struct StatementCounter {
    stats: Arc<DbCounters>,
    how: Detection,
}

enum Detection {
    /// Raised by SQLite's authorizer while it compiles.
    Sqlite(Arc<AtomicBool>),
    /// diesel's cache events; in debug builds also the SQL the cache holds, to spot a
    /// query run without it.
    Diesel {
        cached: std::collections::HashSet<String>,
        running: Option<String>,
    },
}

impl StatementCounter {
    pub fn sqlite(stats: Arc<DbCounters>, compiling: Arc<AtomicBool>) -> Self {
        Self {
            stats,
            how: Detection::Sqlite(compiling),
        }
    }

    pub fn diesel(stats: Arc<DbCounters>) -> Self {
        Self {
            stats,
            how: Detection::Diesel {
                cached: Default::default(),
                running: None,
            },
        }
    }
}

/// The SQL of a query as diesel shows it ("SQL -- binds: [...]").
fn sql_text(shown: String) -> String {
    match shown.split_once(" -- binds: ") {
        Some((sql, _)) => sql.to_owned(),
        None => shown,
    }
}

fn is_transaction_control(sql: &str) -> bool {
    let word = sql.split_whitespace().next().unwrap_or("");
    ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match (event, &mut self.how) {
            (InstrumentationEvent::StartQuery { query, .. }, how) => {
                self.stats.queries.inc();
                match how {
                    Detection::Sqlite(compiling) => compiling.store(false, Ordering::Relaxed),
                    Detection::Diesel { running, .. } if cfg!(debug_assertions) => {
                        *running = Some(sql_text(query.to_string()));
                    }
                    Detection::Diesel { .. } => {}
                }
            }
            (
                InstrumentationEvent::CacheQuery { sql, .. },
                Detection::Diesel { cached, running },
            ) => {
                self.stats.compiled.inc();
                cached.insert(sql.to_owned());
                *running = None;
            }
            (InstrumentationEvent::FinishQuery { .. }, Detection::Sqlite(compiling))
                if compiling.swap(false, Ordering::Relaxed) =>
            {
                self.stats.compiled.inc();
            }
            (InstrumentationEvent::FinishQuery { .. }, Detection::Diesel { cached, running }) => {
                if let Some(sql) = running.take()
                    && !cached.contains(&sql)
                    && !is_transaction_control(&sql)
                {
                    self.stats.compiled.inc();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_is_what_comes_before_the_binds() {
        assert_eq!(
            sql_text("SELECT 1 FROM t WHERE a = $1 -- binds: [\"x\"]".into()),
            "SELECT 1 FROM t WHERE a = $1"
        );
        assert!(is_transaction_control("BEGIN"));
        assert!(is_transaction_control("  commit"));
        assert!(!is_transaction_control("SELECT 1"));
    }
}
