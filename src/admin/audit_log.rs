//! The audit log as operators read it, and its export.

use chrono::NaiveDateTime;

use crate::db::audit::{AuditEntry, AuditFilter, AuditListing};
use crate::db::{self, DbError, Pool, audit};
use crate::domain::AuditEvent;

use super::Actor;

/// The most rows one export holds; a longer range is cut there (and says so).
pub const EXPORT_LIMIT: i64 = 100_000;

/// One page of entries, newest first (`limit + 1` at most).
pub async fn page(
    pool: &Pool,
    filter: AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<AuditListing>, DbError> {
    db::run(pool, move |conn| {
        Ok(audit::page(conn, &filter, offset, limit)?)
    })
    .await
}

/// What an export covers: `[from, to)` in UTC, and an action or its beginning.
#[derive(Debug, Clone)]
pub struct ExportRange {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub action: String,
}

/// The entries of `range`, oldest first. The export itself is audited, in the same
/// transaction that reads them (who took a copy of the log, and of what).
pub async fn export(
    pool: &Pool,
    actor: Actor,
    range: ExportRange,
) -> Result<Vec<AuditEntry>, DbError> {
    db::write(pool, move |conn| {
        let entries = audit::between(conn, range.from, range.to, &range.action, EXPORT_LIMIT)?;
        let event = AuditEvent::AdminAuditExported {
            from: range.from.and_utc(),
            to: range.to.and_utc(),
            action: range.action.clone(),
            rows: u64::try_from(entries.len()).unwrap_or(u64::MAX),
        };
        audit::record(conn, &event, actor.entry())?;
        Ok(entries)
    })
    .await
}
