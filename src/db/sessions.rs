//! Queries on `sessions`, the one table behind every kind of session.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sessions, users};
use super::telemetry::count;
use super::users::User;
use super::{DbConnection, RunOn, columns, like_pattern};
use crate::domain::SessionKind;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub user_id: Option<String>,
    pub kind: String,
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
}

/// What the session check reads of a session: every authenticated request loads it,
/// so it is the two columns handlers use, not the whole row (each column selected
/// costs PostgreSQL work per execution and a decode here).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct LiveSession {
    pub id: String,
    pub last_seen_at: NaiveDateTime,
}

// None is written as NULL, not DEFAULT: one SQL text whatever is absent, so the
// statement cache keeps a single INSERT (with DEFAULT it varies and is never cached).
#[derive(Debug, Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: Option<&'a str>,
    pub kind: &'a str,
    pub token_hash: Option<&'a str>,
    pub refresh_token_hash: Option<&'a str>,
    pub state: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub fn insert(conn: &mut DbConnection, session: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute_on(conn)?;
    let kind = super::telemetry::KindLabels {
        kind: session.kind.to_owned(),
    };
    count(conn, |c| {
        c.sessions_created.get_or_create(&kind).inc();
    });
    Ok(())
}

/// Counts `revoked` sessions in the pool's metrics; returns it.
fn counted(conn: &mut DbConnection, revoked: usize) -> usize {
    if revoked > 0 {
        count(conn, |c| {
            c.sessions_revoked.inc_by(revoked as u64);
        });
    }
    revoked
}

/// The session if it exists, is not revoked and has not expired at `now`.
pub fn find_active(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Session>> {
    sessions::table
        .find(id)
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(columns::<Session>())
        .first_on(conn)
        .optional()
}

pub fn list_active_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select(columns::<Session>())
        .load_on(conn)
}

pub fn revoke(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let revoked = super::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
        sessions::revoked_at.eq(now),
    )
    .execute_on(conn)?;
    Ok(counted(conn, revoked))
}

/// Revokes every live session of a user, except `keep` when given.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let targets = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")));
    let revoked = super::update(targets, sessions::revoked_at.eq(now)).execute_on(conn)?;
    Ok(counted(conn, revoked))
}

/// The session `sid` of user `sub` with its user, if the session is live (not revoked,
/// not expired) and the user has not withdrawn: the check of every authenticated
/// request, in one indexed query.
pub fn find_live_with_user(
    conn: &mut DbConnection,
    sid: &str,
    sub: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(User, LiveSession)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(sid))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .filter(users::id.eq(sub))
        .filter(users::deleted_at.is_null())
        .select((columns::<User>(), columns::<LiveSession>()))
        .first_on(conn)
        .optional()
}

pub fn touch_last_seen(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    super::update(sessions::table.find(id), sessions::last_seen_at.eq(now))
        .execute_on(conn)
        .map(drop)
}

/// Revokes session `id` only if it is a live session of `user_id`; returns whether it
/// was (a user cannot end someone else's session, nor learn that it exists).
pub fn revoke_own(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let revoked = super::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now)),
        sessions::revoked_at.eq(now),
    )
    .execute_on(conn)?;
    Ok(counted(conn, revoked) > 0)
}

// The admin panel's actix-session store keeps its rows here too, found by the hash of
// the key its cookie holds.

/// The unrevoked session whose key hashes to `token_hash`: the panel store's row.
#[diesel::dsl::auto_type(no_type_alias)]
fn unrevoked_with_key<'a>(token_hash: &'a str) -> _ {
    sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
}

