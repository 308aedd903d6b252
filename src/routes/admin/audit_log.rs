//! GET /admin/audit: the audit log, newest first, filtered by action, actor and
//! target.

use actix_web::http::header::CONTENT_DISPOSITION;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::FlashKind;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, list_url, offset, page_number};
use super::text::Text;
use super::{csv, form_token};
use crate::admin::audit_log::{self, ExportRange};
use crate::db::audit::{AuditFilter, AuditListing};
use crate::state::AppState;

/// One audit entry as the pages show it.
pub struct AuditRow {
    pub when: String,
    pub actor: String,
    /// The actor's user page, when the actor is a user.
    pub actor_user: Option<String>,
    /// The event's name in the operator's language, and as stored (what the filter
    /// takes).
    pub action: String,
    pub action_code: &'static str,
    /// The event's details, field by field in the operator's language; empty when
    /// none.
    pub details: String,
    pub target: String,
    /// The target's whole id (the table shows the start of it).
    pub target_id: String,
    /// The user page the target belongs to: the user itself, or the session's user.
    pub target_user: Option<String>,
    pub ip: String,
}

impl AuditRow {
    pub fn new(listing: AuditListing, t: &Text) -> Self {
        let e = listing.entry;
        Self {
            when: t.when_exact(e.created_at),
            // The system's own entries (housekeeping, the bootstrap) are signed `system`.
            actor: match (&e.actor_id, e.actor_email) {
                (None, Some(email)) if email == "system" => t.get("audit.system").into_owned(),
                (_, Some(email)) => email,
                (Some(id), None) => id.clone(),
                (None, None) => "—".into(),
            },
            actor_user: e.actor_id,
            action: t.get(&format!("audit.event.{}", e.action)).into_owned(),
            action_code: e.action.as_str(),
            details: e
                .details
                .as_deref()
                .map(|d| details(d, t))
                .unwrap_or_default(),
            target_id: e.target_id.clone().unwrap_or_default(),
            target: match (e.target_type, e.target_id) {
                // The id's first eight characters: the link leads to the whole.
                (Some(kind), Some(id)) => {
                    format!("{} {}", t.code("target_kind", kind.as_str()), short_id(&id))
                }
                _ => "—".into(),
            },
            target_user: listing.target_user,
            ip: e.ip.unwrap_or_else(|| "—".into()),
        }
    }
}

/// An id as a table shows it: its first eight characters and an ellipsis (ids are
/// UUIDs; the first eight tell entries apart on one page).
fn short_id(id: &str) -> String {
    if id.chars().count() <= 8 {
        return id.to_owned();
    }
    format!("{}…", id.chars().take(8).collect::<String>())
}

/// Stored details (a JSON object) as `field: value` pairs in the operator's words;
/// nested objects (a passkey removal) in brackets; text that is not JSON as it is.
fn details(stored: &str, t: &Text) -> String {
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(value) => render_value(&value, t),
        Err(_) => stored.to_owned(),
    }
}

fn render_value(value: &serde_json::Value, t: &Text) -> String {
    use serde_json::Value;
    match value {
        Value::Object(fields) => fields
            .iter()
            .map(|(name, value)| {
                let shown = match value {
                    Value::Object(_) => match t.lang {
                        crate::i18n::Lang::En => format!("[{}]", render_value(value, t)),
                        crate::i18n::Lang::Ja => format!("［{}］", render_value(value, t)),
                    },
                    Value::String(text) => field_value(name, text, t),
                    other => render_value(other, t),
                };
                format!("{}: {shown}", t.get(&format!("audit.field.{name}")))
            })
            .collect::<Vec<_>>()
            .join(" · "),
        Value::String(text) => field_value("", text, t),
        Value::Bool(true) => t.get("common.yes").into_owned(),
        Value::Bool(false) => t.get("common.no").into_owned(),
        Value::Null => t.get("common.none").into_owned(),
        other => other.to_string(),
    }
}

