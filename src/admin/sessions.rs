//! Live sessions of every kind, and revoking one.

use crate::db::sessions::Session;
use crate::db::{self, DbError, Pool, audit, sessions};
use crate::domain::SessionEndReason;
use crate::domain::{AuditEvent, AuditTarget, SessionId, SessionKind};

use super::Actor;

/// One page of live sessions with their user's email (`limit + 1` rows at most),
/// of one kind and of the users whose id is `user` or whose email contains it, when
/// given.
pub async fn list(
    pool: &Pool,
    kind: Option<SessionKind>,
    user: Option<String>,
    offset: i64,
    limit: i64,
) -> Result<Vec<(Session, String)>, DbError> {
    db::run(pool, move |conn| {
        Ok(sessions::list_active(
            conn,
            kind,
            user.as_deref(),
            db::now(),
            offset,
            limit,
        )?)
    })
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Now,
    /// It had ended already (revoked, expired or unknown): nothing to audit.
    AlreadyEnded,
}

/// Ends one session; the revocation and its audit entry commit together.
pub async fn revoke(pool: &Pool, actor: Actor, id: SessionId) -> Result<Revoked, DbError> {
    db::write(pool, move |conn| {
        if sessions::revoke(conn, &id, SessionEndReason::RevokedByOperator, db::now())? == 0 {
            return Ok(Revoked::AlreadyEnded);
        }
        audit::record(
            conn,
            &AuditEvent::AdminSessionRevoked,
            actor.entry().on(AuditTarget::Session, &id),
        )?;
        Ok(Revoked::Now)
    })
    .await
}
