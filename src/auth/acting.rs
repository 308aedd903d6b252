//! A change a signed-in user makes to their own account, as one transaction: the
//! easy way to write such a use case. `write` takes the request's context (the user
//! and their client) by reference and hands the transaction an owned copy, so a use
//! case never clones its way past the blocking pool's `'static` by hand, and records
//! its audit entry with `me.entry()`.

use crate::db::users::User;
use crate::db::{self, DbConnection, DbError, Pool, audit};
use crate::domain::ClientInfo;

/// Who the transaction acts for: the signed-in user, from their client.
pub struct Acting {
    pub user: User,
    pub client: ClientInfo,
    ip: Option<String>,
}

impl Acting {
    pub fn new(user: &User, client: &ClientInfo) -> Self {
        Self {
            user: user.clone(),
            client: client.clone(),
            ip: client.ip_text(),
        }
    }

    /// The audit entry of the user acting on their own account.
    pub fn entry(&self) -> audit::Entry<'_> {
        audit::Entry::by_user(&self.user.id, &self.user.email, self.ip.as_deref())
    }
}

/// Runs `work` for `user` in one write transaction on the blocking pool.
pub async fn write<T, E, F>(pool: &Pool, user: &User, client: &ClientInfo, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection, &Acting) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + From<diesel::result::Error> + Send + 'static,
{
    let me = Acting::new(user, client);
    db::write(pool, move |conn| work(conn, &me)).await
}