/// A detail's text in the operator's words: codes of a closed set (a sign-in method, a
/// ban's reason, a role, a code's step) by the catalog, a time in the operator's zone;
/// names, addresses and ids as they are.
fn field_value(field: &str, text: &str, t: &Text) -> String {
    match field {
        "reason" => return t.code("reason", text).into_owned(),
        "role" => return t.code("role", text).into_owned(),
        "step" => return t.code("step", text).into_owned(),
        "factor" => return t.code("method", text).into_owned(),
        "method" => {
            let joiner = match t.lang {
                crate::i18n::Lang::En => " + ",
                crate::i18n::Lang::Ja => "＋",
            };
            return text
                .split('+')
                .map(|part| match part.strip_prefix("provider:") {
                    Some(provider) => provider.to_owned(),
                    None => t.code("method", part).into_owned(),
                })
                .collect::<Vec<_>>()
                .join(joiner);
        }
        _ => {}
    }
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(at) => format!("{}{}", t.when(at.naive_utc()), t.paren(t.zone_name())),
        Err(_) => text.to_owned(),
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

#[derive(Deserialize)]
pub struct ExportForm {
    csrf_token: Option<String>,
    /// Days in the operator's zone (`2026-12-01`), both included.
    from: Option<String>,
    to: Option<String>,
    action: Option<String>,
}

impl ExportForm {
    /// The range in UTC, or the catalog key of what is wrong.
    fn range(&self, t: &Text) -> Result<ExportRange, &'static str> {
        let day = |raw: &Option<String>| {
            raw.as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        };
        let (Some(from), Some(to)) = (day(&self.from), day(&self.to)) else {
            return Err("flash.export_dates");
        };
        if from > to {
            return Err("flash.export_order");
        }
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|midnight| t.parse_local(&midnight.format("%Y-%m-%dT%H:%M").to_string()))
        };
        let next_day = to.succ_opt().ok_or("flash.export_dates")?;
        Ok(ExportRange {
            from: start(from).ok_or("flash.export_dates")?,
            to: start(next_day).ok_or("flash.export_dates")?,
            action: self.action.clone().unwrap_or_default().trim().to_owned(),
        })
    }
}

/// POST /admin/audit/export: the entries of a range of days as a CSV download.
pub async fn export(
    state: web::Data<AppState>,
    operator: Operator,
    form: web::Form<ExportForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let range = match form.range(&operator.t) {
        Ok(range) => range,
        Err(problem) => {
            operator.flash(FlashKind::Error, problem);
            return Ok(redirect("/admin/audit"));
        }
    };
    let name = format!(
        "audit-{}-{}.csv",
        form.from.as_deref().unwrap_or_default().trim(),
        form.to.as_deref().unwrap_or_default().trim()
    );
    let entries = audit_log::export(&state.pool, operator.actor(), range).await?;
    // Headers in the operator's language, the times in their zone (with the offset, so
    // that the file stays unambiguous wherever it is opened).
    let t = &operator.t;
    let when_header = format!("{}{}", t.get("audit.when"), t.paren(t.zone_name()));
    let mut body = csv::record([
        t.get("audit.csv.id").as_ref(),
        when_header.as_str(),
        t.get("audit.csv.actor_id").as_ref(),
        t.get("audit.csv.actor_email").as_ref(),
        t.get("audit.action").as_ref(),
        t.get("audit.csv.action_code").as_ref(),
        t.get("audit.csv.target_type").as_ref(),
        t.get("audit.csv.target_id").as_ref(),
        t.get("sessions.ip").as_ref(),
        t.get("audit.csv.details").as_ref(),
    ]);
    for e in &entries {
        let id = e.id.to_string();
        let when = e
            .created_at
            .and_utc()
            .with_timezone(&t.zone)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let action = t.get(&format!("audit.event.{}", e.action));
        body.push_str(&csv::record([
            id.as_str(),
            when.as_str(),
            e.actor_id.as_deref().unwrap_or_default(),
            e.actor_email.as_deref().unwrap_or_default(),
            action.as_ref(),
            e.action.as_str(),
            e.target_type
                .map(crate::domain::AuditTarget::as_str)
                .unwrap_or_default(),
            e.target_id.as_deref().unwrap_or_default(),
            e.ip.as_deref().unwrap_or_default(),
            e.details.as_deref().unwrap_or_default(),
        ]));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}
