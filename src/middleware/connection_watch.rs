//! Every connection bounded in time. actix times only a connection's first request
//! head (`client_request_timeout`), and keep-alive only until the next request's
//! first byte: a connection that sent one request and then part of a second head, or
//! one header line every two seconds, was never closed (500 such sockets were all
//! open after 150 s). So each connection carries a watch: the `watch_requests`
//! middleware marks when a request reaches the app and when its answer has been
//! handed back, and a watchdog task shuts the socket when
//! - no whole request head arrived within HEADER_TIMEOUT_SECONDS of the connection's
//!   start or of the previous answer's end, or
//! - an answer took longer than `ANSWER_DEADLINE` (a client that does not read).
//!
//! A connection also serves at most `REQUESTS_PER_CONNECTION` requests: the last
//! answer says `Connection: close`.
//!
//! The watchdog shuts the socket through a duplicate of its descriptor, owned by the
//! watch: shutting a socket down reaches every descriptor of it, the dispatcher then
//! reads the end and drops the connection, and a duplicate cannot come to name
//! another connection's socket the way a bare descriptor number could once closed.

use std::cell::Cell;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::rc::{Rc, Weak};
use std::time::Duration;

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::ConnectionType;
use pin_project_lite::pin_project;
use prometheus_client::metrics::counter::Counter;
use tokio::time::Instant;

use super::carrying_body::Carrying;

/// The longest an answer may take from the request's arrival until it is handed to
/// the connection. Nothing here legitimately takes that long (the database waits at
/// most DB_TIMEOUT_MS, an account under attack at most 5 s for its turn).
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(60);
/// Requests one connection may carry before it is closed (nginx's default for
/// `keepalive_requests`): a client reconnects now and then, and one connection cannot
/// be held by one client forever however busy it keeps it.
pub const REQUESTS_PER_CONNECTION: u32 = 1000;
/// actix answers a late first head with 408 itself; before the first request the
/// watchdog waits a second longer, so that answer goes out first.
const FIRST_HEAD_GRACE: Duration = Duration::from_secs(1);

/// How long a connection may take, and what counts the ones closed for it.
#[derive(Clone)]
pub struct Deadlines {
    pub header: Duration,
    pub closed: Counter,
}

/// One connection's state, kept in its extensions (actix drops them with it).
pub struct ConnectionWatch {
    /// Requests that reached the app and whose answer is not finished yet.
    in_flight: Cell<u32>,
    served: Cell<u32>,
    /// Since when the connection has been waiting for a request head (no request in
    /// flight), or since when the oldest request in flight has been answering.
    since: Cell<Instant>,
    socket: std::net::TcpStream,
    deadlines: Deadlines,
}

/// What the middleware finds in a request's connection data.
#[derive(Clone)]
pub struct WatchHandle(Rc<ConnectionWatch>);

impl ConnectionWatch {
    /// Starts watching the connection whose socket is `stream`; None when its
    /// descriptor cannot be duplicated (then actix's own timers are all it has).
    pub fn start(stream: &impl AsFd, deadlines: Deadlines) -> Option<WatchHandle> {
        let socket = match stream.as_fd().try_clone_to_owned() {
            Ok(fd) => std::net::TcpStream::from(fd),
            Err(e) => {
                log::warn!("a connection is not watched: its socket cannot be duplicated: {e}");
                return None;
            }
        };
        let watch = Rc::new(Self {
            in_flight: Cell::new(0),
            served: Cell::new(0),
            since: Cell::new(Instant::now()),
            socket,
            deadlines,
        });
        // First woken at the earliest any deadline of it can fall; it sleeps on from
        // there while the connection moves on.
        spawn_watchdog(
            Rc::downgrade(&watch),
            Instant::now() + watch.deadlines.header,
        );
        Some(WatchHandle(watch))
    }

    fn idle_limit(&self) -> Duration {
        if self.served.get() == 0 {
            self.deadlines.header + FIRST_HEAD_GRACE
        } else {
            self.deadlines.header
        }
    }

