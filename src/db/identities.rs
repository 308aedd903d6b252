//! Queries on `accounts`: the identities users have at sign-in providers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::accounts as a;
use super::{DbConnection, RunOn, columns};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a)]
pub struct Identity {
    pub provider: String,
    pub subject: String,
    pub user_id: String,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = a, treat_none_as_default_value = false)]
pub struct NewAccount<'a> {
    pub provider: &'a str,
    pub subject: &'a str,
    pub user_id: &'a str,
    pub email: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, account: &NewAccount<'_>) -> QueryResult<()> {
    diesel::insert_into(a::table)
        .values(account)
        .execute_on(conn)
        .map(drop)
}

pub fn find(
    conn: &mut DbConnection,
    provider: &str,
    subject: &str,
) -> QueryResult<Option<Identity>> {
    a::table
        .find((provider, subject))
        .select(columns::<Identity>())
        .first_on(conn)
        .optional()
}

/// The user's identities, oldest first.
pub fn for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<Identity>> {
    a::table
        .filter(a::user_id.eq(user_id))
        .order((a::created_at.asc(), a::provider.asc()))
        .select(columns::<Identity>())
        .load_on(conn)
}

pub fn has_provider(conn: &mut DbConnection, user_id: &str, provider: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        a::table
            .filter(a::user_id.eq(user_id))
            .filter(a::provider.eq(provider)),
    ))
    .get_result_on(conn)
}

pub fn count_for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<i64> {
    a::table
        .filter(a::user_id.eq(user_id))
        .count()
        .get_result_on(conn)
}

/// The address the provider gives may change between sign-ins; the latest is shown.
pub fn set_email(
    conn: &mut DbConnection,
    provider: &str,
    subject: &str,
    email: Option<&str>,
) -> QueryResult<usize> {
    super::update(a::table.find((provider, subject)), a::email.eq(email)).execute_on(conn)
}

pub fn delete(conn: &mut DbConnection, user_id: &str, provider: &str) -> QueryResult<usize> {
    diesel::delete(
        a::table
            .filter(a::user_id.eq(user_id))
            .filter(a::provider.eq(provider)),
    )
    .execute_on(conn)
}
