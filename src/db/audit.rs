//! The audit log: who did what to whom, when, from where.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::audit_log;

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

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = audit_log)]
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
        .execute(conn)
        .map(drop)
}

/// Newest first; `before` is the id of the last entry of the previous page (keyset
/// pagination stays fast however long the log grows).
pub fn list(
    conn: &mut DbConnection,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_log::id.lt(before));
    }
    query.load(conn)
}

/// Who did what to whom, from where, now. `target` is `(type, id)`.
pub fn record_event(
    conn: &mut DbConnection,
    actor: (Option<&str>, Option<&str>),
    action: &str,
    target: Option<(&str, &str)>,
    ip: Option<&str>,
) -> QueryResult<()> {
    record(
        conn,
        &NewAuditEntry {
            actor_id: actor.0,
            actor_email: actor.1,
            action,
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
    action: &str,
    ip: Option<&str>,
) -> QueryResult<()> {
    record_event(
        conn,
        (Some(user_id), Some(email)),
        action,
        Some(("user", user_id)),
        ip,
    )
}

/// One page of entries, newest first; `limit + 1` rows at most (see `users::search`).
pub fn page(conn: &mut DbConnection, offset: i64, limit: i64) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit + 1)
        .select(AuditEntry::as_select())
        .load(conn)
}