    /// When the connection must have moved on by.
    fn deadline(&self) -> Instant {
        let limit = if self.in_flight.get() == 0 {
            self.idle_limit()
        } else {
            ANSWER_DEADLINE
        };
        self.since.get() + limit
    }

    fn request_arrived(&self) -> u32 {
        if self.in_flight.get() == 0 {
            self.since.set(Instant::now());
        }
        self.in_flight.set(self.in_flight.get() + 1);
        let served = self.served.get().saturating_add(1);
        self.served.set(served);
        served
    }

    fn answer_finished(&self) {
        let left = self.in_flight.get().saturating_sub(1);
        self.in_flight.set(left);
        if left == 0 {
            self.since.set(Instant::now());
        }
    }

    fn close(&self) {
        self.deadlines.closed.inc();
        // Already gone (the peer closed first): nothing to do.
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

/// Sleeps until the connection's deadline, and shuts it when it has not moved on by
/// then; ends with the connection.
fn spawn_watchdog(watch: Weak<ConnectionWatch>, first: Instant) {
    actix_web::rt::spawn(async move {
        let mut at = first;
        loop {
            tokio::time::sleep_until(at).await;
            let Some(watch) = watch.upgrade() else {
                return;
            };
            let deadline = watch.deadline();
            if deadline <= Instant::now() {
                watch.close();
                return;
            }
            at = deadline;
        }
    });
}

/// Marks each request on its connection's watch, from its arrival until its answer's
/// body is dropped (written, or abandoned); the connection's last allowed request
/// answers with `Connection: close`. A service of its own rather than `from_fn`: it
/// wraps every request, and `from_fn`'s boxed future per request cost /me 4%.
pub struct WatchRequests;

impl<S, B> Transform<S, ServiceRequest> for WatchRequests
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + Unpin,
{
    type Response = ServiceResponse<Watched<B>>;
    type Error = actix_web::Error;
    type Transform = WatchService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(WatchService { service }))
    }
}

pub struct WatchService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for WatchService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + Unpin,
{
    type Response = ServiceResponse<Watched<B>>;
    type Error = actix_web::Error;
    type Future = WatchedAnswer<S::Future>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let busy = req
            .conn_data::<WatchHandle>()
            .map(|handle| Busy::start(handle.0.clone()));
        WatchedAnswer {
            answer: self.service.call(req),
            busy,
        }
    }
}

pin_project! {
    /// The handler's answer, and the request's mark until the answer's body carries
    /// it (dropped with the future when the handler fails or the request is dropped).
    pub struct WatchedAnswer<F> {
        #[pin]
        answer: F,
        busy: Option<Busy>,
    }
}

impl<F, B> Future for WatchedAnswer<F>
where
    F: Future<Output = Result<ServiceResponse<B>, actix_web::Error>>,
    B: MessageBody + Unpin,
{
    type Output = Result<ServiceResponse<Watched<B>>, actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.answer.poll(cx))?;
        let busy = this.busy.take();
        if busy.as_ref().is_some_and(|b| b.last_allowed) {
            res.response_mut()
                .head_mut()
                .set_connection_type(ConnectionType::Close);
        }
        Poll::Ready(Ok(res.map_body(|_, body| Carrying::new(body, busy))))
    }
}

/// A request in flight on a watched connection; its end is marked when dropped.
pub struct Busy {
    watch: Rc<ConnectionWatch>,
    last_allowed: bool,
}

impl Busy {
    fn start(watch: Rc<ConnectionWatch>) -> Self {
        let served = watch.request_arrived();
        Self {
            watch,
            last_allowed: served >= REQUESTS_PER_CONNECTION,
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.watch.answer_finished();
    }
}

/// An answer's body, carrying its request's `Busy` mark until it is done with.
pub type Watched<B> = Carrying<B, Option<Busy>>;
