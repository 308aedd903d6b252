//! The dashboard: counts over the whole database and the latest audit entries.

use crate::db::audit::AuditListing;
use crate::db::overview::Counts;
use crate::db::{self, DbError, Pool, audit, overview};

pub struct Overview {
    pub counts: Counts,
    pub recent: Vec<AuditListing>,
}

pub async fn overview(pool: &Pool, recent: i64) -> Result<Overview, DbError> {
    db::run(pool, move |conn| {
        let counts = overview::counts(conn, db::now())?;
        let mut recent_entries = audit::page(conn, &Default::default(), 0, recent)?;
        recent_entries.truncate(usize::try_from(recent).unwrap_or(0));
        Ok(Overview {
            counts,
            recent: recent_entries,
        })
    })
    .await
}
