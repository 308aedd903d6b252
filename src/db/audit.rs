//! The audit log: who did what to whom, when, from where.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_log, sessions, users};
use super::{DbConnection, RunOn, columns, like_pattern, prefix_pattern};
use serde_json::json;

use super::user_object::UserView;
use crate::domain::{AuditAction, AuditEvent, AuditTarget, WebhookEventType};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: AuditAction,
    pub target_type: Option<AuditTarget>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    /// The event's details as JSON (`AuditEvent::read` gives them their type).
    pub details: Option<String>,
    pub created_at: NaiveDateTime,
}

impl AuditEntry {
    /// The event this entry records, typed; None for details it cannot read.
    pub fn event(&self) -> Option<AuditEvent> {
        AuditEvent::read(self.action.as_str(), self.details.as_deref())
    }
}

// None is written as NULL, not DEFAULT: one SQL text whatever is absent, so the
// statement cache keeps a single INSERT (with DEFAULT it varies and is never cached).
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
struct NewAuditEntry<'a> {
    actor_id: Option<&'a str>,
    actor_email: Option<&'a str>,
    action: AuditAction,
    target_type: Option<AuditTarget>,
    target_id: Option<&'a str>,
    ip: Option<&'a str>,
    details: Option<&'a str>,
    created_at: NaiveDateTime,
}

/// Who acted, on what, from where: everything of an entry but the event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Entry<'a> {
    actor_id: Option<&'a str>,
    actor_email: Option<&'a str>,
    target: Option<(AuditTarget, &'a str)>,
    ip: Option<&'a str>,
}

/// How the system signs what it does by itself (housekeeping, the bootstrap).
const SYSTEM: &str = "system";

impl<'a> Entry<'a> {
    /// A user acting on their own account.
    pub fn by_user(user_id: &'a str, email: &'a str, ip: Option<&'a str>) -> Self {
        Self::by(Some(user_id), Some(email), ip).on(AuditTarget::User, user_id)
    }

    /// Someone acting: either part may be unknown (a failed sign-in knows only the
    /// address typed).
    pub fn by(
        actor_id: Option<&'a str>,
        actor_email: Option<&'a str>,
        ip: Option<&'a str>,
    ) -> Self {
        Self {
            actor_id,
            actor_email,
            target: None,
            ip,
        }
    }

    /// Sekisho itself, with no request behind it.
    pub fn system() -> Self {
        Self::by(None, Some(SYSTEM), None)
    }

    pub fn on(self, kind: AuditTarget, id: &'a str) -> Self {
        Self {
            target: Some((kind, id)),
            ..self
        }
    }
}

/// The one way an event is recorded: in the caller's transaction, with the change
/// it records, and announced there to the webhook endpoints that want it (so a change
/// cannot be audited without its event, nor announced without committing).
pub fn record(conn: &mut DbConnection, event: &AuditEvent, entry: Entry<'_>) -> QueryResult<()> {
    announce(conn, event, &entry)?;
    let details = event.details_json();
    diesel::insert_into(audit_log::table)
        .values(&NewAuditEntry {
            actor_id: entry.actor_id,
            actor_email: entry.actor_email,
            action: event.action(),
            target_type: entry.target.map(|t| t.0),
            target_id: entry.target.map(|t| t.1),
            ip: entry.ip,
            details: details.as_deref(),
            created_at: super::now(),
        })
        .execute_on(conn)
        .map(drop)
}

