//! POST /admin/users/{id}/passkeys/{passkey}/delete: an operator deleting a user's
//! passkey (the user's page lists them).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::AdminError;
use super::flash::FlashKind;
use super::form_token;
use super::input::path_id;
use super::layout::redirect;
use super::operator::Operator;
use crate::admin::passkeys::{self, PasskeyOutcome};
use crate::domain::{PasskeyId, UserId};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
}

pub async fn delete(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(String, String)>,
    form: web::Form<DeleteForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let (user_id, passkey_id) = path.into_inner();
    let (user_id, passkey_id): (UserId, PasskeyId) = (path_id(user_id)?, path_id(passkey_id)?);
    let back = format!("/admin/users/{user_id}");
    let outcome = passkeys::delete(
        &state,
        operator.actor(),
        user_id,
        passkey_id,
        form.confirm.is_some(),
    )
    .await?;
    let (kind, message) = match outcome {
        PasskeyOutcome::Deleted => (FlashKind::Success, "flash.passkey_deleted"),
        PasskeyOutcome::NeedsConfirmation => (FlashKind::Error, "flash.confirm_first"),
        PasskeyOutcome::NotOnYourself => (FlashKind::Error, "flash.not_yourself"),
        PasskeyOutcome::NotFound => return Err(AdminError::NotFound),
    };
    operator.flash(kind, message);
    Ok(redirect(&back))
}
