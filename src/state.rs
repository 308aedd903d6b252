//! The application state every handler can reach.

use std::sync::Arc;

use crate::config::Settings;
use crate::config::TrustedProxies;
use crate::crypto::hasher_pool::HasherPool;
use crate::crypto::jwt::JwtKeys;
use crate::crypto::passkey::RelyingParty;
use crate::db::Pool;
use crate::db::session_reads::SessionReads;
use crate::lifecycle::Lifecycle;
use crate::limits::log_budget::LogBudget;
use crate::limits::throttle::Throttle;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::oidc::SocialProviders;

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
    /// None when passkeys are off (no possible relying party; start-up said why).
    pub passkeys: Option<RelyingParty>,
    /// Whether a shutdown is draining this instance.
    pub lifecycle: Arc<Lifecycle>,
    /// The session check's reads, shared by the requests waiting at once.
    pub session_reads: Arc<SessionReads>,
    /// How often a refused origin (CSRF, CORS) is logged.
    pub refusal_log: Arc<LogBudget>,
}
