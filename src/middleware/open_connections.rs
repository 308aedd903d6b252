//! The cap on open client connections, and a clear word when it is reached.
//!
//! actix enforces the cap: each worker stops accepting while it holds its share
//! (`max_connections`), and new connections wait in the kernel's listen backlog until
//! one closes. A server that silently stops accepting looks down, so every accepted
//! connection also carries a `Counted` guard in its extensions (actix drops them with
//! the connection), and reaching the cap is logged, at most every ten seconds.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Extensions;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;

/// Descriptors kept for everything but client connections: database connections,
/// SQLite's files, the metrics listener, mail, logs.
const RESERVED_DESCRIPTORS: u64 = 256;
const WARN_EVERY: Duration = Duration::from_secs(10);

pub struct OpenConnections {
    open: AtomicUsize,
    cap: usize,
    last_warning: Mutex<Option<Instant>>,
    gauge: Gauge,
    cap_reached: Counter,
}

impl OpenConnections {
    /// `cap` connections in all, as `per_worker` allows them spread over `workers`.
    pub fn new(cap: usize, gauge: Gauge, cap_reached: Counter) -> Self {
        Self {
            open: AtomicUsize::new(0),
            cap,
            last_warning: Mutex::new(None),
            gauge,
            cap_reached,
        }
    }

    /// Each worker's share of the cap (actix counts per worker).
    pub fn per_worker(&self, workers: usize) -> usize {
        self.cap.div_ceil(workers.max(1)).max(1)
    }

    /// Called by actix for every accepted connection.
    pub fn on_connect(self: &Arc<Self>, extensions: &mut Extensions) {
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.gauge.inc();
        extensions.insert(Counted(self.clone()));
        if open >= self.cap {
            self.cap_reached.inc();
            self.warn(open);
        }
    }

    fn warn(&self, open: usize) {
        let Ok(mut last) = self.last_warning.lock() else {
            return;
        };
        if last.is_some_and(|at| at.elapsed() < WARN_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        log::warn!(
            "connection cap reached: {open} client connections open (MAX_CONNECTIONS={}); \
             new connections wait in the listen backlog until one closes",
            self.cap
        );
    }
}

/// One open connection; dropped with it.
struct Counted(Arc<OpenConnections>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
        self.0.gauge.dec();
    }
}

/// The cap this process can honour: `wanted`, or fewer when the descriptor limit
/// (raised to its hard maximum first) leaves less room; the reason, when lowered.
pub fn fit_to_descriptors(wanted: usize) -> (usize, Option<String>) {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(_) => return (wanted, None),
    };
    let room = usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS)).unwrap_or(usize::MAX);
    if room >= wanted {
        return (wanted, None);
    }
    let cap = room.max(1);
    let why = format!(
        "MAX_CONNECTIONS={wanted} lowered to {cap}: the open-files limit is {limit} \
         (raise it, e.g. LimitNOFILE= in a systemd unit, to allow more)"
    );
    (cap, Some(why))
}
