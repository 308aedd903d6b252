//! Builds the application: binds the listener (port 0 in tests), wires middleware,
//! shared state and routes in one place.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::bootstrap::{self, BootstrapError};
use crate::config::TrustedProxies;
use crate::config::{ConfigError, Settings};
use crate::crypto::hasher_pool::HasherPool;
use crate::crypto::jwt::JwtKeys;
use crate::limits::throttle::Throttle;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::middleware::cors;
use crate::state::AppState;
use crate::{middleware, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    #[error("BIND: cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("start-up task failed: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start the password hashing threads: {0}")]
    Hasher(std::io::Error),
    #[error(transparent)]
    Social(#[from] crate::oidc::SocialSetupError),
    #[error("WEBAUTHN_RP_ID: the passkey relying party cannot be built: {0:?}")]
    Passkeys(webauthn_rs::prelude::WebauthnError),
    #[error("the token signing keys could not be made or read: {0}")]
    SigningKeys(crate::failure::Fault),
    #[error(transparent)]
    ServingLock(#[from] crate::db::backup::BackupError),
}

pub struct Application {
    port: u16,
    server: Server,
    /// The METRICS_BIND listener, when configured, and its port.
    metrics_server: Option<(u16, Server)>,
    state: AppState,
    /// A handle on the listening socket for the shutdown (`listener_close`), until
    /// `shutdown` takes it.
    listener: Option<crate::listener_close::Listener>,
    /// Held while this instance serves a SQLite file: `sekisho restore` refuses then.
    _serving: Option<crate::db::backup::ServingLock>,
}

/// Routes the caller adds beside the application's own (tests use it to mount
/// handlers that exercise the middleware, such as one that panics).
pub type ExtraRoutes = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        Self::build_with(settings, Arc::new(|_| {})).await
    }

    pub async fn build_with(settings: Settings, extra: ExtraRoutes) -> Result<Self, StartupError> {
        let settings = Arc::new(settings);
        crate::private_files::owner_only_from_now_on();
        crate::private_files::tighten_existing(&settings);
        let prepared = settings.clone();
        web::block(move || -> Result<(), BootstrapError> {
            migrate_or_check(&prepared)?;
            bootstrap::ensure_configured_admin(&prepared)
        })
        .await??;

        let serving = crate::db::backup::ServingLock::shared(&settings.database.url)?;
        let listener =
            TcpListener::bind(&settings.server.bind).map_err(|source| StartupError::Bind {
                addr: settings.server.bind.clone(),
                source,
            })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: settings.server.bind.clone(),
                source,
            })?
            .port();
        // Without it a shutdown still drains, and resets what the listener's queue
        // holds when it closes.
        let listener_handle = crate::listener_close::Listener::of(&listener)
            .inspect_err(|error| log::warn!("no second handle on the listener: {error}"))
            .ok();

        let hasher_threads = settings.server.hasher_threads.unwrap_or_else(cores);
        let metrics = Arc::new(Metrics::new());
        let pool = crate::db::build_pool(
            &settings.database.url,
            settings.database.pool_size,
            settings.database.timeout,
            metrics.db.clone(),
            metrics.pool_events(),
        );
        let state = AppState {
            session_reads: Arc::new(crate::db::session_reads::SessionReads::new(pool.clone())),
            pool,
            hasher: HasherPool::start(hasher_threads, metrics.hash_queue())
                .map_err(StartupError::Hasher)?,
            jwt: JwtKeys::new(&settings.secret_key, &settings.tokens),
            mailer: Mailer::from_settings(&settings)?,
            throttle: Arc::new(Throttle::new(
                settings.accounts.rate_limit_enabled,
                settings.accounts.ipv6_prefix_length,
            )),
            proxies: TrustedProxies::new(settings.server.trusted_proxies.clone()),
            social: crate::oidc::SocialProviders::start(&settings, port)?,
            passkeys: passkey_relying_party(&settings)?,
            settings: settings.clone(),
            metrics,
            lifecycle: Arc::new(crate::lifecycle::Lifecycle::default()),
            refusal_log: Arc::default(),
        };
        crate::auth::signing_keys::ensure(&state.pool, &settings, &state.jwt)
            .await
            .map_err(StartupError::SigningKeys)?;
        if !settings.accounts.rate_limit_enabled {
            log::warn!("RATE_LIMIT_ENABLED=false: logins are not rate limited (benchmarks only)");
        }
        let app_state = web::Data::new(state.clone());
        let (cap, lowered) = middleware::fit_to_descriptors(settings.server.max_connections);
        if let Some(why) = lowered {
            log::warn!("{why}");
        }
        let connections = Arc::new(middleware::OpenConnections::new(
            cap,
            middleware::ShareRules {
                per_address: settings.server.max_connections_per_ip,
                exempt: settings.server.trusted_proxies.clone(),
                ipv6_prefix: settings.accounts.ipv6_prefix_length,
            },
            settings.server.header_timeout,
            middleware::ConnectionMetrics {
                open: state.metrics.connections_open.clone(),
                cap_reached: state.metrics.connection_cap_reached.clone(),
                refused_per_address: state.metrics.connections_refused_per_address.clone(),
                closed_by_deadline: state.metrics.connections_closed_by_deadline.clone(),
            },
        ));
        let workers = settings.server.workers.unwrap_or_else(cores);
        let per_worker = connections.per_worker(workers);
        // Which routes the session cookie authenticates, from the route table.
        let cookie_routes = crate::http::origin_check::CookieRoutes::from_document(
            &routes::api::document(&settings),
        );
        let mut server = HttpServer::new(move || {
            let extra = extra.clone();
            let (app, mut document) = App::new()
                .app_data(app_state.clone())
                .app_data(middleware::json_config())
                .app_data(web::PayloadConfig::new(middleware::BODY_LIMIT))
                // Outermost first in the request's path: the connection's watch, the body
                // deadline, metrics, log, CORS, envelope, panic guard. The watch is
                // outermost so that a request counts as answered only once its answer's
                // body is done with; the body deadline comes next so that whatever
                // answers (a CORS refusal, a re-rendered error envelope) still closes a
                // connection whose body was not read. Innermost, the CSRF origin rule
                // (a refusal still gets the envelope, CORS headers and the log).
                .wrap(middleware::GuardOrigins::new(cookie_routes.clone()))
                .wrap(from_fn(middleware::catch_panic))
                .wrap(from_fn(middleware::api_error_envelope))
                .wrap(cors::layer(
                    app_state.settings.frontend.cors_origins.clone(),
                ))
                .wrap(from_fn(cors::cors_guard))
                .wrap(from_fn(middleware::log_requests))
                .wrap(from_fn(middleware::count_requests))
                .wrap(from_fn(middleware::body_deadline))
                .wrap(from_fn(middleware::close_while_draining))
                .wrap(middleware::WatchRequests)
                .into_utoipa_app()
                .openapi(routes::api::BaseDocument::openapi())
                .configure(routes::api::configure)
                .split_for_parts();
            routes::api::finish_document(&mut document, &app_state.settings);
            let admin_state = app_state.clone();
            let metrics_token = app_state.settings.metrics.token.clone();
            app.app_data(web::Data::new(document))
                .configure(routes::api_docs::configure)
                .configure(routes::jwks::configure)
                .configure(move |cfg| routes::metrics::configure_public(cfg, metrics_token))
                .configure(move |cfg| routes::admin::configure(cfg, &admin_state))
                .configure(move |cfg| extra(cfg))
                .service(web::scope("/api").default_service(web::to(routes::api::not_found)))
        })
        .on_connect(move |connection, extensions| connections.on_connect(connection, extensions))
        .max_connections(per_worker)
        // The first request head, and idle keep-alive before the next one's first
        // byte; the connection's watch covers every later head (`connection_watch`).
        .client_request_timeout(settings.server.header_timeout)
        .keep_alive(settings.server.header_timeout)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: settings.server.bind.clone(),
            source,
        })?;
        server = server
            .workers(workers)
            // The binary watches the signals itself (`lifecycle`): drain first.
            .disable_signals()
            .shutdown_timeout(settings.server.shutdown_timeout.as_secs());
        // After an answer to an unfinished body the socket is shut at once, without
        // actix's linger (reading and discarding for up to this timeout): under a flood
        // of such bodies a share of lingering sockets never closed (measured: 129 to
        // 1,078 of 5,000 still open after 30 s; none without the linger). The answer is
        // written before the shutdown.
        server = server.client_disconnect_timeout(std::time::Duration::ZERO);
        // Database work is all the blocking pool does (argon2 has its own threads),
        // and a thread without a pooled connection only waits for one: threads beyond
        // the pool's size add context switches and lock contention, not throughput
        // (measured: /me +45% against actix's default of 512 per process).
        server = server.worker_max_blocking_threads(
            usize::try_from(settings.database.pool_size)
                .unwrap_or(usize::MAX)
                .div_ceil(workers)
                .max(1),
        );
        let server = server.run();
        let metrics_server = match &settings.metrics.bind {
            Some(addr) => Some(metrics_server(addr, &state)?),
            None => None,
        };
        spawn_housekeeping(state.pool.clone(), settings.clone());
        spawn_key_reload(state.clone());
        spawn_memory_return();
        // Its own connections, shared by the webhook and mail workers: deliveries never
        // wait for the requests' pool, nor count in its metrics.
        let webhook_pool = crate::db::build_pool(
            &settings.database.url,
            2,
            settings.database.timeout,
            Arc::new(crate::db::DbCounters::default()),
            state.metrics.pool_events(),
        );
        crate::webhooks::worker::spawn(webhook_pool.clone(), settings.clone());
        crate::mail_delivery::worker::spawn(webhook_pool, state.mailer.clone(), settings.clone());
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
            listener: listener_handle,
            _serving: serving,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The METRICS_BIND listener's port, when there is one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What a shutdown signal stops (`lifecycle::on_signals`); called once.
    pub fn shutdown(&mut self) -> crate::lifecycle::Shutdown {
        let mut servers = vec![self.server.handle()];
        servers.extend(
            self.metrics_server
                .as_ref()
                .map(|(_, server)| server.handle()),
        );
        crate::lifecycle::Shutdown {
            lifecycle: self.state.lifecycle.clone(),
            servers,
            listener: self.listener.take(),
            drain: self.state.settings.server.shutdown_drain,
        }
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics_server {
            Some((_, metrics)) => futures_util::try_join!(self.server, metrics).map(drop),
            None => self.server.await,
        }
    }
}

