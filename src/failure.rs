//! The parts every use case's error is made of, in the use cases' own words. Each use
//! case names what it can turn down in an error type of its own
//! (`credentials::SignInError`, `password_reset::ResetError`…) and adds these: what
//! failed underneath (`Fault`), a limit (`Limited`), a ban (`Disabled`), a field it
//! cannot take (`Invalid`). Nothing here speaks HTTP: `error::ApiError` and the
//! panel's pages are made from each use case's error above the use cases, so every
//! caller (the API, the panel, the coming management API) reads a variant, never a
//! status code.

use chrono::NaiveDateTime;

use crate::crypto::hasher_pool::HasherError;
use crate::db::DbError;
use crate::db::users::User;
use crate::domain::BanReason;

/// Something underneath failed (the database, the hashing threads, a broken
/// invariant): never the caller's doing; the cause is for the log.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Hashing(#[from] HasherError),
    #[error("{0}")]
    Internal(String),
}

impl Fault {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

impl From<diesel::result::Error> for Fault {
    fn from(error: diesel::result::Error) -> Self {
        Self::Database(DbError::from(error))
    }
}

/// Too many attempts; asking again makes sense after `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts; retry after {retry_after} s")]
pub struct Limited {
    pub retry_after: u64,
}

impl Limited {
    /// At least a second (for a "now" that has already passed).
    pub fn after(retry_after: u64) -> Self {
        Self {
            retry_after: retry_after.max(1),
        }
    }
}

/// What a limit's check answers: over the limit, or a fault while counting.
#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Fault(#[from] Fault),
}

impl From<DbError> for LimitError {
    fn from(error: DbError) -> Self {
        Self::Fault(error.into())
    }
}

impl From<diesel::result::Error> for LimitError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Fault(error.into())
    }
}

/// One account's hashing lane full is a limit (its checks are flooding in: this one
/// is a guess too many); any other hashing failure is a fault.
impl From<HasherError> for LimitError {
    fn from(error: HasherError) -> Self {
        match error {
            HasherError::LaneFull => Self::Limited(Limited::after(1)),
            other => Self::Fault(other.into()),
        }
    }
}

/// A disabled account, as its user may know of it (the operator's note stays private).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the account is disabled")]
pub struct Disabled {
    pub reason: BanReason,
    pub until: Option<NaiveDateTime>,
}

impl Disabled {
    pub fn of(user: &User) -> Self {
        Self {
            reason: user.ban_reason(),
            until: user.disabled_until,
        }
    }
}

/// A field the use case cannot take, with what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Invalid {
    pub field: &'static str,
    pub problem: &'static str,
}

/// The conversions every use case's error needs from what fails underneath: the
/// error has a `Fault(Fault)` variant and, with `limited`, a `Limited(Limited)` one.
/// `?` then works on database, hashing and limit results alike.
macro_rules! fails_underneath {
    (@common $error:ty) => {
        impl From<$crate::failure::Fault> for $error {
            fn from(fault: $crate::failure::Fault) -> Self {
                Self::Fault(fault)
            }
        }
        impl From<$crate::db::DbError> for $error {
            fn from(error: $crate::db::DbError) -> Self {
                Self::Fault(error.into())
            }
        }
        impl From<diesel::result::Error> for $error {
            fn from(error: diesel::result::Error) -> Self {
                Self::Fault(error.into())
            }
        }
    };
    ($error:ty) => {
        $crate::failure::fails_underneath!(@common $error);
        impl From<$crate::crypto::hasher_pool::HasherError> for $error {
            fn from(error: $crate::crypto::hasher_pool::HasherError) -> Self {
                Self::Fault(error.into())
            }
        }
    };
    ($error:ty, limited) => {
        $crate::failure::fails_underneath!(@common $error);
        impl From<$crate::failure::Limited> for $error {
            fn from(limited: $crate::failure::Limited) -> Self {
                Self::Limited(limited)
            }
        }
        impl From<$crate::failure::LimitError> for $error {
            fn from(error: $crate::failure::LimitError) -> Self {
                match error {
                    $crate::failure::LimitError::Limited(limited) => Self::Limited(limited),
                    $crate::failure::LimitError::Fault(fault) => Self::Fault(fault),
                }
            }
        }
        // One account's hashing lane full is a limit here (see `LimitError`).
        impl From<$crate::crypto::hasher_pool::HasherError> for $error {
            fn from(error: $crate::crypto::hasher_pool::HasherError) -> Self {
                $crate::failure::LimitError::from(error).into()
            }
        }
    };
}
pub(crate) use fails_underneath;
