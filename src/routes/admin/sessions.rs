//! GET /admin/sessions and POST /admin/sessions/{id}/revoke: live sessions of
//! every kind.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::FlashKind;
use super::form_token;
use super::input::{path_id, safe_return};
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::text::Text;
use super::user_agent;
use crate::admin::sessions::{self, Revoked};
use crate::db::sessions::Session;
use crate::domain::{SessionId, SessionKind};
use crate::state::AppState;

pub struct SessionRow {
    pub id: String,
    pub kind: String,
    /// None for a session with no user (none is listed today; the page copes).
    pub user_id: Option<String>,
    pub email: String,
    pub ip: String,
    /// "Chrome 156 on Linux"; the whole string is `user_agent_full`.
    pub user_agent: String,
    pub user_agent_full: String,
    pub created: String,
    pub last_seen: String,
    pub expires: String,
}

impl SessionRow {
    pub fn new(session: &Session, email: &str, t: &Text) -> Self {
        let time = |at| t.when(at);
        Self {
            id: session.id.to_string(),
            kind: session.kind.as_str().to_owned(),
            user_id: session.user_id.as_ref().map(ToString::to_string),
            email: email.to_owned(),
            ip: session.ip.clone().unwrap_or_else(|| "—".into()),
            user_agent: session
                .user_agent
                .as_deref()
                .map(user_agent::short)
                .filter(|short| !short.is_empty())
                .unwrap_or_else(|| "—".into()),
            user_agent_full: session.user_agent.clone().unwrap_or_default(),
            created: time(session.created_at),
            last_seen: time(session.last_seen_at),
            expires: time(session.expires_at),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage {
    t: Text,
    layout: Layout,
    rows: Vec<SessionRow>,
    kind: String,
    kinds: &'static [SessionKind],
    user: String,
    pager: Pager,
    return_to: String,
}

#[derive(Deserialize)]
pub struct SessionsQuery {
    kind: Option<String>,
    user: Option<String>,
    page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<SessionsQuery>,
) -> Result<HttpResponse, AdminError> {
    // An unknown kind filters nothing, and is not kept in the form or the links.
    let kind = query.kind.as_deref().and_then(SessionKind::parse);
    let user = query.user.clone().unwrap_or_default().trim().to_owned();
    let page = page_number(query.page);
    let wanted = Some(user.clone()).filter(|u| !u.is_empty());
    let found = sessions::list(&state.pool, kind, wanted, offset(page), PER_PAGE).await?;
    let kind = kind.map(SessionKind::as_str).unwrap_or_default().to_owned();
    let list = list_url("/admin/sessions", &[("kind", &kind), ("user", &user)]);
    let return_to = format!("{list}&page={page}");
    let (found, pager) = Pager::split(found, &list, page);
    html(&SessionsPage {
        t: operator.t,
        layout: operator.layout()?,
        rows: found
            .iter()
            .map(|(s, email)| SessionRow::new(s, email, &operator.t))
            .collect(),
        kind,
        kinds: SessionKind::ALL,
        user,
        pager,
        return_to,
    })
}

#[derive(Deserialize)]
pub struct RevokeForm {
    csrf_token: Option<String>,
    return_to: Option<String>,
}

pub async fn revoke(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<String>,
    form: web::Form<RevokeForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let id: SessionId = path_id(id.into_inner())?;
    let back = safe_return(form.return_to.as_deref(), "/admin/sessions")?;
    match sessions::revoke(&state.pool, operator.actor(), id).await? {
        Revoked::Now => operator.flash(FlashKind::Success, "flash.session_revoked"),
        Revoked::AlreadyEnded => operator.flash(FlashKind::Error, "flash.session_already_ended"),
    }
    Ok(redirect(&back))
}