/// Applies pending migrations (MIGRATE_ON_START), or says what `sekisho migrate`
/// still has to apply: until then readiness answers 503.
fn migrate_or_check(settings: &Settings) -> Result<(), BootstrapError> {
    use crate::db::migrations;
    if settings.database.migrate_on_start {
        let applied = migrations::prepare(&settings.database.url)?;
        if !applied.is_empty() {
            log::info!("applied migrations: {}", applied.join(", "));
        }
        return Ok(());
    }
    let mut conn = migrations::open(&settings.database.url)?;
    let pending = migrations::pending(&mut conn).map_err(migrations::PrepareError::Migrate)?;
    if !pending.is_empty() {
        log::warn!(
            "MIGRATE_ON_START=false and {} migration(s) are not applied ({}): not ready until `sekisho migrate` runs",
            pending.len(),
            pending.join(", ")
        );
    }
    Ok(())
}

/// The METRICS_BIND listener: one worker, GET /metrics and nothing else.
fn metrics_server(addr: &str, state: &AppState) -> Result<(u16, Server), StartupError> {
    let bind_error = |source| StartupError::Bind {
        addr: addr.to_owned(),
        source,
    };
    let listener = TcpListener::bind(addr).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    let data = web::Data::new(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(routes::metrics::configure_internal)
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(bind_error)?
    .run();
    Ok((port, server))
}

/// Hands memory freed after a flood back to the system, every `memory::EVERY`.
fn spawn_memory_return() {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::memory::EVERY);
        loop {
            every.tick().await;
            crate::memory::give_back();
        }
    });
}

