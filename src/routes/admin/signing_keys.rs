//! GET /admin/keys and POST /admin/keys/rotate: the JWT signing keys, and the
//! button that rotates them (the same use case as `sekisho keys rotate`).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::FlashKind;
use super::form_token;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::text::Text;
use crate::auth::signing_keys::{self, Requester};
use crate::state::AppState;

pub struct KeyRow {
    pub kid: String,
    pub algorithm: String,
    pub created: String,
    pub signs_from: String,
    /// A catalog key: `keys.state.signing`, `.pending` or `.superseded`.
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "admin/keys.html")]
struct KeysPage {
    t: Text,
    layout: Layout,
    rows: Vec<KeyRow>,
    publish_minutes: i64,
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
) -> Result<HttpResponse, AdminError> {
    let keys = signing_keys::list(&state.pool).await?;
    let now = chrono::Utc::now().timestamp();
    let signing = state.jwt.signing_kid(now);
    let rows = keys
        .into_iter()
        .rev()
        .map(|key| KeyRow {
            state: if Some(&key.kid) == signing.as_ref() {
                "keys.state.signing"
            } else if key.signs_from.and_utc().timestamp() > now {
                "keys.state.pending"
            } else {
                "keys.state.superseded"
            },
            created: operator.t.when(key.created_at),
            signs_from: operator.t.when(key.signs_from),
            algorithm: key.algorithm.as_str().to_owned(),
            kid: key.kid,
        })
        .collect();
    html(&KeysPage {
        t: operator.t,
        layout: operator.layout()?,
        rows,
        publish_minutes: state.settings.tokens.publish_delay.num_minutes(),
    })
}

#[derive(Deserialize)]
pub struct RotateForm {
    csrf_token: Option<String>,
}

pub async fn rotate(
    state: web::Data<AppState>,
    operator: Operator,
    form: web::Form<RotateForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let requester = Requester {
        operator: Some((operator.user.id.clone(), operator.user.email.clone())),
        ip: operator.client.ip_text(),
    };
    signing_keys::rotate(&state.pool, &state.settings, &state.jwt, requester).await?;
    operator.flash(FlashKind::Success, "flash.key_rotated");
    Ok(redirect("/admin/keys"))
}
