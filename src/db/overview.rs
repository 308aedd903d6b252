//! Counts over the whole database: the dashboard's figures.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::schema::{audit_log, sessions, users};
use super::{DbConnection, RunOn};
use crate::domain::AuditAction;

#[derive(Debug, Default)]
pub struct Counts {
    pub users: i64,
    pub disabled: i64,
    pub sessions_by_kind: Vec<(String, i64)>,
    pub signups_24h: i64,
    pub logins_24h: i64,
}

pub fn counts(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Counts> {
    let day_ago = now - TimeDelta::hours(24);
    let live_users = users::table.filter(users::deleted_at.is_null());
    Ok(Counts {
        users: live_users.count().get_result_on(conn)?,
        disabled: live_users
            .filter(users::disabled_at.is_not_null())
            .filter(
                users::disabled_until
                    .is_null()
                    .or(users::disabled_until.gt(now)),
            )
            .count()
            .get_result_on(conn)?,
        sessions_by_kind: sessions::table
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::user_id.is_not_null())
            .group_by(sessions::kind)
            .select((sessions::kind, diesel::dsl::count_star()))
            .order(sessions::kind)
            .load_on(conn)?,
        signups_24h: users::table
            .filter(users::created_at.gt(day_ago))
            .count()
            .get_result_on(conn)?,
        logins_24h: audit_log::table
            .filter(audit_log::created_at.gt(day_ago))
            .filter(audit_log::action.eq_any(AuditAction::SIGN_INS.map(AuditAction::as_str)))
            .count()
            .get_result_on(conn)?,
    })
}