/// Hourly clean-up of rows nobody can use any more (see `sessions::purge_stale`),
/// unfinished social sign-ins and spent verification links.
fn spawn_housekeeping(pool: crate::db::Pool, settings: Arc<Settings>) {
    tokio::spawn(async move {
        let hour = std::time::Duration::from_secs(3600);
        let mut every_hour = tokio::time::interval_at(tokio::time::Instant::now() + hour, hour);
        loop {
            every_hour.tick().await;
            housekeeping_pass(&pool, &settings).await;
        }
    });
}

/// Loads the signing keys again every `signing_keys::RELOAD_EVERY`: a key another
/// instance rotated in is known here long before it signs.
fn spawn_key_reload(state: AppState) {
    tokio::spawn(async move {
        let every = crate::auth::signing_keys::RELOAD_EVERY;
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tick.tick().await;
            if let Err(e) =
                crate::auth::signing_keys::load(&state.pool, &state.settings, &state.jwt).await
            {
                log::warn!("the signing keys could not be loaded again: {e}");
            }
        }
    });
}

/// The relying party passkeys are checked by, or None (with a warning saying why) when
/// no domain can be one.
fn passkey_relying_party(
    settings: &Settings,
) -> Result<Option<crate::crypto::passkey::RelyingParty>, StartupError> {
    match &settings.passkeys {
        crate::config::PasskeySettings::On(rp) => {
            crate::crypto::passkey::RelyingParty::new(rp, &settings.accounts.second_factor_issuer)
                .map(Some)
                .map_err(StartupError::Passkeys)
        }
        crate::config::PasskeySettings::Off(why) => {
            log::warn!("passkeys are off: {why}");
            Ok(None)
        }
    }
}

