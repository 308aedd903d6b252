//! Types that can only be built valid: handlers parse raw input into these once; and
//! the closed sets the database stores as text.

mod audit_event;
mod ban_reason;
mod client;
mod display_name;
mod email;
mod ids;
mod management_scope;
pub mod password;
mod profile_image;
mod role;
mod session_kind;
mod sign_in_method;
mod signing_algorithm;
pub(crate) mod string_enum;
mod webhook_event;

pub use audit_event::{AuditAction, AuditEvent, AuditTarget, CodeStep, PasskeyRemoval, Removed};
pub use ban_reason::BanReason;
pub use client::ClientInfo;
pub use display_name::display_name;
pub use email::Email;
pub use ids::{PasskeyId, SessionId, UserId};
pub use management_scope::ManagementScope;
pub use password::Password;
pub use profile_image::profile_image;
pub use role::Role;
pub use session_kind::SessionKind;
pub use sign_in_method::{FirstFactor, SecondFactor, SignInMethod};
pub use signing_algorithm::SigningAlgorithm;
pub use webhook_event::{SessionEndReason, WebhookEventType};
