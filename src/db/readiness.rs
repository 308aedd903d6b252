//! Whether this instance's database lets it serve (`/api/health/ready`): it answers,
//! it takes writes (not a read-only standby), and its schema is not older than this
//! binary needs. Each problem is a reason, in words an operator can act on.

use diesel::QueryableByName;
use diesel::sql_types::Bool;

use super::{DbConnection, RunOn, migrations};

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    read_only: bool,
}

/// What stops this database from serving this binary; empty when nothing does.
pub fn reasons(conn: &mut DbConnection) -> Vec<String> {
    if let Err(e) = conn.ping() {
        return vec![format!("database: does not answer ({e})")];
    }
    let mut reasons = Vec::new();
    let read_only = match conn {
        DbConnection::Postgres(_) => diesel::sql_query(
            "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS read_only",
        )
        .get_result_on::<Flag>(conn),
        DbConnection::Sqlite(_) => {
            diesel::sql_query("SELECT query_only AS read_only FROM pragma_query_only").get_result_on(conn)
        }
    };
    match read_only {
        Ok(Flag { read_only: true }) => {
            reasons.push("database: read-only (a standby, or writes are off)".to_owned());
        }
        Ok(Flag { read_only: false }) => {}
        Err(e) => reasons.push(format!(
            "database: cannot tell whether it takes writes ({e})"
        )),
    }
    match migrations::pending(conn) {
        Ok(pending) if pending.is_empty() => {}
        Ok(pending) => reasons.push(format!(
            "schema: {} migration(s) this binary needs are not applied (run `sekisho migrate`): {}",
            pending.len(),
            pending.join(", ")
        )),
        Err(e) => reasons.push(format!("schema: cannot read the applied migrations ({e})")),
    }
    reasons
}
