//! Queries on `sessions`, the one table behind every kind of session, by concern: the
//! rows and their insert here; the session check (`check`), lists (`listing`),
//! revocation (`revocation`), the panel's store (`panel`), refresh tokens
//! (`refresh`).

mod check;
mod listing;
mod panel;
mod refresh;
mod revocation;

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub use check::{
    find_active, find_live_with_user, find_live_with_users, signed_in_at, touch_last_seen,
};
pub use listing::{
    After, count_active_for_user, last_sign_in_at, list_active, list_active_for_user,
    page_active_for_user, signed_in_from,
};
pub use panel::{extend_panel_session, find_panel_state, revoke_by_token_hash, update_panel_state};
pub use refresh::{find_by_refresh_hash, find_by_spent_refresh_hash, rotate_refresh};
pub use revocation::{
    announce_deletion, end_least_recently_used, revoke, revoke_all_for_user, revoke_own,
};

use crate::db::schema::sessions;
use crate::db::telemetry::count;
use crate::db::{DbConnection, RunOn};
use crate::domain::{SessionId, SessionKind, SignInMethod, UserId, WebhookEventType};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: SessionId,
    pub user_id: Option<UserId>,
    pub kind: SessionKind,
    pub token_hash: Option<String>,
    pub refresh_token_hash: Option<String>,
    pub previous_refresh_token_hash: Option<String>,
    pub refresh_rotated_at: Option<NaiveDateTime>,
    pub state: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// How it was signed in; None for sessions from before it was recorded, and the
    /// panel's.
    pub sign_in_method: Option<SignInMethod>,
}

/// What the session check reads of a session: every authenticated request loads it,
/// so it is the two columns handlers use, not the whole row (each column selected
/// costs PostgreSQL work per execution and a decode here).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LiveSession {
    pub id: SessionId,
    pub last_seen_at: NaiveDateTime,
}

// None is written as NULL, not DEFAULT: one SQL text whatever is absent, so the
// statement cache keeps a single INSERT (with DEFAULT it varies and is never cached).
#[derive(Debug, Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: Option<&'a str>,
    pub kind: SessionKind,
    pub token_hash: Option<&'a str>,
    pub refresh_token_hash: Option<&'a str>,
    pub state: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// How the session was signed in (`password`, `password+totp`, `provider:google`…);
    /// None for the panel's store.
    pub sign_in_method: Option<&'a SignInMethod>,
}

pub fn insert(conn: &mut DbConnection, session: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute_on(conn)?;
    if let (Some(user_id), false) = (session.user_id, session.kind == SessionKind::Admin) {
        crate::db::webhooks::announce(conn, WebhookEventType::SessionCreated, |_| {
            Ok(Some(serde_json::json!({
                "id": session.id,
                "userId": user_id,
                "kind": session.kind,
                "signInMethod": session.sign_in_method,
                "ip": session.ip,
                "userAgent": session.user_agent,
                "createdAt": session.created_at.and_utc(),
                "expiresAt": session.expires_at.and_utc(),
            })))
        })?;
    }
    let kind = crate::db::telemetry::KindLabels {
        kind: session.kind.as_str().to_owned(),
    };
    count(conn, |c| {
        c.sessions_created.get_or_create(&kind).inc();
    });
    Ok(())
}

/// Counts `revoked` sessions in the pool's metrics; returns it.
pub(super) fn counted(conn: &mut DbConnection, revoked: usize) -> usize {
    if revoked > 0 {
        count(conn, |c| {
            c.sessions_revoked
                .inc_by(u64::try_from(revoked).unwrap_or(u64::MAX));
        });
    }
    revoked
}

/// Housekeeping: expired panel sessions that never signed in (versions before the
/// signed login-form cookie made one per visit to the login page). Signed-in sessions
/// are kept after they end: users and operators see them in their history.
pub fn purge_stale(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.is_null())
            .filter(sessions::expires_at.lt(now)),
    )
    .execute_on(conn)
}
