//! UPDATE statements that the statement cache keeps.
//!
//! diesel caches a prepared statement per query, but never its own UPDATE: a
//! changeset of optional fields may render different SQL each time, so every
//! `UpdateStatement` opts out of the cache and SQLite or PostgreSQL parse and plan it on
//! each run (found by the compile counter: logout and /refresh compiled their UPDATE
//! every time). This one renders the same `UPDATE table SET … WHERE …` from the same
//! parts without opting out; diesel then keys the cache by the SQL text itself, which
//! is right whatever the changeset, and parts that cannot be cached (an IN list of
//! varying length) still say so. `update` is how this code base writes an UPDATE
//! (clippy refuses `diesel::update`), so a new one is cached by default.

use diesel::associations::HasTable;
use diesel::backend::Backend;
use diesel::query_builder::{AsChangeset, AstPass, IntoUpdateTarget, QueryFragment, QueryId};
use diesel::query_source::QuerySource;
use diesel::{QueryResult, RunQueryDsl};

/// `UPDATE table SET changes WHERE …`.
pub struct Update<T: QuerySource, W, C> {
    table: T::FromClause,
    where_clause: W,
    changes: C,
}

/// `UPDATE target SET changes`, through the statement cache.
pub fn update<T, V>(
    target: T,
    changes: V,
) -> Update<<T as HasTable>::Table, T::WhereClause, V::Changeset>
where
    T: IntoUpdateTarget,
    V: AsChangeset<Target = <T as HasTable>::Table>,
{
    let target = target.into_update_target();
    Update {
        table: target.table.from_clause(),
        where_clause: target.where_clause,
        changes: changes.as_changeset(),
    }
}

impl<T: QuerySource, W, C> QueryId for Update<T, W, C> {
    type QueryId = ();
    // Keyed by its SQL text: the same text is the same statement.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, W, C, DB> QueryFragment<DB> for Update<T, W, C>
where
    DB: Backend,
    T: QuerySource,
    T::FromClause: QueryFragment<DB>,
    W: QueryFragment<DB>,
    C: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.table.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changes.walk_ast(out.reborrow())?;
        self.where_clause.walk_ast(out.reborrow())?;
        Ok(())
    }
}

impl<T: QuerySource, W, C, Conn> RunQueryDsl<Conn> for Update<T, W, C> {}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::update;
    use crate::db::schema::sessions;

    #[test]
    fn renders_what_diesel_renders() {
        #[expect(clippy::disallowed_methods, reason = "the statement compared against")]
        let diesel_sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
            &diesel::update(sessions::table.find("s1")).set(sessions::kind.eq("bearer")),
        )
        .to_string();
        let ours = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&update(
            sessions::table.find("s1"),
            sessions::kind.eq("bearer"),
        ))
        .to_string();
        assert_eq!(ours, diesel_sql);
    }
}
