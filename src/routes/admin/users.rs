//! GET /admin/users, GET /admin/users/{id} and the actions on an account (disable,
//! enable, delete, revoke its sessions).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::form_token;
use super::input::path_id;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::sessions::SessionRow;
use super::text::Text;
use crate::admin::users::{self, ActionOutcome, UserAction, UserDetail, UserSearch};
use crate::db::users::{User, UserStatus};
use crate::state::AppState;

pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub status: &'static str,
    pub verified: bool,
    pub created: String,
}

fn status_of(user: &User) -> &'static str {
    if user.deleted_at.is_some() {
        "deleted"
    } else if user.disabled_at.is_some() {
        "disabled"
    } else {
        "active"
    }
}

impl UserRow {
    fn new(user: &User, t: &Text) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone().unwrap_or_default(),
            role: user.role.clone(),
            status: status_of(user),
            verified: user.email_verified,
            created: t.when(user.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    t: Text,
    layout: Layout,
    rows: Vec<UserRow>,
    q: String,
    status: String,
    verified: String,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct UsersQuery {
    q: Option<String>,
    status: Option<String>,
    /// `yes` or `no`: whether the address is verified.
    verified: Option<String>,
    page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AdminError> {
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let status_raw = query.status.clone().unwrap_or_default();
    let status = UserStatus::parse(&status_raw);
    let verified = match query.verified.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let page = page_number(query.page);
    let search = UserSearch {
        q: q.clone(),
        status,
        verified,
    };
    let found = users::search(&state.pool, search, offset(page), PER_PAGE).await?;
    // An unknown status filters nothing, and is not kept in the form or the links.
    let status_shown = if status.is_some() {
        status_raw
    } else {
        String::new()
    };
    let verified_shown = match verified {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let list = list_url(
        "/admin/users",
        &[
            ("q", &q),
            ("status", &status_shown),
            ("verified", verified_shown),
        ],
    );
    let (found, pager) = Pager::split(found, &list, page);
    html(&UsersPage {
        t: operator.t,
        layout: operator.layout()?,
        rows: found.iter().map(|u| UserRow::new(u, &operator.t)).collect(),
        q,
        status: status_shown,
        verified: verified_shown.to_owned(),
        pager,
    })
}

/// A provider identity linked to the user, as the user page shows it.
pub struct AccountRow {
    pub provider: String,
    pub email: String,
    pub linked: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    t: Text,
    layout: Layout,
    user: UserRow,
    email_verified: bool,
    has_password: bool,
    accounts: Vec<AccountRow>,
    updated: String,
    disabled_at: String,
    sessions: Vec<SessionRow>,
    is_self: bool,
    /// Where a revoke button brings the operator back to.
    return_to: String,
}

pub async fn show(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<String>,
) -> Result<HttpResponse, AdminError> {
    let id = path_id(id.into_inner())?;
    let UserDetail {
        user,
        live_sessions: live,
        identities: linked,
    } = users::detail(&state.pool, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    let t = operator.t;
    html(&UserPage {
        t,
        layout: operator.layout()?,
        email_verified: user.email_verified,
        has_password: user.password_hash.is_some(),
        accounts: linked
            .iter()
            .map(|a| AccountRow {
                provider: a.provider.clone(),
                email: a.email.clone().unwrap_or_default(),
                linked: t.when(a.created_at),
            })
            .collect(),
        updated: t.when(user.updated_at),
        disabled_at: user.disabled_at.map(|at| t.when(at)).unwrap_or_default(),
        is_self: user.id == operator.user.id,
        return_to: format!("/admin/users/{}", user.id),
        sessions: live
            .iter()
            .map(|s| SessionRow::new(s, &user.email, &t))
            .collect(),
        user: UserRow::new(&user, &t),
    })
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: Option<String>,
    /// The checkbox that confirms a destructive action without JavaScript.
    confirm: Option<String>,
}

/// POST /admin/users/{id}/{action}: one of `UserAction`'s spellings.
pub async fn act(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let (id, action) = path.into_inner();
    let id = path_id(id)?;
    let action = UserAction::parse(&action).ok_or(AdminError::NotFound)?;
    let back = format!("/admin/users/{id}");
    let outcome = users::act(&state, operator.actor(), id, action, form.confirm.is_some()).await?;
    let (kind, message) = match outcome {
        ActionOutcome::Done(done) => ("success", done_message(done)),
        ActionOutcome::NeedsConfirmation => ("error", "flash.confirm_first"),
        ActionOutcome::NotOnYourself => ("error", "flash.not_yourself"),
        ActionOutcome::AlreadyVerified => ("error", "flash.already_verified"),
        ActionOutcome::NotFound => return Err(AdminError::NotFound),
    };
    operator.flash(kind, message);
    Ok(redirect(&back))
}

/// The catalog key of what the flash says after `action`.
fn done_message(action: UserAction) -> &'static str {
    match action {
        UserAction::Disable => "flash.disabled",
        UserAction::Enable => "flash.enabled",
        UserAction::Delete => "flash.deleted",
        UserAction::RevokeSessions => "flash.sessions_revoked",
        UserAction::ResendVerification => "flash.verification_sent",
    }
}
