//! Every stored value sealed under SECRET_KEY, column by column, for `sekisho keys
//! reseal`: each is handed to the caller, who answers its value sealed anew (or
//! nothing, when it is already sealed under the current key or cannot be opened).

use diesel::prelude::*;

use crate::db::schema::{mail_queue, signing_keys, two_factor_secrets, webhook_endpoints};
use crate::db::{DbConnection, RunOn};

/// Where a sealed value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedColumn {
    TotpSecret,
    TotpPending,
    SigningKey,
    WebhookSecret,
    QueuedMail,
}

impl SealedColumn {
    pub const ALL: [Self; 5] = [
        Self::TotpSecret,
        Self::TotpPending,
        Self::SigningKey,
        Self::WebhookSecret,
        Self::QueuedMail,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::TotpSecret => "TOTP secrets",
            Self::TotpPending => "TOTP set-ups waiting for a first code",
            Self::SigningKey => "token signing keys",
            Self::WebhookSecret => "webhook secrets",
            Self::QueuedMail => "queued mails",
        }
    }
}

/// Every (row id, sealed value) of `column`.
pub fn all(conn: &mut DbConnection, column: SealedColumn) -> QueryResult<Vec<(String, String)>> {
    use two_factor_secrets as t;
    match column {
        SealedColumn::TotpSecret => t::table
            .filter(t::secret_sealed.is_not_null())
            .select((t::user_id, t::secret_sealed.assume_not_null()))
            .load_on(conn),
        SealedColumn::TotpPending => t::table
            .filter(t::pending_sealed.is_not_null())
            .select((t::user_id, t::pending_sealed.assume_not_null()))
            .load_on(conn),
        SealedColumn::SigningKey => signing_keys::table
            .select((signing_keys::kid, signing_keys::private_key))
            .load_on(conn),
        SealedColumn::WebhookSecret => webhook_endpoints::table
            .select((webhook_endpoints::id, webhook_endpoints::sealed_secret))
            .load_on(conn),
        SealedColumn::QueuedMail => mail_queue::table
            .select((mail_queue::id, mail_queue::sealed_message))
            .load_on(conn),
    }
}

/// Replaces the value of `id` in `column`, if it still holds `was` (a value changed
/// meanwhile, say a TOTP set-up finished, is left as it now is).
pub fn replace(
    conn: &mut DbConnection,
    column: SealedColumn,
    id: &str,
    was: &str,
    sealed: &str,
) -> QueryResult<usize> {
    use two_factor_secrets as t;
    match column {
        SealedColumn::TotpSecret => crate::db::update(
            t::table
                .filter(t::user_id.eq(id))
                .filter(t::secret_sealed.eq(was)),
            t::secret_sealed.eq(sealed),
        )
        .execute_on(conn),
        SealedColumn::TotpPending => crate::db::update(
            t::table
                .filter(t::user_id.eq(id))
                .filter(t::pending_sealed.eq(was)),
            t::pending_sealed.eq(sealed),
        )
        .execute_on(conn),
        SealedColumn::SigningKey => crate::db::update(
            signing_keys::table
                .filter(signing_keys::kid.eq(id))
                .filter(signing_keys::private_key.eq(was)),
            signing_keys::private_key.eq(sealed),
        )
        .execute_on(conn),
        SealedColumn::WebhookSecret => crate::db::update(
            webhook_endpoints::table
                .filter(webhook_endpoints::id.eq(id))
                .filter(webhook_endpoints::sealed_secret.eq(was)),
            webhook_endpoints::sealed_secret.eq(sealed),
        )
        .execute_on(conn),
        SealedColumn::QueuedMail => crate::db::update(
            mail_queue::table
                .filter(mail_queue::id.eq(id))
                .filter(mail_queue::sealed_message.eq(was)),
            mail_queue::sealed_message.eq(sealed),
        )
        .execute_on(conn),
    }
}
