//! Prometheus metrics of one server, exposed at `/metrics` (see `routes::metrics` for
//! who may read them). Counters are cheap atomics; gauges that describe a pool are
//! read when scraped.

use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::crypto::hasher_pool::QueueMetrics;
use crate::db::{DbCounters, Pool, PoolEvents};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// A standard method's name, `other` for any other: clients choose the method.
    pub method: &'static str,
    /// The route's pattern (`/api/v1/auth/sessions/{id}`), never the raw path: the
    /// label's values stay few whatever clients send.
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

/// Every metric the server keeps, registered once.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub request_seconds: Family<RequestLabels, Histogram>,
    pub rate_limited: Family<RouteLabels, Counter>,
    pub login_failures: Counter,
    pub connections_open: Gauge,
    pub connection_cap_reached: Counter,
    pub connections_refused_per_address: Counter,
    pub connections_closed_by_deadline: Counter,
    pub hash_queue_depth: Gauge,
    pub hash_wait_seconds: Histogram,
    pub pool_connections: Gauge,
    pub pool_in_use: Gauge,
    pub pool_max: Gauge,
    pub pool_wait_seconds: Histogram,
    pub pool_timeouts: Counter,
    /// Counted by the pool's connections: queries, compilations, sessions.
    pub db: Arc<DbCounters>,
}

/// 0.25 ms to about 4 s: from a cached lookup to a queued password hash.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sekisho");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let buckets: fn() -> Histogram = latency_buckets;
        let request_seconds = Family::<RequestLabels, Histogram>::new_with_constructor(buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by method, route and status",
            request_seconds.clone(),
        );
        let rate_limited = Family::<RouteLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused with 429 RATE_LIMITED, by route",
            rate_limited.clone(),
        );
        let login_failures = Counter::default();
        registry.register(
            "login_failures",
            "Wrong email or password at /login, /token and the admin panel",
            login_failures.clone(),
        );
        let connections_open = Gauge::default();
        registry.register(
            "connections_open",
            "Client connections open on the main listener",
            connections_open.clone(),
        );
        let connection_cap_reached = Counter::default();
        registry.register(
            "connection_cap_reached",
            "Connections accepted when MAX_CONNECTIONS were open (the listener pauses)",
            connection_cap_reached.clone(),
        );
        let connections_refused_per_address = Counter::default();
        registry.register(
            "connections_refused_per_address",
            "Connections shut as they were accepted: their address held its share \
             (MAX_CONNECTIONS_PER_IP)",
            connections_refused_per_address.clone(),
        );
        let connections_closed_by_deadline = Counter::default();
        registry.register(
            "connections_closed_by_deadline",
            "Connections shut because no whole request head arrived within \
             HEADER_TIMEOUT_SECONDS, or an answer took too long",
            connections_closed_by_deadline.clone(),
        );
        let hash_queue_depth = Gauge::default();
        registry.register(
            "hash_queue_depth",
            "Password hashing jobs waiting for a hashing thread",
            hash_queue_depth.clone(),
        );
        let hash_wait_seconds = latency_buckets();
        registry.register(
            "hash_wait_seconds",
            "Time a password hashing job waited for a hashing thread",
            hash_wait_seconds.clone(),
        );
        let pool_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open database connections in the pool",
            pool_connections.clone(),
        );
        let pool_in_use = Gauge::default();
        registry.register(
            "db_pool_in_use",
            "Database connections checked out now",
            pool_in_use.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max",
            "The pool's maximum size (DB_POOL_SIZE)",
            pool_max.clone(),
        );
        let pool_wait_seconds = latency_buckets();
        registry.register(
            "db_pool_wait_seconds",
            "Time spent waiting to check a connection out of the pool",
            pool_wait_seconds.clone(),
        );
        let pool_timeouts = Counter::default();
        registry.register(
            "db_pool_timeouts",
            "Checkouts that gave up after DB_TIMEOUT_MS",
            pool_timeouts.clone(),
        );
        let db = Arc::new(DbCounters::default());
        registry.register("db_queries", "Database queries run", db.queries.clone());
        registry.register(
            "db_checkout_pings",
            "Pings sent to check a connection before handing it out (PostgreSQL \
             connections idle for more than 500 ms)",
            db.pings.clone(),
        );
        registry.register(
            "db_statements_compiled",
            "Queries whose SQL the database had to compile first (a warm statement cache \
             keeps this flat; BEGIN and COMMIT are not counted)",
            db.compiled.clone(),
        );
        registry.register(
            "sessions_created",
            "Sessions started, by kind (browser, bearer, admin)",
            db.sessions_created.clone(),
        );
        registry.register(
            "sessions_revoked",
            "Sessions revoked (logout, revocation, disabled or withdrawn accounts, reuse)",
            db.sessions_revoked.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            rate_limited,
            connections_open,
            connection_cap_reached,
            connections_refused_per_address,
            connections_closed_by_deadline,
            login_failures,
            hash_queue_depth,
            hash_wait_seconds,
            pool_connections,
            pool_in_use,
            pool_max,
            pool_wait_seconds,
            pool_timeouts,
            db,
        }
    }

    /// What the password hashing queue reports to.
    pub fn hash_queue(&self) -> QueueMetrics {
        QueueMetrics {
            depth: self.hash_queue_depth.clone(),
            wait: self.hash_wait_seconds.clone(),
        }
    }

    /// What the pool reports its checkouts to.
    pub fn pool_events(&self) -> PoolEvents {
        PoolEvents {
            wait: self.pool_wait_seconds.clone(),
            timeouts: self.pool_timeouts.clone(),
        }
    }

    /// Counts one answered request.
    pub fn observe_request(&self, labels: RequestLabels, took: Duration) {
        if labels.status == 429 {
            self.rate_limited
                .get_or_create(&RouteLabels {
                    route: labels.route.clone(),
                })
                .inc();
        }
        self.request_seconds
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    /// The text exposition (OpenMetrics) of every metric, with the pool's gauges read now.
    pub fn render(&self, pool: &Pool) -> Result<String, std::fmt::Error> {
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_in_use.set(i64::from(
            state.connections.saturating_sub(state.idle_connections),
        ));
        self.pool_max.set(i64::from(pool.max_size()));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
