//! The audit log: who did what to whom, when, from where.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_log, sessions, users};
use super::{DbConnection, RunOn, columns, like_pattern, prefix_pattern};
use crate::domain::AuditAction;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub details: Option<String>,
    pub created_at: NaiveDateTime,
}

// None is written as NULL, not DEFAULT: one SQL text whatever is absent, so the
// statement cache keeps a single INSERT (with DEFAULT it varies and is never cached).
#[derive(Debug, Default, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAuditEntry<'a> {
    pub actor_id: Option<&'a str>,
    pub actor_email: Option<&'a str>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub details: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

pub fn record(conn: &mut DbConnection, entry: &NewAuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute_on(conn)
        .map(drop)
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

/// Who did what to whom, from where, now. `target` is `(type, id)`.
pub fn record_event(
    conn: &mut DbConnection,
    actor: (Option<&str>, Option<&str>),
    action: AuditAction,
    target: Option<(&str, &str)>,
    ip: Option<&str>,
) -> QueryResult<()> {
    record(
        conn,
        &NewAuditEntry {
            actor_id: actor.0,
            actor_email: actor.1,
            action: action.as_str(),
            target_type: target.map(|t| t.0),
            target_id: target.map(|t| t.1),
            ip,
            details: None,
            created_at: super::now(),
        },
    )
}

/// An entry for an action a user took on their own account.
pub fn record_user_action(
    conn: &mut DbConnection,
    user_id: &str,
    email: &str,
    action: AuditAction,
    ip: Option<&str>,
) -> QueryResult<()> {
    record_user_action_with(conn, user_id, email, action, ip, None)
}

/// The same, with details (`provider=google` for a social sign-in).
pub fn record_user_action_with(
    conn: &mut DbConnection,
    user_id: &str,
    email: &str,
    action: AuditAction,
    ip: Option<&str>,
    details: Option<&str>,
) -> QueryResult<()> {
    record(
        conn,
        &NewAuditEntry {
            actor_id: Some(user_id),
            actor_email: Some(email),
            action: action.as_str(),
            target_type: Some("user"),
            target_id: Some(user_id),
            ip,
            details,
            created_at: super::now(),
        },
    )
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
            let target_user = match entry.target_type.as_deref() {
                Some("user") => entry.target_id.clone(),
                Some("session") => session_user,
                _ => None,
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
