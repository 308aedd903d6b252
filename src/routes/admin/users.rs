//! GET /admin/users, GET /admin/users/{id} and the actions on an account (disable,
//! enable, delete, revoke its sessions).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::{Flash, FlashKind};
use super::form_token;
use super::input::path_id;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::sessions::SessionRow;
use super::text::Text;
use crate::admin::users::{
    self, ActionOutcome, BanProblem, Created, NewUserCommand, UserAction, UserCommand, UserDetail,
    UserSearch,
};
use crate::db;
use crate::db::users::{Ban, User, UserStatus};
use crate::domain::{BanReason, Email, Role, UserId};
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
    } else if user.is_disabled_at(db::now()) {
        "disabled"
    } else {
        "active"
    }
}

impl UserRow {
    fn new(user: &User, t: &Text) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.clone(),
            name: user.name.clone().unwrap_or_default(),
            role: user.role.as_str().to_owned(),
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

/// A passkey of the user, as the user page shows it.
pub struct PasskeyRow {
    pub id: String,
    pub name: String,
    pub added: String,
    /// Empty: never used.
    pub last_used: String,
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
    /// When the second factor was turned on, in the operator's zone; empty when off.
    two_factor_since: String,
    accounts: Vec<AccountRow>,
    passkeys: Vec<PasskeyRow>,
    updated: String,
    disabled_at: String,
    /// The ban's reason code, end and note, when disabled.
    ban_reason: String,
    ban_until: String,
    ban_note: String,
    reasons: &'static [BanReason],
    sessions: Vec<SessionRow>,
    session_count: i64,
    pager: Pager,
    is_self: bool,
    /// Where a revoke button brings the operator back to.
    return_to: String,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    /// The page of the user's live sessions.
    page: Option<u32>,
}

pub async fn show(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AdminError> {
    let id: String = path_id(id.into_inner())?;
    let page = page_number(query.page);
    let UserDetail {
        user,
        live_sessions: live,
        live_session_count,
        identities: linked,
        passkeys,
    } = users::detail(&state.pool, id, offset(page), PER_PAGE + 1)
        .await?
        .ok_or(AdminError::NotFound)?;
    let (live, pager) = Pager::split(live, &format!("/admin/users/{}", user.id), page);
    let t = operator.t;
    html(&UserPage {
        t,
        layout: operator.layout()?,
        email_verified: user.email_verified,
        has_password: user.password_hash.is_some(),
        two_factor_since: user
            .two_factor_enabled_at
            .map(|at| t.when(at))
            .unwrap_or_default(),
        accounts: linked
            .iter()
            .map(|a| AccountRow {
                provider: a.provider.clone(),
                email: a.email.clone().unwrap_or_default(),
                linked: t.when(a.created_at),
            })
            .collect(),
        passkeys: passkeys
            .iter()
            .map(|p| PasskeyRow {
                id: p.id.clone(),
                name: p.name.clone(),
                added: t.when(p.created_at),
                last_used: p.last_used_at.map(|at| t.when(at)).unwrap_or_default(),
            })
            .collect(),
        updated: t.when(user.updated_at),
        disabled_at: user.disabled_at.map(|at| t.when(at)).unwrap_or_default(),
        ban_reason: user
            .disabled_reason
            .map(BanReason::as_str)
            .unwrap_or_default()
            .to_owned(),
        ban_until: user.disabled_until.map(|at| t.when(at)).unwrap_or_default(),
        ban_note: user.disabled_note.clone().unwrap_or_default(),
        reasons: BanReason::ALL,
        is_self: user.id == operator.user.id,
        return_to: format!("/admin/users/{}?page={page}", user.id),
        session_count: live_session_count,
        pager,
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
    /// Disable: a `BanReason` code, the operator's note, and the ban's end as the
    /// browser's `datetime-local` (in the operator's time zone); none: until enabled.
    reason: Option<String>,
    note: Option<String>,
    until: Option<String>,
    /// Role change: the new role.
    role: Option<String>,
}

impl ActionForm {
    /// The validated command for `action`, or the catalog key of what is wrong.
    fn command(&self, action: UserAction, t: &Text) -> Result<UserCommand, &'static str> {
        Ok(match action {
            UserAction::Disable => UserCommand::Disable(self.ban(t)?),
            UserAction::Enable => UserCommand::Enable,
            UserAction::Delete => UserCommand::Delete,
            UserAction::SetRole => UserCommand::SetRole(
                self.role
                    .as_deref()
                    .and_then(Role::parse)
                    .ok_or("flash.role_invalid")?,
            ),
            UserAction::RevokeSessions => UserCommand::RevokeSessions,
            UserAction::ResendVerification => UserCommand::ResendVerification,
            UserAction::ResendInvitation => UserCommand::ResendInvitation,
            UserAction::ResetTwoFactor => UserCommand::ResetTwoFactor,
        })
    }

    fn ban(&self, t: &Text) -> Result<Ban, &'static str> {
        // No reason given (the form before bans had reasons): `other`.
        let reason = match self.reason.as_deref().map(str::trim) {
            None | Some("") => BanReason::Other,
            Some(code) => BanReason::parse(code).ok_or("flash.reason_required")?,
        };
        let until = match self
            .until
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            None => None,
            Some(raw) => Some(t.parse_local(raw).ok_or("flash.until_invalid")?),
        };
        users::ban(reason, self.note.as_deref(), until, db::now()).map_err(
            |problem| match problem {
                BanProblem::NoteTooLong => "flash.note_too_long",
                BanProblem::EndInThePast => "flash.until_past",
            },
        )
    }
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
    let id: UserId = path_id(id)?;
    let action = UserAction::parse(&action).ok_or(AdminError::NotFound)?;
    let back = format!("/admin/users/{id}");
    let command = match form.command(action, &operator.t) {
        Ok(command) => command,
        Err(problem) => {
            operator.flash(FlashKind::Error, problem);
            return Ok(redirect(&back));
        }
    };
    let outcome = users::act(
        &state,
        operator.actor(),
        id,
        command,
        form.confirm.is_some(),
    )
    .await?;
    let (kind, message) = match outcome {
        ActionOutcome::Done(done) => (FlashKind::Success, done_message(done)),
        ActionOutcome::NeedsConfirmation => (FlashKind::Error, "flash.confirm_first"),
        ActionOutcome::NotOnYourself => (FlashKind::Error, "flash.not_yourself"),
        ActionOutcome::LastOperator => (FlashKind::Error, "flash.last_operator"),
        ActionOutcome::AlreadyVerified => (FlashKind::Error, "flash.already_verified"),
        ActionOutcome::HasPassword => (FlashKind::Error, "flash.has_password"),
        ActionOutcome::NotFound => return Err(AdminError::NotFound),
        ActionOutcome::ActorNotOperator => return Err(AdminError::Forbidden),
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
        UserAction::SetRole => "flash.role_changed",
        UserAction::RevokeSessions => "flash.sessions_revoked",
        UserAction::ResendVerification => "flash.verification_sent",
        UserAction::ResendInvitation => "flash.invitation_sent",
        UserAction::ResetTwoFactor => "flash.two_factor_reset",
    }
}

#[derive(Template)]
#[template(path = "admin/new_user.html")]
struct NewUserPage {
    t: Text,
    layout: Layout,
    email: String,
    name: String,
    role: String,
}

/// GET /admin/users/new: the form that creates a user.
pub async fn new_form(operator: Operator) -> Result<HttpResponse, AdminError> {
    html(&NewUserPage {
        t: operator.t,
        layout: operator.layout()?,
        email: String::new(),
        name: String::new(),
        role: Role::User.as_str().to_owned(),
    })
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf_token: Option<String>,
    confirm: Option<String>,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
}

impl NewUserForm {
    fn command(&self) -> Result<NewUserCommand, &'static str> {
        let email = Email::parse(self.email.as_deref().unwrap_or_default())
            .map_err(|_| "flash.email_invalid")?;
        let name =
            crate::domain::display_name(self.name.as_deref()).map_err(|_| "flash.name_invalid")?;
        let role = self
            .role
            .as_deref()
            .and_then(Role::parse)
            .ok_or("flash.role_invalid")?;
        Ok(NewUserCommand {
            email,
            name,
            role,
            password: None,
            email_verified: false,
            send_invitation: true,
        })
    }
}

/// POST /admin/users/new: creates the user and mails them a link to choose their
/// password; the form comes back with what was typed when something is wrong.
pub async fn create(
    state: web::Data<AppState>,
    operator: Operator,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let problem = match (form.confirm.is_some(), form.command()) {
        (false, _) => "flash.confirm_first",
        (true, Err(problem)) => problem,
        (true, Ok(command)) => {
            match users::create(&state, operator.actor(), command, operator.t.lang).await? {
                Created::User(id) => {
                    operator.flash(FlashKind::Success, "flash.user_created");
                    return Ok(redirect(&format!("/admin/users/{id}")));
                }
                Created::EmailTaken => "flash.email_taken",
            }
        }
    };
    let page = NewUserPage {
        t: operator.t,
        layout: Layout {
            flash: Some(Flash {
                kind: FlashKind::Error,
                text: operator.t.get(problem).into_owned(),
            }),
            ..operator.layout()?
        },
        email: form.email.clone().unwrap_or_default(),
        name: form.name.clone().unwrap_or_default(),
        role: form.role.clone().unwrap_or_default(),
    };
    let mut response = html(&page)?;
    *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    Ok(response)
}
