//! GET /admin/sessions and POST /admin/sessions/{id}/revoke: live sessions of
//! every kind.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::flash;
use super::form_token;
use super::input::{path_id, safe_return};
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::user_agent;
use crate::db::sessions::Session;
use crate::db::{self, audit, sessions};
use crate::state::AppState;

pub struct SessionRow {
    pub id: String,
    pub kind: String,
    pub user_id: String,
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
    pub fn new(session: &Session, email: &str) -> Self {
        let time = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M").to_string();
        Self {
            id: session.id.clone(),
            kind: session.kind.clone(),
            user_id: session.user_id.clone().unwrap_or_default(),
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
    layout: Layout,
    rows: Vec<SessionRow>,
    kind: String,
    kinds: &'static [&'static str],
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
    let kind = query
        .kind
        .clone()
        .filter(|k| sessions::KINDS.contains(&k.as_str()));
    let user = query.user.clone().unwrap_or_default().trim().to_owned();
    let page = page_number(query.page);
    let (kind_filter, user_filter) = (kind.clone(), user.clone());
    let found = db::run(&state.pool, move |conn| {
        Ok(sessions::list_active(
            conn,
            kind_filter.as_deref(),
            Some(&user_filter),
            db::now(),
            offset(page),
            PER_PAGE,
        )?)
    })
    .await?;
    let kind = kind.unwrap_or_default();
    let list = list_url("/admin/sessions", &[("kind", &kind), ("user", &user)]);
    let return_to = format!("{list}&page={page}");
    let (found, pager) = Pager::split(found, &list, page);
    html(&SessionsPage {
        layout: operator.layout()?,
        rows: found
            .iter()
            .map(|(s, email)| SessionRow::new(s, email))
            .collect(),
        kind,
        kinds: &sessions::KINDS,
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
    let id = path_id(id.into_inner())?;
    let back = safe_return(form.return_to.as_deref(), "/admin/sessions")?;
    let operator_ids = (operator.user.id.clone(), operator.user.email.clone());
    let ip = operator.client.ip_text();
    let revoked = db::run(&state.pool, move |conn| {
        let count = sessions::revoke(conn, &id, db::now())?;
        if count > 0 {
            audit::record_event(
                conn,
                (Some(&operator_ids.0), Some(&operator_ids.1)),
                "admin.session_revoked",
                Some(("session", &id)),
                ip.as_deref(),
            )?;
        }
        Ok(count)
    })
    .await?;
    if revoked == 0 {
        flash(
            &operator.session,
            "error",
            "That session had already ended.",
        );
    } else {
        flash(&operator.session, "success", "Session revoked.");
    }
    Ok(redirect(&back))
}
