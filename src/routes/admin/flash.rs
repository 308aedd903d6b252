//! Flash messages: a line shown once, on the next page the operator sees (after the
//! redirect that answers every form).

use actix_session::Session;
use serde::{Deserialize, Serialize};

use crate::domain::string_enum::string_enum;

string_enum! {
    /// How a flash reads: its CSS class.
    pub enum FlashKind {
        Success = "success",
        Error = "error",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

const FLASH_KEY: &str = "flash";

/// Shows `text` on the next page this operator sees (after a redirect).
pub fn flash(session: &Session, kind: FlashKind, text: impl Into<String>) {
    let _ = session.insert(
        FLASH_KEY,
        Flash {
            kind,
            text: text.into(),
        },
    );
}

pub fn take_flash(session: &Session) -> Option<Flash> {
    session.remove_as::<Flash>(FLASH_KEY).and_then(Result::ok)
}
