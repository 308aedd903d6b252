//! JWT signing keys as stored: the private half sealed (this module never sees it
//! open), the public JWK as published, and from when each key signs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::signing_keys as t;
use super::{DbConnection, RunOn};
use crate::domain::SigningAlgorithm;

#[derive(Debug, Clone, Queryable)]
pub struct StoredKey {
    pub kid: String,
    pub algorithm: SigningAlgorithm,
    /// The PKCS#8 key, sealed under SECRET_KEY.
    pub sealed_private_key: String,
    pub public_jwk: String,
    pub created_at: NaiveDateTime,
    pub signs_from: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, key: &StoredKey) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values((
            t::kid.eq(&key.kid),
            t::algorithm.eq(key.algorithm),
            t::private_key.eq(&key.sealed_private_key),
            t::public_jwk.eq(&key.public_jwk),
            t::created_at.eq(key.created_at),
            t::signs_from.eq(key.signs_from),
        ))
        .execute_on(conn)
        .map(drop)
}

/// Every stored key, the one that signs first the latest.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<StoredKey>> {
    t::table
        .order((t::signs_from.asc(), t::kid.asc()))
        .select((
            t::kid,
            t::algorithm,
            t::private_key,
            t::public_jwk,
            t::created_at,
            t::signs_from,
        ))
        .load_on(conn)
}

pub fn delete(conn: &mut DbConnection, kid: &str) -> QueryResult<usize> {
    diesel::delete(t::table.find(kid)).execute_on(conn)
}
