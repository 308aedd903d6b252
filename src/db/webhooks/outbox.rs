//! The outbox: an event and its deliveries, written by the change that caused it on
//! the change's own connection, so they commit or roll back with it.

use diesel::prelude::*;
use serde_json::Value;

use crate::db::schema::{webhook_deliveries as d, webhook_endpoints as e, webhook_events as ev};
use crate::db::{DbConnection, RunOn, commit_signal};
use crate::domain::WebhookEventType;

use super::deliveries::DeliveryStatus;

/// The enabled endpoints that want `event_type` (one small read: a change nobody
/// subscribed to writes nothing more).
pub fn subscribers(
    conn: &mut DbConnection,
    event_type: WebhookEventType,
) -> QueryResult<Vec<String>> {
    let enabled: Vec<(String, String)> = e::table
        .filter(e::enabled.eq(true))
        .select((e::id, e::event_types))
        .load_on(conn)?;
    Ok(enabled
        .into_iter()
        .filter(|(_, types)| event_type.wanted_by(types))
        .map(|(id, _)| id)
        .collect())
}

/// Announces `event_type` to the endpoints that want it, with the data `data` gives
/// (asked for only when someone does; None announces nothing).
pub fn announce(
    conn: &mut DbConnection,
    event_type: WebhookEventType,
    data: impl FnOnce(&mut DbConnection) -> QueryResult<Option<Value>>,
) -> QueryResult<()> {
    let endpoints = subscribers(conn, event_type)?;
    if endpoints.is_empty() {
        return Ok(());
    }
    match data(conn)? {
        Some(data) => announce_to(conn, &endpoints, event_type, data),
        None => Ok(()),
    }
}

/// Writes the event, as its body will be sent, and a pending delivery to each of
/// `endpoints`.
pub fn announce_to(
    conn: &mut DbConnection,
    endpoints: &[String],
    event_type: WebhookEventType,
    data: Value,
) -> QueryResult<()> {
    let now = crate::db::now();
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let body = serde_json::json!({
        "type": event_type.as_str(),
        "timestamp": now.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string();
    diesel::insert_into(ev::table)
        .values((
            ev::id.eq(&id),
            ev::event_type.eq(event_type.as_str()),
            ev::payload.eq(&body),
            ev::created_at.eq(now),
        ))
        .execute_on(conn)?;
    for endpoint in endpoints {
        diesel::insert_into(d::table)
            .values((
                d::id.eq(uuid::Uuid::new_v4().to_string()),
                d::event_id.eq(&id),
                d::endpoint_id.eq(endpoint),
                d::status.eq(DeliveryStatus::Pending),
                d::attempts.eq(0),
                d::next_attempt_at.eq(now),
                d::claimed_until.eq(None::<chrono::NaiveDateTime>),
                d::last_attempt_at.eq(None::<chrono::NaiveDateTime>),
                d::last_status.eq(None::<i32>),
                d::last_response.eq(None::<String>),
                d::last_error.eq(None::<String>),
                d::delivered_at.eq(None::<chrono::NaiveDateTime>),
                d::created_at.eq(now),
            ))
            .execute_on(conn)?;
    }
    commit_signal::mark(commit_signal::Work::Webhooks);
    // Outside a transaction the rows are already committed.
    if !crate::db::in_transaction(conn)? {
        commit_signal::committed();
    }
    Ok(())
}
