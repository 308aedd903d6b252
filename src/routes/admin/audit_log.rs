//! GET /admin/audit: the audit log, newest first.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::layout::{Layout, html};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, offset, page_number};
use crate::db::audit::AuditEntry;
use crate::db::{self, audit};
use crate::state::AppState;

/// One audit entry as the pages show it.
pub struct AuditRow {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub target_user: Option<String>,
    pub ip: String,
}

impl From<AuditEntry> for AuditRow {
    fn from(e: AuditEntry) -> Self {
        let target_user = (e.target_type.as_deref() == Some("user"))
            .then(|| e.target_id.clone())
            .flatten();
        Self {
            when: e.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            actor: e.actor_email.or(e.actor_id).unwrap_or_else(|| "—".into()),
            action: e.action,
            target: match (e.target_type, e.target_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                _ => "—".into(),
            },
            target_user,
            ip: e.ip.unwrap_or_else(|| "—".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/audit_log.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRow>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AdminError> {
    let page = page_number(query.page);
    let entries = db::run(&state.pool, move |conn| {
        Ok(audit::page(conn, offset(page), PER_PAGE)?)
    })
    .await?;
    let (entries, pager) = Pager::split(entries, "/admin/audit", page);
    html(&AuditPage {
        layout: operator.layout()?,
        rows: entries.into_iter().map(AuditRow::from).collect(),
        pager: pager.newer_older(),
    })
}
