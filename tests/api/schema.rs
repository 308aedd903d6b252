//! The two migration folders build the same schema: same tables, columns, types,
//! nullability and indexes.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use sekisho::config::DatabaseUrl;

use crate::helpers::{Backend, TestDb};

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

const TABLES: [&str; 6] = [
    "users",
    "sessions",
    "password_reset_tokens",
    "audit_log",
    "auth_throttles",
    "spent_refresh_tokens",
];

/// SQLite and PostgreSQL spell the same portable type differently.
fn family(data_type: &str) -> &'static str {
    match data_type.to_ascii_lowercase().as_str() {
        "text" => "text",
        "boolean" => "bool",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "integer" | "bigint" => "int64",
        other => panic!("unexpected column type {other}"),
    }
}

#[tokio::test]
async fn both_migration_folders_build_the_same_schema() {
    let Some(pg) = TestDb::create(Backend::Postgres).await else {
        return;
    };
    let sqlite = TestDb::create(Backend::Sqlite).await.unwrap();
    let (pg_url, sqlite_url) = (pg.url(), sqlite.url());
    tokio::task::spawn_blocking(move || {
        for url in [&pg_url, &sqlite_url] {
            sekisho::db::migrations::prepare(&DatabaseUrl::parse(url).unwrap()).unwrap();
        }
        let mut pg_conn = PgConnection::establish(&pg_url).unwrap();
        let sqlite_path = sqlite_url.trim_start_matches("sqlite://");
        let mut sqlite_conn = SqliteConnection::establish(sqlite_path).unwrap();

        let mut pg_columns = BTreeSet::new();
        let mut sqlite_columns = BTreeSet::new();
        for table in TABLES {
            let rows: Vec<Column> = diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS name, \
                 data_type::text AS data_type, is_nullable = 'YES' AS nullable \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind::<Text, _>(table)
            .load(&mut pg_conn)
            .unwrap();
            assert!(!rows.is_empty(), "postgres has no table {table}");
            pg_columns.extend(
                rows.into_iter()
                    .map(|c| (c.table_name, c.name, family(&c.data_type), c.nullable)),
            );

            let rows: Vec<Column> = diesel::sql_query(
                "SELECT ? AS table_name, name, type AS data_type, \"notnull\" = 0 AS nullable \
                 FROM pragma_table_info(?)",
            )
            .bind::<Text, _>(table)
            .bind::<Text, _>(table)
            .load(&mut sqlite_conn)
            .unwrap();
            assert!(!rows.is_empty(), "sqlite has no table {table}");
            sqlite_columns.extend(
                rows.into_iter()
                    .map(|c| (c.table_name, c.name, family(&c.data_type), c.nullable)),
            );
        }
        assert_eq!(pg_columns, sqlite_columns);

        let pg_indexes: BTreeSet<String> = diesel::sql_query(
            "SELECT indexname::text AS name FROM pg_indexes \
             WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' \
             AND tablename <> '__diesel_schema_migrations'",
        )
        .load::<Name>(&mut pg_conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
        let sqlite_indexes: BTreeSet<String> = diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
        )
        .load::<Name>(&mut sqlite_conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
        assert_eq!(pg_indexes, sqlite_indexes);
        assert!(sqlite_indexes.contains("users_email_key"));
    })
    .await
    .unwrap();
}
