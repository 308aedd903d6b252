//! The admin panel's reads: counts, searches and listings.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::DbConnection;
use super::audit::AuditEntry;
use super::schema::{audit_log, sessions, users};
use super::sessions::Session;
use super::users::User;

#[derive(Debug, Default)]
pub struct Counts {
    pub users: i64,
    pub disabled: i64,
    pub sessions_by_kind: Vec<(String, i64)>,
    pub signups_24h: i64,
    pub logins_24h: i64,
}

/// Audit actions that count as a sign-in.
pub const LOGIN_ACTIONS: [&str; 3] = ["user.login", "user.token_issued", "admin.login"];

pub fn counts(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Counts> {
    let day_ago = now - TimeDelta::hours(24);
    let live_users = users::table.filter(users::deleted_at.is_null());
    Ok(Counts {
        users: live_users.count().get_result(conn)?,
        disabled: live_users
            .filter(users::disabled_at.is_not_null())
            .count()
            .get_result(conn)?,
        sessions_by_kind: sessions::table
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::user_id.is_not_null())
            .group_by(sessions::kind)
            .select((sessions::kind, diesel::dsl::count_star()))
            .order(sessions::kind)
            .load(conn)?,
        signups_24h: users::table
            .filter(users::created_at.gt(day_ago))
            .count()
            .get_result(conn)?,
        logins_24h: audit_log::table
            .filter(audit_log::created_at.gt(day_ago))
            .filter(audit_log::action.eq_any(LOGIN_ACTIONS))
            .count()
            .get_result(conn)?,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
    Deleted,
}

impl UserStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// Escapes LIKE wildcards so a search for `100%` finds that text.
fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of users, newest first. Returns `limit + 1` rows at most, so the caller
/// knows whether a next page exists without counting the table.
pub fn search_users(
    conn: &mut DbConnection,
    q: Option<&str>,
    status: Option<UserStatus>,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<User>> {
    let mut query = users::table
        .select(User::as_select())
        .order((users::created_at.desc(), users::id.desc()))
        .offset(offset)
        .limit(limit + 1)
        .into_boxed();
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = like_pattern(&q.to_lowercase());
        let name_pattern = like_pattern(q);
        query = query.filter(
            users::email
                .like(pattern)
                .escape('\\')
                .or(users::name.like(name_pattern).escape('\\')),
        );
    }
    query = match status {
        None => query,
        Some(UserStatus::Active) => query
            .filter(users::deleted_at.is_null())
            .filter(users::disabled_at.is_null()),
        Some(UserStatus::Disabled) => query
            .filter(users::deleted_at.is_null())
            .filter(users::disabled_at.is_not_null()),
        Some(UserStatus::Deleted) => query.filter(users::deleted_at.is_not_null()),
    };
    query.load(conn)
}

/// One page of live sessions of every kind with their user's email, newest first.
pub fn active_sessions(
    conn: &mut DbConnection,
    kind: Option<&str>,
    user: Option<&str>,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Session, String)>> {
    let mut query = sessions::table
        .inner_join(users::table)
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select((Session::as_select(), users::email))
        .order((sessions::created_at.desc(), sessions::id.desc()))
        .offset(offset)
        .limit(limit + 1)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(sessions::kind.eq(kind.to_owned()));
    }
    if let Some(user) = user.map(str::trim).filter(|u| !u.is_empty()) {
        query = query.filter(
            users::id.eq(user.to_owned()).or(users::email
                .like(like_pattern(&user.to_lowercase()))
                .escape('\\')),
        );
    }
    query.load(conn)
}

pub fn audit_page(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .order(audit_log::id.desc())
        .offset(offset)
        .limit(limit + 1)
        .select(AuditEntry::as_select())
        .load(conn)
}