/// A user event carries the user object as the change left it; `user.deleted` carries
/// the id and address from before they were obfuscated (recorded first, see
/// `users::soft_delete`'s callers), `user.banned` the ban, passkey events the passkey.
fn announce(conn: &mut DbConnection, event: &AuditEvent, entry: &Entry<'_>) -> QueryResult<()> {
    let Some(event_type) = WebhookEventType::of(event) else {
        return Ok(());
    };
    let Some((AuditTarget::User, user_id)) = entry.target else {
        return Ok(());
    };
    super::webhooks::announce(conn, event_type, |conn| {
        let Some(user) = super::users::find_by_id(conn, user_id)? else {
            return Ok(None);
        };
        let mut data = match event_type {
            WebhookEventType::UserDeleted => json!({ "id": user.id, "email": user.email }),
            _ => serde_json::to_value(UserView::from(&user)).unwrap_or_default(),
        };
        let extra = match event {
            AuditEvent::AdminUserDisabled { reason, until } => Some((
                "ban",
                json!({ "reason": reason, "note": user.disabled_note, "until": until }),
            )),
            AuditEvent::UserPasskeyAdded { passkey, name } => {
                Some(("passkey", json!({ "id": passkey, "name": name })))
            }
            AuditEvent::UserPasskeyRemoved { removal }
            | AuditEvent::AdminPasskeyDeleted { removal } => Some((
                "passkey",
                json!({ "id": removal.passkey, "name": removal.name }),
            )),
            _ => None,
        };
        if let (Some((key, value)), Some(object)) = (extra, data.as_object_mut()) {
            object.insert(key.to_owned(), value);
        }
        Ok(Some(data))
    })
}

/// Newest first; `before` is the id of the last entry of the previous page (keyset
/// pagination stays fast however long the log grows).
pub fn list(
    conn: &mut DbConnection,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    crate::per_backend!(conn, |conn| {
        let mut query = audit_log::table
            .order(audit_log::id.desc())
            .limit(limit)
            .select(columns::<AuditEntry>())
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(audit_log::id.lt(before));
        }
        query.load(conn)
    })
}

/// What the audit log page filters by; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An action or its prefix: `admin.` matches every operator action.
    pub action: Option<String>,
    /// The actor's id, or part of their email.
    pub actor: Option<String>,
    /// The target's id, or part of the email of the user it is (or whose session it is).
    pub target: Option<String>,
}

/// An entry and the user its target belongs to: the target itself when it is a user,
/// the session's user when it is a session.
#[derive(Debug, Clone)]
pub struct AuditListing {
    pub entry: AuditEntry,
    pub target_user: Option<String>,
}

/// One page of entries, newest first; `limit + 1` rows at most, so the caller knows
/// whether a next page exists without counting the table.
pub fn page(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<AuditListing>> {
    let rows = crate::per_backend!(conn, |conn| {
        let mut query = audit_log::table
            .left_join(sessions::table.on(audit_log::target_id.eq(sessions::id.nullable())))
            .order(audit_log::id.desc())
            .offset(offset)
            .limit(limit + 1)
            .select((columns::<AuditEntry>(), sessions::user_id.nullable()))
            .into_boxed();
        if let Some(action) = non_empty(&filter.action) {
            query = query.filter(audit_log::action.like(prefix_pattern(action)).escape('\\'));
        }
        if let Some(actor) = non_empty(&filter.actor) {
            query = query.filter(
                audit_log::actor_id
                    .eq(actor.to_owned())
                    .or(audit_log::actor_email
                        .like(like_pattern(&actor.to_lowercase()))
                        .escape('\\')),
            );
        }
        if let Some(target) = non_empty(&filter.target) {
            let target = target.to_owned();
            let email_pattern = like_pattern(&target.to_lowercase());
            let matching_users = || {
                users::table
                    .filter(
                        users::id
                            .eq(target.clone())
                            .or(users::email.like(email_pattern.clone()).escape('\\')),
                    )
                    .select(users::id.nullable())
            };
            query = query.filter(
                audit_log::target_id
                    .eq(target.clone())
                    .or(audit_log::target_id.eq_any(matching_users()))
                    .or(sessions::user_id.eq_any(matching_users())),
            );
        }
        query.load::<(AuditEntry, Option<String>)>(conn)
    })?;
    Ok(rows
        .into_iter()
        .map(|(entry, session_user)| {
            let target_user = match entry.target_type {
                Some(AuditTarget::User) => entry.target_id.clone(),
                Some(AuditTarget::Session) => session_user,
                None => None,
            };
            AuditListing { entry, target_user }
        })
        .collect())
}

/// Entries from `from` (inclusive) to `to` (exclusive), oldest first, whose action
/// starts with `action` (empty: every action); `limit` rows at most.
pub fn between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    action: &str,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(audit_log::created_at.ge(from))
        .filter(audit_log::created_at.lt(to))
        .filter(audit_log::action.like(prefix_pattern(action)).escape('\\'))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(columns::<AuditEntry>())
        .load_on(conn)
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
