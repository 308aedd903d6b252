use std::sync::Arc;

use crate::auth::client::TrustedProxies;
use crate::auth::hasher_pool::HasherPool;
use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::db::Pool;
use crate::mail::Mailer;
use crate::rate_limit::IpRateLimiter;

/// What every handler may need; cloned cheaply into each worker.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub hasher: HasherPool,
    pub jwt: JwtKeys,
    pub mailer: Mailer,
    pub limiter: Arc<IpRateLimiter>,
    pub proxies: TrustedProxies,
}
