//! The audit log as operators read it.

use crate::db::audit::{AuditFilter, AuditListing};
use crate::db::{self, DbError, Pool, audit};

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