/// The state of the live panel session whose key hashes to `token_hash`.
pub fn find_panel_state(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Option<String>>> {
    sessions::table
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::kind.eq(SessionKind::Admin.as_str()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(sessions::state)
        .first_on(conn)
        .optional()
}

/// Saves new state (and the operator it now belongs to) into a live panel session;
/// returns whether one was there to update.
pub fn update_panel_state(
    conn: &mut DbConnection,
    token_hash: &str,
    state: &str,
    user_id: Option<&str>,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = super::update(
        unrevoked_with_key(token_hash),
        (
            sessions::state.eq(state),
            sessions::user_id.eq(user_id),
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(now),
        ),
    )
    .execute_on(conn)?;
    Ok(updated > 0)
}

/// Pushes a live panel session's expiry to `expires_at`.
pub fn extend_panel_session(
    conn: &mut DbConnection,
    token_hash: &str,
    expires_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<()> {
    super::update(
        unrevoked_with_key(token_hash),
        (
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(drop)
}

/// Revokes (never deletes, so the history stays whole) the session whose key hashes
/// to `token_hash`.
pub fn revoke_by_token_hash(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let revoked = super::update(unrevoked_with_key(token_hash), sessions::revoked_at.eq(now))
        .execute_on(conn)?;
    counted(conn, revoked);
    Ok(())
}

/// The live bearer session whose current refresh token hashes to `hash`.
pub fn find_by_refresh_hash(
    conn: &mut DbConnection,
    hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Session>> {
    sessions::table
        .filter(sessions::refresh_token_hash.eq(hash))
        .filter(sessions::kind.eq(SessionKind::Bearer.as_str()))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(columns::<Session>())
        .first_on(conn)
        .optional()
}

/// Moves the session from refresh token `from` to `to` if `from` is still current,
/// and records `from` as spent. The condition makes rotation atomic: of two racing
/// refreshes, one updates a row. Both writes are one transaction: a racing refresh
/// that finds `from` no longer current must also find it spent (between the two, it
/// found neither and answered 401 instead of the grace window's pair).
pub fn rotate_refresh(
    conn: &mut DbConnection,
    id: &str,
    from: &str,
    to: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    use super::schema::spent_refresh_tokens as spent;
    super::write_transaction(conn, |conn| {
        let rotated = super::update(
            sessions::table
                .find(id)
                .filter(sessions::refresh_token_hash.eq(from))
                .filter(sessions::revoked_at.is_null()),
            (
                sessions::previous_refresh_token_hash.eq(from),
                sessions::refresh_token_hash.eq(to),
                sessions::refresh_rotated_at.eq(now),
                sessions::last_seen_at.eq(now),
            ),
        )
        .execute_on(conn)?
            == 1;
        if rotated {
            diesel::insert_into(spent::table)
                .values((
                    spent::token_hash.eq(from),
                    spent::session_id.eq(id),
                    spent::spent_at.eq(now),
                ))
                .execute_on(conn)?;
        }
        Ok(rotated)
    })
}

/// The session that once spent the refresh token hashing to `hash`, if any.
pub fn find_by_spent_refresh_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<Session>> {
    use super::schema::spent_refresh_tokens as spent;
    spent::table
        .inner_join(sessions::table)
        .filter(spent::token_hash.eq(hash))
        .select(columns::<Session>())
        .first_on(conn)
        .optional()
}

/// Housekeeping: expired panel sessions that never signed in (versions before the
/// signed login-form cookie made one per visit to the login page), and finished
/// rate-limit windows. Signed-in sessions
/// are kept after they end: users and operators see them in their history.
pub fn purge_stale(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    use super::schema::auth_throttles as t;
    let anonymous = diesel::delete(
        sessions::table
            .filter(sessions::user_id.is_null())
            .filter(sessions::expires_at.lt(now)),
    )
    .execute_on(conn)?;
    let day_ago = now - chrono::TimeDelta::days(1);
    let throttles =
        diesel::delete(t::table.filter(t::window_started_at.lt(day_ago))).execute_on(conn)?;
    Ok(anonymous + throttles)
}

/// One page of live sessions of every kind with their user's email, newest first.
pub fn list_active(
    conn: &mut DbConnection,
    kind: Option<SessionKind>,
    user: Option<&str>,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(Session, String)>> {
    crate::per_backend!(conn, |conn| {
        let mut query = sessions::table
            .inner_join(users::table)
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::expires_at.gt(now))
            .select((columns::<Session>(), users::email))
            .order((sessions::created_at.desc(), sessions::id.desc()))
            .offset(offset)
            .limit(limit + 1)
            .into_boxed();
        if let Some(kind) = kind {
            query = query.filter(sessions::kind.eq(kind.as_str()));
        }
        if let Some(user) = user.map(str::trim).filter(|u| !u.is_empty()) {
            query = query.filter(
                users::id.eq(user.to_owned()).or(users::email
                    .like(like_pattern(&user.to_lowercase()))
                    .escape('\\')),
            );
        }
        query.load(conn)
    })
}
