//! Builds the application: binds the listener (port 0 in tests), wires middleware,
//! shared state and routes in one place.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::bootstrap::{self, BootstrapError};
use crate::config::Settings;
use crate::middleware;
use crate::routes;
use crate::state::AppState;

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
}

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
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
        let prepared = settings.clone();
        web::block(move || -> Result<(), BootstrapError> {
            let applied = bootstrap::prepare_database(&prepared.database_url)?;
            if !applied.is_empty() {
                log::info!("applied migrations: {}", applied.join(", "));
            }
            bootstrap::ensure_configured_admin(&prepared)
        })
        .await??;

        let listener = TcpListener::bind(&settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: settings.bind.clone(),
                source,
            })?
            .port();

        let state = AppState {
            pool: crate::db::build_pool(
                &settings.database_url,
                settings.db_pool_size,
                settings.db_timeout,
            ),
            settings: settings.clone(),
        };
        let app_state = web::Data::new(state.clone());
        let mut server = HttpServer::new(move || {
            let extra = extra.clone();
            App::new()
                .app_data(app_state.clone())
                .app_data(middleware::json_config())
                .app_data(middleware::path_config())
                .app_data(middleware::query_config())
                .app_data(web::PayloadConfig::new(middleware::BODY_LIMIT))
                // Outermost first in the request's path: log, envelope, panic guard.
                .wrap(from_fn(middleware::catch_panic))
                .wrap(from_fn(middleware::api_error_envelope))
                .wrap(from_fn(middleware::log_requests))
                .configure(routes::api::configure)
                .configure(move |cfg| extra(cfg))
                .service(web::scope("/api").default_service(web::to(routes::api::not_found)))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: settings.bind.clone(),
            source,
        })?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let server = server.run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
