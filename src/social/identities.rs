//! A user's linked identities: listing them, and unlinking one, never the last way
//! the user has to sign in.

use super::UnlinkError;
use crate::auth::{acting, sign_in_methods};
use crate::db::{self, Pool, audit, identities, identities::Identity, users::User};
use crate::domain::AuditEvent;
use crate::domain::ClientInfo;
use crate::failure::Fault;
use crate::state::AppState;

pub async fn list(pool: &Pool, user_id: &str) -> Result<Vec<Identity>, Fault> {
    let user_id = user_id.to_owned();
    db::run(pool, move |conn| -> Result<_, Fault> {
        Ok(identities::for_user(conn, &user_id)?)
    })
    .await
}

/// 404 when no identity of `provider` is linked; LAST_SIGN_IN_METHOD when it is the
/// user's last way to sign in (no password, no passkey, no other provider).
pub async fn unlink(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    provider: String,
) -> Result<(), UnlinkError> {
    acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, UnlinkError> {
            if !identities::has_provider(conn, &me.user.id, &provider)? {
                return Err(UnlinkError::NotFound);
            }
            if sign_in_methods::count(conn, &me.user.id)? <= 1 {
                return Err(UnlinkError::LastSignInMethod);
            }
            identities::delete(conn, &me.user.id, &provider)?;
            audit::record(
                conn,
                &AuditEvent::UserAccountUnlinked { provider },
                me.entry(),
            )?;
            Ok(())
        },
    )
    .await
}
