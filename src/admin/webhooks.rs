//! Webhook endpoints as operators manage them, in the panel and through the management
//! API: register one (its secret shown once), list them and their deliveries, turn one
//! off or on, delete it, send a delivery again. Each change is audited with it.

use crate::db::webhooks::{self as stored, DeliveryRow, Endpoint, NewEndpoint};
use crate::db::{self, Pool, audit};
use crate::domain::{AuditEvent, WebhookEventType};
use crate::failure::{Fault, fails_underneath};
use crate::state::AppState;
use crate::webhooks::secret;
use crate::webhooks::target::{self, TargetProblem};

use super::Actor;

/// The most a description may be.
pub const MAX_DESCRIPTION: usize = 200;

/// An endpoint to register.
#[derive(Debug, Clone)]
pub struct NewEndpointCommand {
    pub url: String,
    pub description: Option<String>,
    /// The types it wants; empty for every type.
    pub event_types: Vec<WebhookEventType>,
}

/// An endpoint just registered: the only time its secret is known.
#[derive(Debug)]
pub struct CreatedEndpoint {
    pub endpoint: Endpoint,
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("url {0}")]
    Url(TargetProblem),
    #[error("description is longer than {MAX_DESCRIPTION} characters")]
    DescriptionTooLong,
    #[error(transparent)]
    Fault(Fault),
}
fails_underneath!(EndpointError);

/// Registers the endpoint, enabled, with a new secret.
pub async fn create(
    state: &AppState,
    actor: Actor,
    command: NewEndpointCommand,
) -> Result<CreatedEndpoint, EndpointError> {
    let production = state.settings.app_env.is_production();
    let url = target::check(&command.url, production)
        .await
        .map_err(EndpointError::Url)?
        .to_string();
    let description = command
        .description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION || d.chars().any(char::is_control))
    {
        return Err(EndpointError::DescriptionTooLong);
    }
    let secret = secret::generate();
    let sealed = secret::seal(state.settings.secret_key.bytes(), &secret)
        .ok_or_else(|| Fault::internal("the webhook secret could not be sealed"))?;
    let event_types = command
        .event_types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let endpoint = db::write(&state.pool, move |conn| -> Result<_, Fault> {
        let id = format!("ep_{}", uuid::Uuid::new_v4().simple());
        stored::insert_endpoint(
            conn,
            &NewEndpoint {
                id: &id,
                url: &url,
                description: description.as_deref(),
                event_types: &event_types,
                sealed_secret: &sealed,
                now: db::now(),
            },
        )?;
        let event = AuditEvent::WebhookEndpointCreated {
            endpoint: id.clone(),
            url: url.clone(),
        };
        audit::record(conn, &event, actor.entry())?;
        stored::find_endpoint(conn, &id)?
            .ok_or_else(|| Fault::internal("the endpoint just made is gone"))
    })
    .await?;
    Ok(CreatedEndpoint { endpoint, secret })
}

/// Every endpoint, oldest first.
pub async fn list(pool: &Pool) -> Result<Vec<Endpoint>, Fault> {
    db::run(pool, |conn| -> Result<_, Fault> {
        Ok(stored::all_endpoints(conn)?)
    })
    .await
}

/// The endpoint and `limit` of its deliveries from `offset`, newest first.
pub async fn with_deliveries(
    pool: &Pool,
    id: String,
    offset: i64,
    limit: i64,
) -> Result<Option<(Endpoint, Vec<DeliveryRow>)>, Fault> {
    db::run(pool, move |conn| -> Result<_, Fault> {
        let Some(endpoint) = stored::find_endpoint(conn, &id)? else {
            return Ok(None);
        };
        let deliveries = stored::for_endpoint(conn, &id, offset, limit)?;
        Ok(Some((endpoint, deliveries)))
    })
    .await
}

/// Deletes the endpoint and its deliveries; whether there was one.
pub async fn delete(pool: &Pool, actor: Actor, id: String) -> Result<bool, Fault> {
    db::write(pool, move |conn| -> Result<_, Fault> {
        let Some(endpoint) = stored::find_endpoint(conn, &id)? else {
            return Ok(false);
        };
        stored::delete_endpoint(conn, &id)?;
        let event = AuditEvent::WebhookEndpointDeleted {
            endpoint: endpoint.id,
            url: endpoint.url,
        };
        audit::record(conn, &event, actor.entry())?;
        Ok(true)
    })
    .await
}

/// What an operator's switch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switched {
    Done,
    /// It was already so.
    Unchanged,
    NotFound,
}

/// Turns the endpoint on (its failures forgotten) or off.
pub async fn set_enabled(
    pool: &Pool,
    actor: Actor,
    id: String,
    enabled: bool,
) -> Result<Switched, Fault> {
    db::write(pool, move |conn| -> Result<_, Fault> {
        let Some(endpoint) = stored::find_endpoint(conn, &id)? else {
            return Ok(Switched::NotFound);
        };
        let now = db::now();
        let (changed, event) = match enabled {
            true => (
                stored::enable_endpoint(conn, &id, now)?,
                AuditEvent::WebhookEndpointEnabled {
                    endpoint: endpoint.id,
                    url: endpoint.url,
                },
            ),
            false => {
                let reason = "disabled by an operator".to_owned();
                (
                    stored::disable_endpoint(conn, &id, &reason, now)?,
                    AuditEvent::WebhookEndpointDisabled {
                        endpoint: endpoint.id,
                        url: endpoint.url,
                        reason,
                    },
                )
            }
        };
        if !changed {
            return Ok(Switched::Unchanged);
        }
        audit::record(conn, &event, actor.entry())?;
        Ok(Switched::Done)
    })
    .await
}

/// Makes delivery `delivery` of endpoint `endpoint` due now, with the same
/// `webhook-id`; whether there was one.
pub async fn resend(
    pool: &Pool,
    actor: Actor,
    endpoint: String,
    delivery: String,
) -> Result<bool, Fault> {
    db::write(pool, move |conn| -> Result<_, Fault> {
        let Some(event) = stored::resend(conn, &endpoint, &delivery, db::now())? else {
            return Ok(false);
        };
        let entry = AuditEvent::WebhookDeliveryResent { endpoint, event };
        audit::record(conn, &entry, actor.entry())?;
        Ok(true)
    })
    .await
}
