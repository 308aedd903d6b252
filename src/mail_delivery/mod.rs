//! Mail through the database: a use case queues its mail on the connection of its
//! change (`queue`), sealed under SECRET_KEY; every instance's worker sends what is
//! due (`worker`). So a mail is sent only if its change committed, and a committed
//! one is sent even across a shutdown, a crash or an SMTP outage.

pub mod worker;

use lettre::Message;

use crate::db::{DbConnection, DbError, mail_queue};
use crate::mail::Outgoing;

/// What the queued message is sealed for (a key derived for this purpose only).
pub(crate) const SEALED_FOR: &[u8] = b"mail queue";

/// Queues the built mail on `conn`. A mail that could not be built (an address lettre
/// refuses) is logged and skipped: it never undoes the change it tells of.
pub fn queue(
    conn: &mut DbConnection,
    secret_key: &[u8],
    kind: &str,
    built: Result<Message, String>,
) -> Result<(), DbError> {
    let message = match built {
        Ok(message) => message,
        Err(e) => {
            log::error!("{kind} mail could not be built: {e}");
            return Ok(());
        }
    };
    let sealed = Outgoing::new(&message)
        .to_bytes()
        .ok()
        .and_then(|bytes| crate::crypto::sealed::seal(secret_key, SEALED_FOR, &bytes));
    let Some(sealed) = sealed else {
        log::error!("{kind} mail could not be sealed");
        return Ok(());
    };
    mail_queue::enqueue(conn, kind, &sealed, crate::db::now())?;
    Ok(())
}

/// Why a queued message cannot be read.
enum Unreadable {
    /// Neither SECRET_KEY nor PREVIOUS_SECRET_KEYS sealed it.
    OtherKey,
    /// It opened, and is not a message (never written by this release).
    Damaged,
}

/// A queued message, if one of this instance's keys sealed it.
fn open(secret_key: &crate::config::SecretKey, sealed: &str) -> Result<Outgoing, Unreadable> {
    let bytes = crate::crypto::sealed::open_any(secret_key, SEALED_FOR, sealed)
        .ok_or(Unreadable::OtherKey)?;
    Outgoing::from_bytes(&bytes).ok_or(Unreadable::Damaged)
}
