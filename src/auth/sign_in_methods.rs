//! How many ways a user has to sign in (a password, each linked provider, each
//! passkey): unlinking a provider and removing a passkey both refuse to take the last
//! one (LAST_SIGN_IN_METHOD), by this one count.

use crate::db::users::User;
use crate::db::{DbConnection, identities, passkeys};

pub fn count(conn: &mut DbConnection, user: &User) -> diesel::QueryResult<i64> {
    let password = i64::from(user.password_hash.is_some());
    Ok(password
        + identities::count_for_user(conn, &user.id)?
        + passkeys::count_for_user(conn, &user.id)?)
}
