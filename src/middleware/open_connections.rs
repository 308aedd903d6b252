//! What happens as a connection is accepted: the cap on open client connections
//! (with a clear word when it is reached), one address's share of them, and the
//! watch that bounds the connection in time.
//!
//! actix enforces the cap: each worker stops accepting while it holds its share
//! (`max_connections`), and new connections wait in the kernel's listen backlog until
//! one closes. A server that silently stops accepting looks down, so every accepted
//! connection also carries a `Counted` guard in its extensions (actix drops them with
//! the connection), and reaching the cap is logged, at most every ten seconds.
//!
//! A connection from an address that holds its share already (`address_share`) is
//! answered 429 and shut before anything of it is read.

use std::any::Any;
use std::io::Write;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;

use super::address_share::{AddressShares, ShareRules, Slot};
use super::connection_watch::{ConnectionWatch, Deadlines};
use crate::error::{ErrorBody, ErrorCode};
use crate::i18n::Lang;

/// Descriptors kept for everything but client connections: database connections,
/// SQLite's files, the metrics listener, mail, logs.
const RESERVED_DESCRIPTORS: u64 = 256;
/// Descriptors one client connection holds: its socket, and the watch's duplicate.
const DESCRIPTORS_PER_CONNECTION: u64 = 2;
const WARN_EVERY: Duration = Duration::from_secs(10);

/// What a connection over its address's share is told before it is shut: the API's
/// RATE_LIMITED envelope, built once.
static OVER_SHARE: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let body = ErrorBody::new(ErrorCode::RateLimited).to_bytes(Lang::En);
    let mut answer = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
});

/// The metrics the accepting side keeps.
pub struct ConnectionMetrics {
    pub open: Gauge,
    pub cap_reached: Counter,
    pub refused_per_address: Counter,
    pub closed_by_deadline: Counter,
}

pub struct OpenConnections {
    open: AtomicUsize,
    cap: usize,
    last_warning: Mutex<Option<Instant>>,
    gauge: Gauge,
    cap_reached: Counter,
    shares: Arc<AddressShares>,
    deadlines: Deadlines,
}

impl OpenConnections {
    /// `cap` connections in all, as `per_worker` allows them spread over `workers`;
    /// `share` of them from one address; a request head within `header_timeout`.
    pub fn new(
        cap: usize,
        share: ShareRules,
        header_timeout: Duration,
        metrics: ConnectionMetrics,
    ) -> Self {
        Self {
            open: AtomicUsize::new(0),
            cap,
            last_warning: Mutex::new(None),
            gauge: metrics.open,
            cap_reached: metrics.cap_reached,
            shares: Arc::new(AddressShares::new(share, metrics.refused_per_address)),
            deadlines: Deadlines {
                header: header_timeout,
                closed: metrics.closed_by_deadline,
            },
        }
    }

    /// Each worker's share of the cap (actix counts per worker).
    pub fn per_worker(&self, workers: usize) -> usize {
        self.cap.div_ceil(workers.max(1)).max(1)
    }

    /// Called by actix for every accepted connection, before anything is read of it.
    pub fn on_connect(self: &Arc<Self>, connection: &dyn Any, extensions: &mut Extensions) {
        let stream = connection.downcast_ref::<TcpStream>();
        let peer = stream.and_then(|s| s.peer_addr().ok()).map(|a| a.ip());
        let slot = match peer {
            Some(peer) => match self.shares.admit(peer) {
                Some(slot) => Some(slot),
                None => {
                    if let Some(stream) = stream {
                        refuse(stream);
                    }
                    return;
                }
            },
            None => None,
        };
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.gauge.inc();
        extensions.insert(Counted {
            connections: self.clone(),
            _slot: slot,
        });
        if let Some(watch) = stream.and_then(|s| ConnectionWatch::start(s, self.deadlines.clone()))
        {
            extensions.insert(watch);
        }
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

/// Answers 429 on a connection over its address's share and shuts it; actix then
/// reads its end and drops it without reading a request. Written through a duplicate
/// descriptor before actix writes anything; a full send buffer only loses the words.
fn refuse(stream: &TcpStream) {
    if let Ok(fd) = stream.as_fd().try_clone_to_owned() {
        let mut socket = std::net::TcpStream::from(fd);
        let _ = socket.write(&OVER_SHARE);
        let _ = socket.shutdown(std::net::Shutdown::Both);
    }
}

/// One open connection; dropped with it.
struct Counted {
    connections: Arc<OpenConnections>,
    _slot: Option<Slot>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.connections.open.fetch_sub(1, Ordering::Relaxed);
        self.connections.gauge.dec();
    }
}

/// The cap this process can honour: `wanted`, or fewer when the descriptor limit
/// (raised to its hard maximum first) leaves less room; the reason, when lowered.
pub fn fit_to_descriptors(wanted: usize) -> (usize, Option<String>) {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(_) => return (wanted, None),
    };
    let room =
        usize::try_from(limit.saturating_sub(RESERVED_DESCRIPTORS) / DESCRIPTORS_PER_CONNECTION)
            .unwrap_or(usize::MAX);
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
