//! The panel's webhooks: GET/POST /admin/webhooks (the endpoints; register one, its
//! secret shown once), GET /admin/webhooks/{id} (its deliveries: status, attempts, the
//! last answer), POST …/enable, …/disable, …/delete, and
//! POST …/deliveries/{delivery}/resend. The same use cases as the management API.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::error::AdminError;
use super::flash::FlashKind;
use super::form_token;
use super::input::path_id;
use super::layout::{Layout, html, redirect};
use super::operator::Operator;
use super::pagination::{PER_PAGE, Pager, offset, page_number};
use super::text::Text;
use crate::admin::webhooks::{self, EndpointError, NewEndpointCommand, Switched};
use crate::db::webhooks::{DeliveryRow, DeliveryStatus, Endpoint};
use crate::domain::WebhookEventType;
use crate::state::AppState;

pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    /// The types it wants, or None for every type.
    pub events: Option<String>,
    pub enabled: bool,
    pub disabled_reason: String,
    pub failing_since: String,
    pub created: String,
}

impl EndpointRow {
    fn new(endpoint: Endpoint, t: Text) -> Self {
        let events = endpoint.event_types().collect::<Vec<_>>().join(", ");
        Self {
            created: t.when(endpoint.created_at),
            failing_since: endpoint
                .failing_since
                .map_or_else(String::new, |at| t.when(at)),
            events: (!events.is_empty()).then_some(events),
            disabled_reason: endpoint.disabled_reason.unwrap_or_default(),
            description: endpoint.description.unwrap_or_default(),
            enabled: endpoint.enabled,
            url: endpoint.url,
            id: endpoint.id,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct EndpointsPage {
    t: Text,
    layout: Layout,
    rows: Vec<EndpointRow>,
    types: &'static [WebhookEventType],
    /// The endpoint just registered and its secret: shown on this page once.
    created: Option<(String, String)>,
}

async fn endpoints_page(
    state: &AppState,
    operator: &Operator,
    created: Option<(String, String)>,
) -> Result<HttpResponse, AdminError> {
    let t = operator.t;
    let rows = webhooks::list(&state.pool)
        .await?
        .into_iter()
        .map(|endpoint| EndpointRow::new(endpoint, t))
        .collect();
    html(&EndpointsPage {
        t,
        layout: operator.layout()?,
        rows,
        types: WebhookEventType::ALL,
        created,
    })
}

pub async fn list(
    state: web::Data<AppState>,
    operator: Operator,
) -> Result<HttpResponse, AdminError> {
    endpoints_page(&state, &operator, None).await
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf_token: Option<String>,
    url: Option<String>,
    description: Option<String>,
    /// One field per ticked event type, named after it; none ticked: every type.
    #[serde(flatten)]
    ticked: std::collections::HashMap<String, String>,
}

pub async fn create(
    state: web::Data<AppState>,
    operator: Operator,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let command = NewEndpointCommand {
        url: form.url.clone().unwrap_or_default(),
        description: form.description.clone(),
        event_types: WebhookEventType::ALL
            .iter()
            .copied()
            .filter(|kind| form.ticked.contains_key(kind.as_str()))
            .collect(),
    };
    match webhooks::create(&state, operator.actor(), command).await {
        Ok(created) => {
            let shown = (created.endpoint.url, created.secret);
            endpoints_page(&state, &operator, Some(shown)).await
        }
        Err(EndpointError::Url(_)) => {
            operator.flash(FlashKind::Error, "flash.webhook_url_invalid");
            Ok(redirect("/admin/webhooks"))
        }
        Err(EndpointError::DescriptionTooLong) => {
            operator.flash(FlashKind::Error, "flash.webhook_description_invalid");
            Ok(redirect("/admin/webhooks"))
        }
        Err(EndpointError::Fault(fault)) => Err(fault.into()),
    }
}

pub struct DeliveryLine {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: &'static str,
    /// The status in the operator's language (a catalog key).
    pub status_key: &'static str,
    pub attempts: i32,
    pub created: String,
    pub last_attempt: String,
    pub next_attempt: String,
    pub last_status: String,
    pub last_answer: String,
}

impl DeliveryLine {
    fn new(row: DeliveryRow, t: Text) -> Self {
        let pending = row.status == DeliveryStatus::Pending;
        Self {
            status: row.status.as_str(),
            status_key: match row.status {
                DeliveryStatus::Pending => "webhooks.status.pending",
                DeliveryStatus::Delivered => "webhooks.status.delivered",
                DeliveryStatus::Failed => "webhooks.status.failed",
            },
            attempts: row.attempts,
            created: t.when(row.created_at),
            last_attempt: row
                .last_attempt_at
                .map_or_else(String::new, |at| t.when(at)),
            next_attempt: if pending {
                t.when(row.next_attempt_at)
            } else {
                String::new()
            },
            last_status: row.last_status.map_or_else(String::new, |s| s.to_string()),
            last_answer: match (row.last_error, row.last_response) {
                (Some(error), Some(body)) if !body.is_empty() => format!("{error}: {body}"),
                (Some(error), _) => error,
                (None, Some(body)) => body,
                (None, None) => String::new(),
            },
            id: row.id,
            event_id: row.event_id,
            event_type: row.event_type,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/webhook.html")]
struct EndpointPage {
    t: Text,
    layout: Layout,
    endpoint: EndpointRow,
    deliveries: Vec<DeliveryLine>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u32>,
}

pub async fn show(
    state: web::Data<AppState>,
    operator: Operator,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AdminError> {
    let id: String = path_id(id.into_inner())?;
    let page = page_number(query.page);
    let found =
        webhooks::with_deliveries(&state.pool, id.clone(), offset(page), PER_PAGE + 1).await?;
    let Some((endpoint, deliveries)) = found else {
        return Err(AdminError::NotFound);
    };
    let t = operator.t;
    let (deliveries, pager) = Pager::split(deliveries, &format!("/admin/webhooks/{id}"), page);
    html(&EndpointPage {
        t,
        layout: operator.layout()?,
        endpoint: EndpointRow::new(endpoint, t),
        deliveries: deliveries
            .into_iter()
            .map(|row| DeliveryLine::new(row, t))
            .collect(),
        pager: pager.newer_older(),
    })
}

#[derive(Deserialize)]
pub struct ActionForm {
    csrf_token: Option<String>,
}

/// POST /admin/webhooks/{id}/{enable|disable|delete}.
pub async fn act(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let (id, action) = path.into_inner();
    let id: String = path_id(id)?;
    let back = format!("/admin/webhooks/{id}");
    let switched = match action.as_str() {
        "enable" | "disable" => {
            webhooks::set_enabled(&state.pool, operator.actor(), id, action == "enable").await?
        }
        "delete" => {
            if webhooks::delete(&state.pool, operator.actor(), id).await? {
                operator.flash(FlashKind::Success, "flash.webhook_deleted");
                return Ok(redirect("/admin/webhooks"));
            }
            Switched::NotFound
        }
        _ => return Err(AdminError::NotFound),
    };
    match switched {
        Switched::Done if action == "enable" => {
            operator.flash(FlashKind::Success, "flash.webhook_enabled");
        }
        Switched::Done => operator.flash(FlashKind::Success, "flash.webhook_disabled"),
        Switched::Unchanged => {}
        Switched::NotFound => return Err(AdminError::NotFound),
    }
    Ok(redirect(&back))
}

/// POST /admin/webhooks/{id}/deliveries/{delivery}/resend.
pub async fn resend(
    state: web::Data<AppState>,
    operator: Operator,
    path: web::Path<(String, String)>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AdminError> {
    form_token::verify(&operator.session, form.csrf_token.as_deref())?;
    let (id, delivery) = path.into_inner();
    let (id, delivery): (String, String) = (path_id(id)?, path_id(delivery)?);
    let back = format!("/admin/webhooks/{id}");
    if !webhooks::resend(&state.pool, operator.actor(), id, delivery).await? {
        return Err(AdminError::NotFound);
    }
    operator.flash(FlashKind::Success, "flash.webhook_resent");
    Ok(redirect(&back))
}
