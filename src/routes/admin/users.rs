//! GET /admin/users, GET /admin/users/{id} and the actions on an account (disable,
//! enable, delete, revoke its sessions).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::flash;
use super::form_token;
use super::input::path_id;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::sessions::SessionRow;
use crate::auth::email_verification;
use crate::db::users::User;
use crate::db::{self, accounts, audit, sessions, users};
use crate::i18n::Lang;
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

impl From<&User> for UserRow {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone().unwrap_or_default(),
            role: user.role.clone(),
            status: status_of(user),
            verified: user.email_verified,
            created: user.created_at.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
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
    let status = users::UserStatus::parse(&status_raw);
    let verified = match query.verified.as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    let page = page_number(query.page);
    let search = q.clone();
    let found = db::run(&state.pool, move |conn| {
        Ok(users::search(
            conn,
            Some(&search),
            status,
            verified,
            offset(page),
            PER_PAGE,
        )?)
    })
    .await?;
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
        layout: operator.layout()?,
        rows: found.iter().map(UserRow::from).collect(),
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
    let (user, live, linked) = db::run(&state.pool, move |conn| {
        let user = users::find_by_id(conn, &id)?;
        let live = sessions::list_active_for_user(conn, &id, db::now())?;
        let linked = accounts::for_user(conn, &id)?;
        Ok((user, live, linked))
    })
    .await?;
    let user = user.ok_or(AdminError::NotFound)?;
    html(&UserPage {
        layout: operator.layout()?,
        email_verified: user.email_verified,
        has_password: user.password_hash.is_some(),
        accounts: linked
            .iter()
            .map(|a| AccountRow {
                provider: a.provider.clone(),
                email: a.email.clone().unwrap_or_default(),
                linked: a.created_at.format("%Y-%m-%d %H:%M").to_string(),
            })
            .collect(),
        updated: user.updated_at.format("%Y-%m-%d %H:%M").to_string(),
        disabled_at: user
            .disabled_at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
        is_self: user.id == operator.user.id,
        return_to: format!("/admin/users/{}", user.id),
        sessions: live
            .iter()
            .map(|s| SessionRow::new(s, &user.email))
            .collect(),
        user: UserRow::from(&user),
    })
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: Option<String>,
    /// The checkbox that confirms a destructive action without JavaScript.
    confirm: Option<String>,
}

/// POST /admin/users/{id}/{disable|enable|delete|revoke-sessions}
pub async fn act(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let (id, action) = path.into_inner();
    let id = path_id(id)?;
    let back = format!("/admin/users/{id}");
    if action == "resend-verification" {
        return resend_verification(&state, &operator, id, &back).await;
    }
    let (audit_action, done, destructive) = match action.as_str() {
        "disable" => (
            "admin.user_disabled",
            "Account disabled; its sessions were revoked.",
            true,
        ),
        "enable" => ("admin.user_enabled", "Account enabled.", false),
        "delete" => ("admin.user_deleted", "Account deleted.", true),
        "revoke-sessions" => (
            "admin.sessions_revoked",
            "Every session of the account was revoked.",
            true,
        ),
        _ => return Err(AdminError::NotFound),
    };
    if destructive && form.confirm.is_none() {
        flash(
            &operator.session,
            "error",
            "Tick the confirmation box to do this.",
        );
        return Ok(redirect(&back));
    }
    if id == operator.user.id && matches!(action.as_str(), "disable" | "delete") {
        flash(
            &operator.session,
            "error",
            "You cannot disable or delete your own account here.",
        );
        return Ok(redirect(&back));
    }
    let operator_ids = (operator.user.id.clone(), operator.user.email.clone());
    let ip = operator.client.ip_text();
    let target = id.clone();
    let found = db::run(&state.pool, move |conn| {
        let Some(user) = users::find_by_id(conn, &target)? else {
            return Ok(false);
        };
        let now = db::now();
        match action.as_str() {
            "disable" => users::set_disabled(conn, &user.id, true, now).map(drop)?,
            "enable" => users::set_disabled(conn, &user.id, false, now).map(drop)?,
            "delete" => users::soft_delete(conn, &user.id, now)?,
            _ => sessions::revoke_all_for_user(conn, &user.id, None, now).map(drop)?,
        }
        audit::record_event(
            conn,
            (Some(&operator_ids.0), Some(&operator_ids.1)),
            audit_action,
            Some(("user", &user.id)),
            ip.as_deref(),
        )?;
        Ok(true)
    })
    .await?;
    if !found {
        return Err(AdminError::NotFound);
    }
    flash(&operator.session, "success", done);
    Ok(redirect(&back))
}

/// POST /admin/users/{id}/resend-verification: a fresh link to an unverified address
/// (at most one a minute per address, as for the user's own requests).
async fn resend_verification(
    state: &AppState,
    operator: &Operator,
    id: String,
    back: &str,
) -> Result<HttpResponse, AdminError> {
    let operator_ids = (operator.user.id.clone(), operator.user.email.clone());
    let ip = operator.client.ip_text();
    let user = db::run(&state.pool, move |conn| {
        let user = users::find_by_id(conn, &id)?.filter(|u| u.deleted_at.is_none());
        if let Some(user) = user.as_ref().filter(|u| !u.email_verified) {
            audit::record_event(
                conn,
                (Some(&operator_ids.0), Some(&operator_ids.1)),
                "admin.verification_resent",
                Some(("user", &user.id)),
                ip.as_deref(),
            )?;
        }
        Ok(user)
    })
    .await?;
    let user = user.ok_or(AdminError::NotFound)?;
    if user.email_verified {
        flash(
            &operator.session,
            "error",
            "This address is already verified.",
        );
    } else {
        email_verification::mail_later(state, &user, Lang::En);
        flash(
            &operator.session,
            "success",
            "A verification link was sent (at most one a minute per address).",
        );
    }
    Ok(redirect(back))
}
