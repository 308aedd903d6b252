//! Work that runs after the answer has gone out, counted against the client's budget.

use std::net::IpAddr;

use crate::failure::{Fault, LimitError};
use crate::limits::throttle::Action;
use crate::state::AppState;

/// For answers that must say nothing about the address and so must not wait for the
/// database (forgot-password, send-verification-email): 429 at once when this instance
/// already knows `ip` to be out of `action`'s budget; else the caller answers now, and
/// after the answer the request is counted and, unless that count ran out, `work` runs.
/// Failures are logged as `what`.
pub(super) fn count_after_answer<F, Fut>(
    state: &AppState,
    action: Action,
    ip: Option<IpAddr>,
    what: &'static str,
    work: F,
) -> Result<(), LimitError>
where
    F: FnOnce(AppState) -> Fut + 'static,
    Fut: Future<Output = Result<(), Fault>> + 'static,
{
    state.throttle.refuse_known_block(action, ip)?;
    let state = state.clone();
    actix_web::rt::spawn(async move {
        if let Err(e) = state.throttle.check_ip(&state.pool, action, ip).await {
            if !matches!(e, LimitError::Limited(_)) {
                log::error!("{what} could not be counted: {e}");
            }
            return;
        }
        if let Err(e) = work(state).await {
            log::error!("{what} could not be handled: {e}");
        }
    });
    Ok(())
}
