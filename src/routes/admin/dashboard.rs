//! GET /admin: counts and recent activity.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::audit_log::AuditRow;
use super::error::AdminError;
use super::layout::{Layout, html};
use super::operator::Operator;
use super::text::Text;
use crate::admin::overview::{Overview, overview};
use crate::db::overview::Counts;
use crate::state::AppState;

/// Audit entries under "Recent activity".
const RECENT: i64 = 10;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    t: Text,
    layout: Layout,
    counts: Counts,
    active_sessions: i64,
    recent: Vec<AuditRow>,
}

pub async fn show(
    state: web::Data<AppState>,
    operator: Operator,
) -> Result<HttpResponse, AdminError> {
    let Overview { counts, recent } = overview(&state.pool, RECENT).await?;
    html(&DashboardPage {
        t: operator.t,
        layout: operator.layout()?,
        active_sessions: counts.sessions_by_kind.iter().map(|(_, n)| n).sum(),
        counts,
        recent: recent
            .into_iter()
            .map(|e| AuditRow::new(e, &operator.t))
            .collect(),
    })
}
