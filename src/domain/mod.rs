//! Types that can only be built valid: handlers parse raw input into these once; and
//! the closed sets the database stores as text.

mod audit_action;
mod ban_reason;
mod client;
mod email;
pub mod password;
mod role;
mod session_kind;
pub(crate) mod string_enum;

pub use audit_action::AuditAction;
pub use ban_reason::BanReason;
pub use client::ClientInfo;
pub use email::Email;
pub use password::Password;
pub use role::Role;
pub use session_kind::SessionKind;
