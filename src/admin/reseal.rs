//! `sekisho keys reseal`: after SECRET_KEY is replaced (with the old one listed in
//! PREVIOUS_SECRET_KEYS), every stored sealed value (TOTP secrets, token signing
//! keys, webhook secrets, queued mail) is opened with whichever key sealed it and
//! sealed again under the current key, in one transaction with its audit entry.
//! Refresh-token hashes are keyed, not sealed (their tokens are not stored): each is
//! re-keyed at its token's next refresh, so PREVIOUS_SECRET_KEYS stays until the last
//! one issued before the rotation has been refreshed or has expired.

use crate::config::SecretKey;
use crate::crypto::sealed;
use crate::db::sealed_columns::{self, SealedColumn};
use crate::db::{self, Pool, audit};
use crate::domain::AuditEvent;
use crate::failure::Fault;

/// What a reseal found and did, column by column.
#[derive(Debug, Default)]
pub struct Resealed {
    /// (what, sealed anew, already under the current key, opened by no key).
    pub columns: Vec<(&'static str, usize, usize, usize)>,
}

impl Resealed {
    pub fn total_resealed(&self) -> usize {
        self.columns
            .iter()
            .map(|(_, resealed, _, _)| resealed)
            .sum()
    }

    pub fn total_unreadable(&self) -> usize {
        self.columns
            .iter()
            .map(|(_, _, _, unreadable)| unreadable)
            .sum()
    }
}

fn purpose(column: SealedColumn) -> &'static [u8] {
    match column {
        SealedColumn::TotpSecret | SealedColumn::TotpPending => {
            crate::auth::two_factor::SEAL_PURPOSE
        }
        SealedColumn::SigningKey => crate::crypto::signing_keys::SEAL_PURPOSE,
        SealedColumn::WebhookSecret => crate::webhooks::secret::SEAL_PURPOSE,
        SealedColumn::QueuedMail => crate::mail_delivery::SEALED_FOR,
    }
}

pub async fn reseal(pool: &Pool, keys: &SecretKey) -> Result<Resealed, Fault> {
    let keys = keys.clone();
    db::write(pool, move |conn| -> Result<_, Fault> {
        let mut report = Resealed::default();
        for column in SealedColumn::ALL {
            let purpose = purpose(column);
            let (mut resealed, mut current, mut unreadable) = (0, 0, 0);
            for (id, value) in sealed_columns::all(conn, column)? {
                if sealed::open(keys.bytes(), purpose, &value).is_some() {
                    current += 1;
                    continue;
                }
                let Some(plain) = sealed::open_any(&keys, purpose, &value) else {
                    unreadable += 1;
                    continue;
                };
                let anew = sealed::seal(keys.bytes(), purpose, &plain)
                    .ok_or_else(|| Fault::internal("sealing failed"))?;
                resealed += sealed_columns::replace(conn, column, &id, &value, &anew)?;
            }
            report
                .columns
                .push((column.label(), resealed, current, unreadable));
        }
        let total = u64::try_from(report.total_resealed()).unwrap_or(u64::MAX);
        if total > 0 {
            audit::record(
                conn,
                &AuditEvent::KeySecretsResealed { resealed: total },
                audit::Entry::system(),
            )?;
        }
        Ok(report)
    })
    .await
}
