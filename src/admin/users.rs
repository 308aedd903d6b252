//! Finding users and acting on one: disable, enable, delete, revoke every session,
//! resend the verification mail. Each change commits with its audit entry.

use crate::auth::email_verification;
use crate::db::identities::Account;
use crate::db::sessions::Session;
use crate::db::users::{User, UserStatus};
use crate::db::{self, DbError, Pool, audit, identities, sessions, users};
use crate::domain::AuditAction;
use crate::domain::string_enum::string_enum;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::state::AppState;

use super::Actor;

string_enum! {
    /// What an operator can do to an account: the last segment of
    /// `POST /admin/users/{id}/{action}`.
    pub enum UserAction {
        Disable = "disable",
        Enable = "enable",
        Delete = "delete",
        RevokeSessions = "revoke-sessions",
        ResendVerification = "resend-verification",
    }
}

impl UserAction {
    /// Whether the form must carry the ticked confirmation box.
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Self::Disable | Self::Delete | Self::RevokeSessions)
    }

    /// What an operator may not do to their own account here.
    fn forbidden_on_self(self) -> bool {
        matches!(self, Self::Disable | Self::Delete)
    }

    fn audit_action(self) -> AuditAction {
        match self {
            Self::Disable => AuditAction::AdminUserDisabled,
            Self::Enable => AuditAction::AdminUserEnabled,
            Self::Delete => AuditAction::AdminUserDeleted,
            Self::RevokeSessions => AuditAction::AdminSessionsRevoked,
            Self::ResendVerification => AuditAction::AdminVerificationResent,
        }
    }
}

/// What the users page searches by.
#[derive(Debug, Clone, Default)]
pub struct UserSearch {
    pub q: String,
    pub status: Option<UserStatus>,
    pub verified: Option<bool>,
}

/// One page of users (`limit + 1` rows at most: the extra one says a next page exists).
pub async fn search(
    pool: &Pool,
    search: UserSearch,
    offset: i64,
    limit: i64,
) -> Result<Vec<User>, DbError> {
    db::run(pool, move |conn| {
        Ok(users::search(
            conn,
            Some(&search.q),
            search.status,
            search.verified,
            offset,
            limit,
        )?)
    })
    .await
}

/// A user as the user page shows them.
pub struct UserDetail {
    pub user: User,
    pub live_sessions: Vec<Session>,
    pub identities: Vec<Account>,
}

pub async fn detail(pool: &Pool, id: String) -> Result<Option<UserDetail>, DbError> {
    db::run(pool, move |conn| {
        let Some(user) = users::find_by_id(conn, &id)? else {
            return Ok(None);
        };
        Ok(Some(UserDetail {
            live_sessions: sessions::list_active_for_user(conn, &id, db::now())?,
            identities: identities::for_user(conn, &id)?,
            user,
        }))
    })
    .await
}

/// How an action on a user ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOutcome {
    Done(UserAction),
    /// A destructive action without the ticked box: nothing was done.
    NeedsConfirmation,
    /// Disabling or deleting one's own account from the panel.
    NotOnYourself,
    /// The address was already verified: no mail.
    AlreadyVerified,
    NotFound,
}

/// Applies `action` to user `target` as `actor`: the rules first, then the change and
/// its audit entry in one transaction (a verification mail goes out after it).
pub async fn act(
    state: &AppState,
    actor: Actor,
    target: String,
    action: UserAction,
    confirmed: bool,
) -> Result<ActionOutcome, ApiError> {
    if action.needs_confirmation() && !confirmed {
        return Ok(ActionOutcome::NeedsConfirmation);
    }
    if action.forbidden_on_self() && target == actor.id {
        return Ok(ActionOutcome::NotOnYourself);
    }
    let (outcome, user) = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| apply(conn, &actor, &target, action))
    })
    .await?;
    if let (ActionOutcome::Done(UserAction::ResendVerification), Some(user)) = (outcome, user) {
        // The operator's language is not the user's: the mail goes in the default one.
        email_verification::mail_later(state, &user, Lang::En);
    }
    Ok(outcome)
}

fn apply(
    conn: &mut db::DbConnection,
    actor: &Actor,
    target: &str,
    action: UserAction,
) -> Result<(ActionOutcome, Option<User>), DbError> {
    let Some(user) = users::find_by_id(conn, target)? else {
        return Ok((ActionOutcome::NotFound, None));
    };
    let now = db::now();
    match action {
        UserAction::Disable => users::set_disabled(conn, &user.id, true, now).map(drop)?,
        UserAction::Enable => users::set_disabled(conn, &user.id, false, now).map(drop)?,
        UserAction::Delete => users::soft_delete(conn, &user.id, now)?,
        UserAction::RevokeSessions => {
            sessions::revoke_all_for_user(conn, &user.id, None, now).map(drop)?
        }
        UserAction::ResendVerification if user.deleted_at.is_some() => {
            return Ok((ActionOutcome::NotFound, None));
        }
        UserAction::ResendVerification if user.email_verified => {
            return Ok((ActionOutcome::AlreadyVerified, None));
        }
        UserAction::ResendVerification => {}
    }
    audit::record_event(
        conn,
        (Some(&actor.id), Some(&actor.email)),
        action.audit_action(),
        Some(("user", &user.id)),
        actor.ip.as_deref(),
    )?;
    Ok((ActionOutcome::Done(action), Some(user)))
}
