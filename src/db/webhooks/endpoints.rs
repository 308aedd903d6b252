//! Where events go: an endpoint's URL, the types it wants, its sealed secret, and
//! whether it is on.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::webhook_endpoints as t;
use crate::db::{DbConnection, RunOn};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = t)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    /// Comma-separated event types; empty for every type.
    pub event_types: String,
    /// The signing secret, sealed under SECRET_KEY.
    pub sealed_secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// The first failed attempt since the last success.
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Endpoint {
    /// The types it asked for, as stored; none: every type.
    pub fn event_types(&self) -> impl Iterator<Item = &str> {
        self.event_types
            .split(',')
            .map(str::trim)
            .filter(|kind| !kind.is_empty())
    }
}

pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub description: Option<&'a str>,
    pub event_types: &'a str,
    pub sealed_secret: &'a str,
    pub now: NaiveDateTime,
}

pub fn insert_endpoint(conn: &mut DbConnection, endpoint: &NewEndpoint<'_>) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::id.eq(endpoint.id),
            t::url.eq(endpoint.url),
            t::description.eq(endpoint.description),
            t::event_types.eq(endpoint.event_types),
            t::sealed_secret.eq(endpoint.sealed_secret),
            t::enabled.eq(true),
            t::disabled_reason.eq(None::<String>),
            t::failing_since.eq(None::<NaiveDateTime>),
            t::created_at.eq(endpoint.now),
            t::updated_at.eq(endpoint.now),
        ))
        .execute_on(conn)
        .map(drop)
}

/// Every endpoint, oldest first.
pub fn all_endpoints(conn: &mut DbConnection) -> QueryResult<Vec<Endpoint>> {
    t::table
        .order((t::created_at.asc(), t::id.asc()))
        .select(crate::db::columns::<Endpoint>())
        .load_on(conn)
}

pub fn find_endpoint(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Endpoint>> {
    t::table
        .find(id)
        .select(crate::db::columns::<Endpoint>())
        .first_on(conn)
        .optional()
}

/// Deletes the endpoint and, with it, its deliveries (the foreign key cascades).
pub fn delete_endpoint(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(t::table.find(id))
        .execute_on(conn)
        .map(|n| n > 0)
}

/// Turns the endpoint off, saying why; whether it was on.
pub fn disable_endpoint(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::update(
        t::table.find(id).filter(t::enabled.eq(true)),
        (
            t::enabled.eq(false),
            t::disabled_reason.eq(Some(reason)),
            t::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(|n| n > 0)
}

/// Turns the endpoint on again, its failures forgotten; whether it was off.
pub fn enable_endpoint(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    crate::db::update(
        t::table.find(id).filter(t::enabled.eq(false)),
        (
            t::enabled.eq(true),
            t::disabled_reason.eq(None::<String>),
            t::failing_since.eq(None::<NaiveDateTime>),
            t::updated_at.eq(now),
        ),
    )
    .execute_on(conn)
    .map(|n| n > 0)
}

/// Enabled endpoints whose attempts have failed since before `since`.
pub fn failing_endpoints(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> QueryResult<Vec<Endpoint>> {
    t::table
        .filter(t::enabled.eq(true))
        .filter(t::failing_since.le(since))
        .select(crate::db::columns::<Endpoint>())
        .load_on(conn)
}

/// Notes an attempt's outcome on its endpoint: a success clears the failing streak, a
/// failure starts one (or continues it).
pub(super) fn note_outcome(
    conn: &mut DbConnection,
    id: &str,
    succeeded: bool,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if succeeded {
        crate::db::update(
            t::table.find(id).filter(t::failing_since.is_not_null()),
            t::failing_since.eq(None::<NaiveDateTime>),
        )
        .execute_on(conn)
        .map(drop)
    } else {
        crate::db::update(
            t::table.find(id).filter(t::failing_since.is_null()),
            t::failing_since.eq(Some(now)),
        )
        .execute_on(conn)
        .map(drop)
    }
}
