//! How many ways a user has to sign in (a password, each linked provider, each
//! passkey): unlinking a provider and removing a passkey both refuse to take the last
//! one (LAST_SIGN_IN_METHOD), by this one count.

use crate::db::decisions::{self, Subject};
use crate::db::{DbConnection, identities, passkeys, users};

/// The user's ways to sign in, counted as the transaction sees them once no other
/// transaction is deciding about them (two removals racing cannot both see two).
/// Call it inside the write transaction that then removes one.
pub fn count(conn: &mut DbConnection, user_id: &str) -> diesel::QueryResult<i64> {
    decisions::take_turn(conn, Subject::SignInMethods(user_id))?;
    let password =
        users::find_by_id(conn, user_id)?.is_some_and(|user| user.password_hash.is_some());
    Ok(i64::from(password)
        + identities::count_for_user(conn, user_id)?
        + passkeys::count_for_user(conn, user_id)?)
}
