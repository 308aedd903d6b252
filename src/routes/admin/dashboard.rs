//! GET /admin: counts and recent activity.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::audit_log::AuditRow;
use super::error::AdminError;
use super::layout::{Layout, html};
use super::operator::Operator;
use crate::db::{self, audit, stats};
use crate::state::AppState;

/// Audit entries under "Recent activity".
const RECENT: i64 = 10;

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    counts: stats::Counts,
    active_sessions: i64,
    recent: Vec<AuditRow>,
}

pub async fn show(
    state: web::Data<AppState>,
    operator: Operator,
) -> Result<HttpResponse, AdminError> {
    let (counts, recent) = db::run(&state.pool, |conn| {
        Ok((
            stats::counts(conn, db::now())?,
            audit::page(conn, &Default::default(), 0, RECENT)?,
        ))
    })
    .await?;
    html(&DashboardPage {
        layout: operator.layout()?,
        active_sessions: counts.sessions_by_kind.iter().map(|(_, n)| n).sum(),
        counts,
        recent: recent
            .into_iter()
            .take(RECENT as usize)
            .map(AuditRow::from)
            .collect(),
    })
}
