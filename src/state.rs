use std::sync::Arc;

use crate::config::Settings;
use crate::db::Pool;

/// What every handler may need; cloned cheaply into each worker.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
}
