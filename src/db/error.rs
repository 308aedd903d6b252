//! The database layer's own error: what went wrong reaching or querying the database,
//! with no idea of HTTP. Callers map it (`routes/` into a status and a code).

/// A failed query, or no connection to run it on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time (the database is down or the pool is spent).
    #[error("no database connection: {0}")]
    Unavailable(#[from] r2d2::Error),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The blocking thread pool could not run the work (it panicked or shut down).
    #[error("database work did not finish: {0}")]
    Interrupted(String),
    /// One failure answered to each of the callers whose work went in one query.
    #[error(transparent)]
    Shared(std::sync::Arc<DbError>),
}

impl DbError {
    /// Whether the database could not be reached, as opposed to a query that failed.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        if let Self::Shared(error) = self {
            return error.is_unavailable();
        }
        matches!(
            self,
            Self::Unavailable(_)
                | Self::Query(Error::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    _,
                ))
        )
    }
}
