//! Whether this instance is shutting down, and the shutdown itself: the first SIGTERM
//! (or SIGINT) turns readiness off and makes every answer close its connection for
//! SHUTDOWN_DRAIN_SECONDS, so that a load balancer stops sending and drops its pooled
//! connections while they still work; then the listener stops accepting (after taking
//! the connections already made: `listener_close`) and requests in flight get
//! SHUTDOWN_TIMEOUT_SECONDS. A second signal stops at once. Queued mail
//! and webhook deliveries stay in the database for another instance or the next start.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::dev::ServerHandle;

/// Shared by the handlers (readiness, `Connection: close`) and the signal watcher.
#[derive(Debug, Default)]
pub struct Lifecycle {
    draining: AtomicBool,
}

impl Lifecycle {
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }
}

/// The servers one signal stops, and how.
pub struct Shutdown {
    pub lifecycle: std::sync::Arc<Lifecycle>,
    pub servers: Vec<ServerHandle>,
    /// The main listener's second handle, when there is one.
    pub listener: Option<crate::listener_close::Listener>,
    pub drain: Duration,
}

/// Watches SIGTERM and SIGINT from now on (before the listener is announced, so no
/// early signal kills the process outright) and spawns the shutdown they start.
pub fn watch_signals(shutdown: Shutdown) -> std::io::Result<()> {
    let signals = Signals::new()?;
    actix_web::rt::spawn(on_signals(signals, shutdown));
    Ok(())
}

/// Waits for a signal and shuts down as the module says; returns once the servers
/// were told to stop.
async fn on_signals(mut signals: Signals, mut shutdown: Shutdown) {
    signals.next().await;
    shutdown.lifecycle.begin_drain();
    log::info!(
        "shutting down: readiness is off; serving with Connection: close for {}s, then finishing requests in flight",
        shutdown.drain.as_secs()
    );
    let stopped_at_once = tokio::select! {
        () = tokio::time::sleep(shutdown.drain) => false,
        () = signals.next() => true,
    };
    if stopped_at_once {
        stop_now(&shutdown.servers).await;
        return;
    }
    if let Some(listener) = &shutdown.listener {
        listener.stop_new_connections(Duration::from_secs(1)).await;
    }
    log::info!("shutting down: no new connections; waiting for requests in flight");
    let graceful =
        futures_util::future::join_all(shutdown.servers.iter().map(|server| server.stop(true)));
    // The stop is asked for: the socket closes with the server's own handle, and a
    // client's SYN sent again finds the port closed instead of dropped.
    shutdown.listener = None;
    tokio::select! {
        _ = graceful => log::info!("shutting down: every request answered"),
        () = signals.next() => stop_now(&shutdown.servers).await,
    }
}

async fn stop_now(servers: &[ServerHandle]) {
    log::warn!("second signal: stopping at once, requests in flight are dropped");
    futures_util::future::join_all(servers.iter().map(|server| server.stop(false))).await;
}

/// SIGTERM and SIGINT as one stream.
struct Signals {
    term: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}
