//! The user's own profile: their name and picture.

use super::acting;
use crate::db::{self, audit, users, users::User};
use crate::domain::{AuditEvent, ClientInfo};
use crate::failure::Fault;
use crate::state::AppState;

/// What a profile update sets; a field left None is kept as it is, `Some(None)`
/// clears it.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<Option<String>>,
    pub image: Option<Option<String>>,
}

/// Applies the changes with their audit entry (the names of the fields that
/// changed, and `user.updated` to webhooks), in one transaction; the user as stored
/// after it. Nothing that changes nothing is audited.
pub async fn update(
    state: &AppState,
    client: &ClientInfo,
    user: &User,
    changes: ProfileChanges,
) -> Result<User, Fault> {
    acting::write(
        &state.pool,
        user,
        client,
        move |conn, me| -> Result<_, Fault> {
            // The row as it is now: a change made meanwhile by another request is kept
            // where this one does not touch it.
            let Some(current) = users::find_by_id(conn, &me.user.id)? else {
                return Ok(me.user.clone());
            };
            let name = changes.name.unwrap_or_else(|| current.name.clone());
            let image = changes.image.unwrap_or_else(|| current.image.clone());
            let mut fields = Vec::new();
            if name != current.name {
                fields.push("name".to_owned());
            }
            if image != current.image {
                fields.push("image".to_owned());
            }
            if fields.is_empty() {
                return Ok(current);
            }
            users::set_profile(
                conn,
                &current.id,
                name.as_deref(),
                image.as_deref(),
                db::now(),
            )?;
            audit::record(conn, &AuditEvent::UserProfileUpdated { fields }, me.entry())?;
            Ok(users::find_by_id(conn, &current.id)?.unwrap_or(current))
        },
    )
    .await
}
