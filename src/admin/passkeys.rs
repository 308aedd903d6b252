//! An operator deleting a user's passkey (a lost or stolen device), by the same rule
//! as the user's own removal (`auth::passkeys::remove_passkey`: every session of the
//! user ends), with the audit entry in one transaction; then the user is mailed.
//! Unlike the user's own removal this may take the last way to sign in: the user can
//! still set a password from a reset mail.

use super::Actor;
use crate::auth::passkeys;
use crate::db::{self, audit, users};
use crate::domain::{AuditEvent, AuditTarget, PasskeyId, UserId};
use crate::failure::Fault;
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
    user_id: UserId,
    passkey_id: PasskeyId,
    confirmed: bool,
) -> Result<PasskeyOutcome, Fault> {
    if !confirmed {
        return Ok(PasskeyOutcome::NeedsConfirmation);
    }
    if actor.user_id() == Some(&user_id) {
        return Ok(PasskeyOutcome::NotOnYourself);
    }
    let letters = crate::auth::notices::Letters::new(state);
    let deleted = db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let Some(user) = users::find_by_id(conn, &user_id)? else {
            return Ok(None);
        };
        let Some(removal) = passkeys::remove_passkey(conn, &user_id, &passkey_id, None)? else {
            return Ok(None);
        };
        audit::record(
            conn,
            &AuditEvent::AdminPasskeyDeleted { removal },
            actor.entry().on(AuditTarget::User, &user_id),
        )?;
        // The operator's language is not the user's: the mail goes in the default one.
        let notice = SecurityNotice::PasskeyDeletedByOperator;
        letters.notify(conn, &user.email, Lang::En, notice)?;
        Ok(Some(user))
    })
    .await?;
    if deleted.is_none() {
        return Ok(PasskeyOutcome::NotFound);
    }
    Ok(PasskeyOutcome::Deleted)
}
