//! The application state every handler can reach.

use std::sync::Arc;

use crate::auth::client_info::TrustedProxies;
use crate::auth::hasher_pool::HasherPool;
use crate::auth::jwt::JwtKeys;
use crate::auth::throttle::Throttle;
use crate::config::Settings;
use crate::db::Pool;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::social::SocialProviders;

/// What every handler may need; cloned cheaply into each worker.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub hasher: HasherPool,
    pub jwt: JwtKeys,
    pub mailer: Mailer,
    pub throttle: Arc<Throttle>,
    pub proxies: TrustedProxies,
    pub metrics: Arc<Metrics>,
    pub social: SocialProviders,
}
