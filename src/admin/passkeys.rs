//! An operator deleting a user's passkey (a lost or stolen device): the passkey goes,
//! every session of the user ends, both with the audit entry in one transaction, and
//! the user is mailed. Unlike the user's own removal this may take the last way to
//! sign in: the user can still set a password from a reset mail.

use super::Actor;
use crate::db::{self, DbError, audit, passkeys, sessions, users};
use crate::domain::AuditAction;
use crate::failure::Failure;
use crate::i18n::Lang;
use crate::mail::SecurityNotice;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasskeyOutcome {
    Deleted,
    /// The form came without the ticked box: nothing was done.
    NeedsConfirmation,
    /// One's own passkeys are managed in the app, not from the panel.
    NotOnYourself,
    NotFound,
}

pub async fn delete(
    state: &AppState,
    actor: Actor,
    user_id: String,
    passkey_id: String,
    confirmed: bool,
) -> Result<PasskeyOutcome, Failure> {
    if !confirmed {
        return Ok(PasskeyOutcome::NeedsConfirmation);
    }
    if user_id == actor.id {
        return Ok(PasskeyOutcome::NotOnYourself);
    }
    let deleted = db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| -> Result<_, DbError> {
            let Some(user) = users::find_by_id(conn, &user_id)? else {
                return Ok(None);
            };
            let Some(passkey) = passkeys::find_for_user(conn, &user_id, &passkey_id)? else {
                return Ok(None);
            };
            let now = db::now();
            passkeys::delete(conn, &user_id, &passkey_id)?;
            sessions::revoke_all_for_user(conn, &user_id, None, now)?;
            audit::record(
                conn,
                &audit::NewAuditEntry {
                    actor_id: Some(&actor.id),
                    actor_email: Some(&actor.email),
                    action: AuditAction::AdminPasskeyDeleted.as_str(),
                    target_type: Some("user"),
                    target_id: Some(&user_id),
                    ip: actor.ip.as_deref(),
                    details: Some(&format!("passkey={} name={}", passkey.id, passkey.name)),
                    created_at: now,
                },
            )?;
            Ok(Some(user))
        })
    })
    .await?;
    let Some(user) = deleted else {
        return Ok(PasskeyOutcome::NotFound);
    };
    // The operator's language is not the user's: the mail goes in the default one.
    crate::auth::two_factor::notify(
        state,
        &user.email,
        Lang::En,
        SecurityNotice::PasskeyDeletedByOperator,
    );
    Ok(PasskeyOutcome::Deleted)
}
