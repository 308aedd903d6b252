//! Webhooks as stored: endpoints (`endpoints`), the outbox events are written to in
//! the transaction of their change (`outbox`), and each event's delivery to each
//! endpoint, which workers claim, attempt and settle (`deliveries`).

mod deliveries;
mod endpoints;
mod outbox;

pub use deliveries::{
    Attempt, Claimed, DeliveryRow, DeliveryStatus, claim_due, for_endpoint, prune_settled,
    record_attempt, resend,
};
pub use endpoints::{
    Endpoint, NewEndpoint, all_endpoints, delete_endpoint, disable_endpoint, enable_endpoint,
    failing_endpoints, find_endpoint, insert_endpoint,
};
pub use outbox::{announce, announce_to, subscribers};
