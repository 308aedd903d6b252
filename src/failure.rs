//! Why a use case did not do what it was asked, in the use cases' own words: what it
//! refused and why, or what failed underneath. Nothing here speaks HTTP: the one
//! error of the API (`error::ApiError`, with its codes and statuses) is made from a
//! `Failure` in one place, above the use cases, so that every caller of a use case
//! (the API, the panel, the coming management API) reads a variant, not a status
//! code.

use chrono::NaiveDateTime;

use crate::crypto::hasher_pool::HasherError;
use crate::db::DbError;
use crate::domain::BanReason;

/// What a use case turns down a well-formed request for. The names are the
/// contract's words for it; `error` gives each its code and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong email or password (the same for both), or a credential nobody has.
    InvalidCredentials,
    /// REQUIRE_EMAIL_VERIFICATION, and the address is not verified.
    EmailNotVerified,
    EmailTaken,
    /// A reset or verification token unknown, used or expired.
    InvalidToken,
    /// A confirmation password that is wrong.
    InvalidPassword,
    /// A second-factor code or recovery code that is wrong, used or out of its window.
    InvalidCode,
    /// A spent refresh token presented again.
    TokenReused,
    PasskeyFailed,
    LastSignInMethod,
    NotFound,
    AccountNotLinked,
    OauthFailed,
    /// Nobody (or nothing live) to act for: no session, no challenge.
    Unauthorized,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Turned down; `why` is for the operator's log only, never for the caller.
    #[error("{refusal:?}{}", why.as_deref().map(|w| format!(": {w}")).unwrap_or_default())]
    Refused {
        refusal: Refusal,
        why: Option<String>,
    },
    /// The account is disabled: what its user may know of the ban.
    #[error("the account is disabled")]
    Disabled {
        reason: BanReason,
        until: Option<NaiveDateTime>,
    },
    /// Too many attempts; asking again makes sense after `retry_after` seconds.
    #[error("too many attempts; retry after {retry_after} s")]
    Limited { retry_after: u64 },
    /// A field the use case cannot take, with what is wrong with it.
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Hashing(#[from] HasherError),
    /// A bug or a broken invariant: the cause is for the log.
    #[error("{0}")]
    Internal(String),
}

impl Failure {
    pub fn refused(refusal: Refusal) -> Self {
        Self::Refused { refusal, why: None }
    }

    /// Says why, for the log (a refusal's answer stays the same).
    pub fn because(self, why: impl std::fmt::Display) -> Self {
        match self {
            Self::Refused { refusal, .. } => Self::Refused {
                refusal,
                why: Some(why.to_string()),
            },
            other => other,
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn invalid(field: &str, problem: &str) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            problem: problem.to_owned(),
        }
    }

    /// At least `retry_after` seconds (one, for a "now" that has already passed).
    pub fn limited(retry_after: u64) -> Self {
        Self::Limited {
            retry_after: retry_after.max(1),
        }
    }

    /// Turned away for asking too often (a limit, or one account's hashing lane full).
    pub fn is_limited(&self) -> bool {
        matches!(
            self,
            Self::Limited { .. } | Self::Hashing(HasherError::LaneFull)
        )
    }

    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            Self::Refused { refusal, .. } => Some(*refusal),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(error: diesel::result::Error) -> Self {
        Self::Database(DbError::from(error))
    }
}
