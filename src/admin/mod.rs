//! The operators' panel's use cases: each takes what it needs, returns an outcome
//! (`routes/admin` renders it), and commits a change with its audit entry in one
//! transaction. The panel's actix-session store lives here too.

pub(crate) mod audit_log;
pub(crate) mod overview;
pub mod passkeys;
pub(crate) mod session_store;
pub(crate) mod sessions;
pub(crate) mod sign_in;
pub mod users;

use crate::domain::UserId;

/// The operator acting, as their audit entries record them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub email: String,
    pub ip: Option<String>,
}

impl Actor {
    /// The operator as the actor of an audit entry.
    pub fn entry(&self) -> crate::db::audit::Entry<'_> {
        crate::db::audit::Entry::by(Some(&self.id), Some(&self.email), self.ip.as_deref())
    }
}
