//! Ending sessions: one, all of a user's, or one of the caller's own. Each says why, so
//! that `session.revoked` can tell the app's services.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::counted;
use crate::db::schema::sessions;
use crate::db::{DbConnection, RunOn, webhooks};
use crate::domain::{SessionEndReason, SessionId, SessionKind, UserId, WebhookEventType};

pub fn revoke(
    conn: &mut DbConnection,
    id: &str,
    reason: SessionEndReason,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let targets = sessions::table
        .find(id)
        .filter(sessions::revoked_at.is_null());
    let subscribers = webhooks::subscribers(conn, WebhookEventType::SessionRevoked)?;
    let ending = match subscribers.is_empty() {
        true => Vec::new(),
        false => targets.select(ENDING).load_on(conn)?,
    };
    let revoked = crate::db::update(targets, sessions::revoked_at.eq(now)).execute_on(conn)?;
    announce(conn, &subscribers, ending, reason)?;
    Ok(counted(conn, revoked))
}

/// Revokes every live session of a user, except `keep` when given.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
    reason: SessionEndReason,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let targets = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")));
    let subscribers = webhooks::subscribers(conn, WebhookEventType::SessionRevoked)?;
    let ending = match subscribers.is_empty() {
        true => Vec::new(),
        // Only the live ones are news: an expired session ended long ago.
        false => targets
            .filter(sessions::expires_at.gt(now))
            .select(ENDING)
            .load_on(conn)?,
    };
    let revoked = crate::db::update(targets, sessions::revoked_at.eq(now)).execute_on(conn)?;
    announce(conn, &subscribers, ending, reason)?;
    Ok(counted(conn, revoked))
}

/// Revokes session `id` only if it is a live session of `user_id`; returns whether it
/// was (a user cannot end someone else's session, nor learn that it exists).
pub fn revoke_own(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    reason: SessionEndReason,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let targets = sessions::table
        .filter(sessions::id.eq(id))
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now));
    let subscribers = webhooks::subscribers(conn, WebhookEventType::SessionRevoked)?;
    let ending = match subscribers.is_empty() {
        true => Vec::new(),
        false => targets.select(ENDING).load_on(conn)?,
    };
    let revoked = crate::db::update(targets, sessions::revoked_at.eq(now)).execute_on(conn)?;
    announce(conn, &subscribers, ending, reason)?;
    Ok(counted(conn, revoked) > 0)
}

/// The most sessions one pass ends: a user over the cap is over it by one (the session
/// just created), or by however many existed before the cap was lowered.
const END_AT_ONCE: i64 = 1_000;

/// Ends the user's live sessions beyond the `keep` most recently used (the session just
/// created is the most recent); returns how many were ended.
pub fn end_least_recently_used(
    conn: &mut DbConnection,
    user_id: &str,
    keep: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let beyond: Vec<Ending> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order((
            sessions::last_seen_at.desc(),
            sessions::created_at.desc(),
            sessions::id.desc(),
        ))
        .select(ENDING)
        .offset(keep)
        .limit(END_AT_ONCE)
        .load_on(conn)?;
    if beyond.is_empty() {
        return Ok(0);
    }
    let ids: Vec<&str> = beyond.iter().map(|(id, _, _)| id.as_str()).collect();
    let ended = crate::db::update(
        sessions::table
            .filter(sessions::id.eq_any(&ids))
            .filter(sessions::revoked_at.is_null()),
        sessions::revoked_at.eq(now),
    )
    .execute_on(conn)?;
    let subscribers = webhooks::subscribers(conn, WebhookEventType::SessionRevoked)?;
    announce(conn, &subscribers, beyond, SessionEndReason::SessionLimit)?;
    Ok(counted(conn, ended))
}

/// What `session.revoked` says of a session.
type Ending = (SessionId, Option<UserId>, SessionKind);

const ENDING: (sessions::id, sessions::user_id, sessions::kind) =
    (sessions::id, sessions::user_id, sessions::kind);

/// Announces the end of each of the app's sessions in `ending` (the panel's are the
/// operators' own business) to `subscribers`.
pub(super) fn announce(
    conn: &mut DbConnection,
    subscribers: &[String],
    ending: Vec<Ending>,
    reason: SessionEndReason,
) -> QueryResult<()> {
    if subscribers.is_empty() {
        return Ok(());
    }
    for (id, user_id, kind) in ending {
        let Some(user_id) = user_id.filter(|_| kind != SessionKind::Admin) else {
            continue;
        };
        webhooks::announce_to(
            conn,
            subscribers,
            WebhookEventType::SessionRevoked,
            json!({ "id": id, "userId": user_id, "reason": reason }),
        )?;
    }
    Ok(())
}

/// The live sessions of `user_id` a deletion is about to remove, announced as ended.
pub fn announce_deletion(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let subscribers = webhooks::subscribers(conn, WebhookEventType::SessionRevoked)?;
    if subscribers.is_empty() {
        return Ok(());
    }
    let ending = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .select(ENDING)
        .load_on(conn)?;
    announce(conn, &subscribers, ending, SessionEndReason::UserDeleted)
}
