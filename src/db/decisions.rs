//! Rules of the form "count, then write" (never the last operator, never a user's
//! last way to sign in, at most so many sessions a user) hold only if two deciders
//! cannot both count before either writes. SQLite's write transactions already run
//! one at a time (`write_transaction` begins IMMEDIATE). PostgreSQL's READ COMMITTED
//! does not stop it: two operators demoting each other on two instances each counted
//! two operators and each went ahead, leaving none. So each decider first takes a
//! transaction-scoped advisory lock named after what it decides about; the second
//! waits, and counts once the first has committed.

use diesel::QueryResult;
use diesel::sql_types::BigInt;
use sha2::{Digest, Sha256};

use super::DbConnection;

/// What a rule decides about: its deciders take turns.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// Who the operators are.
    Operators,
    /// How user `id` can sign in.
    SignInMethods(&'a str),
    /// User `id`'s live sessions.
    Sessions(&'a str),
    /// Which JWT signing keys exist.
    SigningKeys,
}

impl Subject<'_> {
    /// The advisory lock's key: 64 bits of a hash of the subject's name.
    fn key(self) -> i64 {
        let name = match self {
            Self::Operators => "operators".to_owned(),
            Self::SignInMethods(id) => format!("sign-in-methods:{id}"),
            Self::Sessions(id) => format!("sessions:{id}"),
            Self::SigningKeys => "signing-keys".to_owned(),
        };
        let digest = Sha256::new()
            .chain_update(b"sekisho decision\0")
            .chain_update(name.as_bytes())
            .finalize();
        let mut bytes = [0u8; 8];
        for (byte, from) in bytes.iter_mut().zip(digest.iter()) {
            *byte = *from;
        }
        i64::from_be_bytes(bytes)
    }
}

diesel::define_sql_function! {
    /// PostgreSQL's transaction-scoped advisory lock (it returns void: the statement is
    /// only executed, never read). Built by the query builder rather than as SQL text,
    /// so that diesel's statement cache keeps it: a login must not compile SQL.
    fn pg_advisory_xact_lock(key: BigInt) -> Integer;
}

/// Waits until no other transaction decides about `subject`, and holds that until
/// this transaction ends. Call it inside the transaction, before the count.
pub fn take_turn(conn: &mut DbConnection, subject: Subject<'_>) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => {
            use diesel::RunQueryDsl;
            diesel::select(pg_advisory_xact_lock(subject.key()))
                .execute(c)
                .map(drop)
        }
        // One writer at a time already.
        DbConnection::Sqlite(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::Subject;

    #[test]
    fn subjects_have_distinct_stable_keys() {
        let keys = [
            Subject::Operators.key(),
            Subject::SignInMethods("u1").key(),
            Subject::SignInMethods("u2").key(),
            Subject::Sessions("u1").key(),
        ];
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), keys.len());
        assert_eq!(Subject::Operators.key(), Subject::Operators.key());
    }
}
