//! How this code base runs a query: built once, backend-agnostic, then run on the
//! backend's own connection, so that diesel's statement cache is keyed by the query's
//! type and nothing renders SQL text per run.
//!
//! `RunOn` gives every diesel query `execute_on`, `load_on`, `first_on` and
//! `get_result_on`, taking a `DbConnection`. A query selects a struct's columns with
//! `columns::<T>()` (diesel's `as_select()` names a backend). A query that only one
//! backend can build (a boxed query, whose type names its backend) uses
//! `per_backend!`.

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::dsl::Limit;
use diesel::query_dsl::methods::{ExecuteDsl, LimitDsl};
use diesel::query_dsl::{LoadQuery, RunQueryDsl};
use diesel::sqlite::Sqlite;
use diesel::{PgConnection, QueryResult, Selectable, SqliteConnection};

use super::{DbConnection, commit_signal};

/// Runs `$body` with `$inner` bound to the backend's own connection: the body is
/// compiled once per backend.
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($inner) => $body,
            $crate::db::DbConnection::Postgres($inner) => $body,
        }
    };
}

/// The columns `T` is read from, in the order its `Queryable` reads them: what
/// `T::as_select()` selects, as a plain tuple of columns that fits both backends
/// (`Selectable` is derived the same for both; SQLite's is only the one named).
pub fn columns<T: Selectable<Sqlite>>() -> T::SelectExpression {
    T::construct_selection()
}

/// diesel's `RunQueryDsl`, for a query that both backends can run.
pub trait RunOn: RunQueryDsl<SqliteConnection> + RunQueryDsl<PgConnection> + Sized {
    fn execute_on(self, conn: &mut DbConnection) -> QueryResult<usize>
    where
        Self: ExecuteDsl<SqliteConnection> + ExecuteDsl<PgConnection>,
    {
        match conn {
            DbConnection::Sqlite(c) => ExecuteDsl::execute(self, c),
            DbConnection::Postgres(c) => ExecuteDsl::execute(self, c),
        }
    }

    fn load_on<'query, U>(self, conn: &mut DbConnection) -> QueryResult<Vec<U>>
    where
        Self: LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        match conn {
            DbConnection::Sqlite(c) => RunQueryDsl::load(self, c),
            DbConnection::Postgres(c) => RunQueryDsl::load(self, c),
        }
    }

    fn get_result_on<'query, U>(self, conn: &mut DbConnection) -> QueryResult<U>
    where
        Self: LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        match conn {
            DbConnection::Sqlite(c) => RunQueryDsl::get_result(self, c),
            DbConnection::Postgres(c) => RunQueryDsl::get_result(self, c),
        }
    }

    fn first_on<'query, U>(self, conn: &mut DbConnection) -> QueryResult<U>
    where
        Self: LimitDsl,
        Limit<Self>: LoadQuery<'query, SqliteConnection, U> + LoadQuery<'query, PgConnection, U>,
    {
        match conn {
            DbConnection::Sqlite(c) => RunQueryDsl::first(self, c),
            DbConnection::Postgres(c) => RunQueryDsl::first(self, c),
        }
    }
}

impl<Q> RunOn for Q where Q: RunQueryDsl<SqliteConnection> + RunQueryDsl<PgConnection> {}

/// An ordinary transaction: committed when `work` succeeds, rolled back otherwise
/// (a savepoint inside another transaction).
pub fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    per_backend!(conn, |c| AnsiTransactionManager::begin_transaction(c))?;
    finish(conn, work)
}

/// A transaction that reads before it writes. On SQLite it takes the write lock up
/// front (`BEGIN IMMEDIATE`): a deferred transaction that read first cannot upgrade
/// once another writer committed, and fails with SQLITE_BUSY instead of waiting. On
/// PostgreSQL, and nested in another transaction, it is an ordinary one.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let outermost = depth(conn)? == 0;
    match conn {
        DbConnection::Sqlite(c) if outermost => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        }
        _ => per_backend!(conn, |c| AnsiTransactionManager::begin_transaction(c))?,
    }
    finish(conn, work)
}

/// Whether a transaction is open on `conn`.
pub fn in_transaction(conn: &mut DbConnection) -> QueryResult<bool> {
    depth(conn).map(|depth| depth > 0)
}

fn depth(conn: &mut DbConnection) -> QueryResult<u32> {
    let status = per_backend!(conn, |c| {
        AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
    })?;
    Ok(status.map_or(0, u32::from))
}

/// Runs `work` in the transaction just begun, then commits or rolls back as diesel's
/// own `Connection::transaction` does.
fn finish<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match work(conn) {
        Ok(value) => {
            per_backend!(conn, |c| AnsiTransactionManager::commit_transaction(c))?;
            if depth(conn)? == 0 {
                commit_signal::committed();
            }
            Ok(value)
        }
        Err(error) => {
            let rolled_back =
                per_backend!(conn, |c| AnsiTransactionManager::rollback_transaction(c));
            if depth(conn).unwrap_or(0) == 0 {
                commit_signal::rolled_back();
            }
            match rolled_back {
                Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
                Err(rollback_error) => Err(rollback_error.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::users;
    use crate::db::users::User;

    #[test]
    fn columns_select_what_as_select_selects_on_both_backends() {
        let ours = users::table.select(columns::<User>());
        let theirs_sqlite = users::table.select(User::as_select());
        let theirs_pg = users::table.select(User::as_select());
        assert_eq!(
            diesel::debug_query::<Sqlite, _>(&ours).to_string(),
            diesel::debug_query::<Sqlite, _>(&theirs_sqlite).to_string()
        );
        assert_eq!(
            diesel::debug_query::<diesel::pg::Pg, _>(&ours).to_string(),
            diesel::debug_query::<diesel::pg::Pg, _>(&theirs_pg).to_string()
        );
    }

    fn memory() -> DbConnection {
        let mut conn = DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").expect("an in-memory database"),
        );
        conn.batch_execute("CREATE TABLE t (n INTEGER NOT NULL)")
            .expect("a table");
        conn
    }

    fn count(conn: &mut DbConnection) -> i64 {
        diesel::sql_query("SELECT n FROM t")
            .load_on::<N>(conn)
            .expect("rows")
            .len() as i64
    }

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        #[expect(dead_code, reason = "only counted")]
        n: i64,
    }

    fn insert(conn: &mut DbConnection) -> QueryResult<usize> {
        diesel::sql_query("INSERT INTO t (n) VALUES (1)").execute_on(conn)
    }

    #[test]
    fn transactions_commit_roll_back_and_nest() {
        let mut conn = memory();
        transaction(&mut conn, insert).expect("committed");
        assert_eq!(count(&mut conn), 1);

        let failed: QueryResult<()> = write_transaction(&mut conn, |c| {
            insert(c)?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(failed.is_err());
        assert_eq!(count(&mut conn), 1, "rolled back");

        // A write transaction inside another is a savepoint, not a second BEGIN.
        write_transaction(&mut conn, |c| {
            insert(c)?;
            let inner: QueryResult<()> = write_transaction(c, |c| {
                insert(c)?;
                Err(diesel::result::Error::RollbackTransaction)
            });
            assert!(inner.is_err());
            insert(c)
        })
        .expect("outer committed");
        assert_eq!(count(&mut conn), 3, "the inner savepoint alone rolled back");
        assert!(!conn.is_broken());
    }
}