/// One round of the hourly housekeeping: rows nobody can use any more, and bans
/// whose end has passed. Failures are logged; the next round tries again.
pub async fn housekeeping_pass(pool: &crate::db::Pool, settings: &Settings) {
    match crate::db::run(pool, |conn| -> Result<_, crate::db::DbError> {
        use crate::db::{form_tokens, sessions, single_use, throttles};
        let now = crate::db::now();
        let windows_start = now - crate::limits::throttle::LONGEST_WINDOW;
        Ok(sessions::purge_stale(conn, now)?
            + throttles::purge_ended(conn, windows_start, now)?
            + form_tokens::purge_expired(conn, now)?
            + single_use::purge_expired(conn, now)?
            + crate::db::webhooks::prune_settled(
                conn,
                now - crate::webhooks::worker::KEEP_SETTLED,
            )?)
    })
    .await
    {
        Ok(0) => {}
        Ok(n) => log::info!("housekeeping: removed {n} stale rows"),
        Err(e) => log::warn!("housekeeping failed: {e}"),
    }
    match crate::auth::signing_keys::retire_expired(pool, settings).await {
        Ok(retired) if retired.is_empty() => {}
        Ok(retired) => log::info!("housekeeping: signing keys retired: {}", retired.join(", ")),
        Err(e) => log::warn!("housekeeping could not retire signing keys: {e}"),
    }
    match crate::admin::users::lift_ended_bans(pool).await {
        Ok(0) => {}
        Ok(n) => log::info!("housekeeping: {n} bans ended"),
        Err(e) => log::warn!("housekeeping could not end bans: {e}"),
    }
}

/// The machine's cores: the default number of workers and of hashing threads.
fn cores() -> usize {
    std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
}
