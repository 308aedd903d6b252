//! GET /admin/audit: the audit log, newest first, filtered by action, actor and
//! target.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::layout::{Layout, html};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::text::Text;
use crate::admin::audit_log;
use crate::db::audit::{AuditFilter, AuditListing};
use crate::state::AppState;

/// One audit entry as the pages show it.
pub struct AuditRow {
    pub when: String,
    pub actor: String,
    /// The actor's user page, when the actor is a user.
    pub actor_user: Option<String>,
    pub action: String,
    /// What the entry adds (`provider=google`); empty when nothing.
    pub details: String,
    pub target: String,
    /// The user page the target belongs to: the user itself, or the session's user.
    pub target_user: Option<String>,
    pub ip: String,
}

impl AuditRow {
    pub fn new(listing: AuditListing, t: &Text) -> Self {
        let e = listing.entry;
        Self {
            when: t.when_exact(e.created_at),
            actor: e
                .actor_email
                .or_else(|| e.actor_id.clone())
                .unwrap_or_else(|| "—".into()),
            actor_user: e.actor_id,
            action: e.action,
            details: e.details.unwrap_or_default(),
            target: match (e.target_type, e.target_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                _ => "—".into(),
            },
            target_user: listing.target_user,
            ip: e.ip.unwrap_or_else(|| "—".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/audit_log.html")]
struct AuditPage {
    t: Text,
    layout: Layout,
    rows: Vec<AuditRow>,
    action: String,
    actor: String,
    target: String,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    actor: Option<String>,
    target: Option<String>,
    page: Option<u32>,
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, AdminError> {
    let query = query.into_inner();
    let trimmed = |v: Option<String>| v.unwrap_or_default().trim().to_owned();
    let (action, actor, target) = (
        trimmed(query.action),
        trimmed(query.actor),
        trimmed(query.target),
    );
    let page = page_number(query.page);
    let filter = AuditFilter {
        action: Some(action.clone()),
        actor: Some(actor.clone()),
        target: Some(target.clone()),
    };
    let entries = audit_log::page(&state.pool, filter, offset(page), PER_PAGE).await?;
    let list = list_url(
        "/admin/audit",
        &[("action", &action), ("actor", &actor), ("target", &target)],
    );
    let (entries, pager) = Pager::split(entries, &list, page);
    html(&AuditPage {
        t: operator.t,
        layout: operator.layout()?,
        rows: entries
            .into_iter()
            .map(|e| AuditRow::new(e, &operator.t))
            .collect(),
        action,
        actor,
        target,
        pager: pager.newer_older(),
    })
}
