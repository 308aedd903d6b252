//! GET /admin/management-keys, POST /admin/management-keys (make one, shown once) and
//! POST /admin/management-keys/{name}/revoke: the keys of the management API, by the
//! same use cases as `sekisho management-key`.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::FlashKind;
use super::form_token;
use super::input::path_id;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::text::Text;
use crate::admin::management_keys::{self, CreateKeyError};
use crate::domain::ManagementScope;
use crate::state::AppState;

pub struct KeyRow {
    pub name: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin/management_keys.html")]
struct KeysPage {
    t: Text,
    layout: Layout,
    rows: Vec<KeyRow>,
    scopes: &'static [ManagementScope],
    /// The key just made: shown on this page once, never again.
    new_key: Option<String>,
}

async fn page(
    state: &AppState,
    operator: &Operator,
    new_key: Option<String>,
) -> Result<HttpResponse, AdminError> {
    let keys = management_keys::list(&state.pool).await?;
    let t = operator.t;
    let when =
        |at: Option<chrono::NaiveDateTime>| at.map_or_else(|| "—".to_owned(), |at| t.when(at));
    html(&KeysPage {
        t,
        layout: operator.layout()?,
        rows: keys
            .into_iter()
            .map(|key| KeyRow {
                created: t.when(key.created_at),
                expires: when(key.expires_at),
                last_used: when(key.last_used_at),
                revoked: key.revoked_at.is_some(),
                scopes: key.scopes.replace(',', ", "),
                name: key.name,
            })
            .collect(),
        scopes: ManagementScope::ALL,
        new_key,
    })
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
) -> Result<HttpResponse, AdminError> {
    page(&state, &operator, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf_token: Option<String>,
    name: Option<String>,
    /// One field per ticked scope, each named after its scope.
    #[serde(flatten)]
    ticked: std::collections::HashMap<String, String>,
    expires_in_days: Option<String>,
}

pub async fn create(
    state: web::Data<AppState>,
    operator: Operator,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let scopes: Vec<ManagementScope> = ManagementScope::ALL
        .iter()
        .copied()
        .filter(|scope| form.ticked.contains_key(scope.as_str()))
        .collect();
    let expires_in_days = match form.expires_in_days.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<u32>() {
            Ok(days) if (1..=3650).contains(&days) => Some(days),
            _ => {
                operator.flash(FlashKind::Error, "flash.key_expiry_invalid");
                return Ok(redirect("/admin/management-keys"));
            }
        },
    };
    let name = form.name.clone().unwrap_or_default();
    let created = management_keys::create(
        &state.pool,
        Some(operator.actor()),
        &name,
        scopes,
        expires_in_days,
    )
    .await;
    match created {
        Ok(created) => page(&state, &operator, Some(created.key)).await,
        Err(CreateKeyError::NameTaken(_)) => {
            operator.flash(FlashKind::Error, "flash.key_name_taken");
            Ok(redirect("/admin/management-keys"))
        }
        Err(CreateKeyError::Invalid(_)) => {
            operator.flash(FlashKind::Error, "flash.key_invalid");
            Ok(redirect("/admin/management-keys"))
        }
        Err(CreateKeyError::Fault(fault)) => Err(fault.into()),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
}

pub async fn revoke(
    state: web::Data<AppState>,
    operator: Operator,
    name: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let name: String = path_id(name.into_inner())?;
    if management_keys::revoke(&state.pool, Some(operator.actor()), &name).await? {
        operator.flash(FlashKind::Success, "flash.key_revoked");
    } else {
        operator.flash(FlashKind::Error, "flash.key_already_revoked");
    }
    Ok(redirect("/admin/management-keys"))
}
