//! The operators' panel's use cases: each takes what it needs, returns an outcome
//! (`routes/admin` renders it), and commits a change with its audit entry in one
//! transaction. The panel's actix-session store lives here too.

pub(crate) mod audit_log;
pub mod management_keys;
pub(crate) mod overview;
pub mod passkeys;
pub mod reseal;
pub(crate) mod session_store;
pub(crate) mod sessions;
pub(crate) mod sign_in;
pub mod users;
pub mod webhooks;

use crate::domain::UserId;

/// Who acts through the panel's use cases, as their audit entries record them: an
/// operator in the panel, or the app's backend with a management key.
#[derive(Debug, Clone)]
pub enum Actor {
    Operator {
        id: UserId,
        email: String,
        ip: Option<String>,
    },
    /// A management key: audited under its name (`key:<name>`).
    Key { label: String, ip: Option<String> },
}

impl Actor {
    pub fn operator(id: UserId, email: String, ip: Option<String>) -> Self {
        Self::Operator { id, email, ip }
    }

    pub fn key(name: &str, ip: Option<String>) -> Self {
        Self::Key {
            label: format!("key:{name}"),
            ip,
        }
    }

    /// The acting operator's account, when an operator acts.
    pub fn user_id(&self) -> Option<&UserId> {
        match self {
            Self::Operator { id, .. } => Some(id),
            Self::Key { .. } => None,
        }
    }

    /// The actor of an audit entry.
    pub fn entry(&self) -> crate::db::audit::Entry<'_> {
        match self {
            Self::Operator { id, email, ip } => {
                crate::db::audit::Entry::by(Some(id), Some(email), ip.as_deref())
            }
            Self::Key { label, ip } => {
                crate::db::audit::Entry::by(None, Some(label), ip.as_deref())
            }
        }
    }
}
