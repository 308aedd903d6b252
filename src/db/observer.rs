//! The one diesel instrumentation each pooled connection carries: the statement
//! counters (`counters`), and whether the connection lately answered, so that the pool
//! need not ask it again before every checkout.
//!
//! Pinging a PostgreSQL connection at checkout cost every request a second round
//! trip. Like HikariCP's alive-bypass window, a connection that answered a query within
//! `ALIVE_BYPASS` is handed out unasked; one idle for longer (the usual state after a
//! database restart) is pinged first. One that a query finds dead is dropped by the
//! pool (`ConnectionManager::has_broken`).

use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};

use super::DbConnection;
use super::telemetry::StatementCounter;

/// How long a connection that answered counts as alive without a ping.
pub const ALIVE_BYPASS: Duration = Duration::from_millis(500);

pub struct Observer {
    pub counter: StatementCounter,
    answered_at: Option<Instant>,
}

impl Observer {
    pub fn new(counter: StatementCounter) -> Self {
        Self {
            counter,
            answered_at: None,
        }
    }

    fn watch(&mut self, event: &InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery { error: None, .. } = event {
            self.answered_at = Some(Instant::now());
        }
    }
}

impl Instrumentation for Observer {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        self.watch(&event);
        self.counter.on_connection_event(event);
    }
}

/// The observer of `conn`, unless it was opened without one.
pub fn of(conn: &mut DbConnection) -> Option<&mut Observer> {
    conn.instrumentation().downcast_mut::<Observer>()
}

/// Whether `conn` answered a query within `ALIVE_BYPASS`.
pub fn answered_lately(conn: &mut DbConnection) -> bool {
    of(conn)
        .and_then(|o| o.answered_at)
        .is_some_and(|at| at.elapsed() < ALIVE_BYPASS)
}
