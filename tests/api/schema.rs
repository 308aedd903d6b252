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

const TABLES: [&str; 9] = [
    "users",
    "sessions",
    "password_reset_tokens",
    "audit_log",
    "auth_throttles",
    "spent_refresh_tokens",
    "accounts",
    "social_sign_ins",
    "email_verification_tokens",
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

/// Migration 4 rebuilds SQLite's `users` table (SQLite cannot drop NOT NULL in
/// place): an existing database keeps its users and their sessions, and a withdrawn
/// user's placeholder hash becomes "no password".
#[tokio::test]
async fn the_sqlite_users_rebuild_keeps_every_row_and_reference() {
    use diesel::connection::SimpleConnection;
    use diesel::migration::MigrationSource;
    use diesel_migrations::MigrationHarness;

    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        let path = url.trim_start_matches("sqlite://").to_owned();
        let mut conn = SqliteConnection::establish(&path).unwrap();
        // Creates the table of applied versions.
        conn.applied_migrations().unwrap();
        let mut all: Vec<_> = MigrationSource::<diesel::sqlite::Sqlite>::migrations(
            &sekisho::db::migrations::SQLITE,
        )
        .unwrap();
        all.sort_by_key(|m| m.name().to_string());
        for migration in all.iter().take(3) {
            conn.run_migration(migration).unwrap();
        }
        conn.batch_execute(
            "PRAGMA foreign_keys = ON;
             INSERT INTO users (id, email, password_hash, email_verified, role, created_at, updated_at)
               VALUES ('u1', 'kept@example.com', '$argon2id$kept', 1, 'admin', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
                      ('u2', 'deleted+u2@withdrawn.invalid', '!', 0, 'user', '2026-01-01 00:00:00', '2026-01-01 00:00:00');
             INSERT INTO sessions (id, user_id, kind, created_at, last_seen_at, expires_at)
               VALUES ('s1', 'u1', 'browser', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2099-01-01 00:00:00');
             INSERT INTO password_reset_tokens (id, user_id, token_hash, created_at, expires_at)
               VALUES ('r1', 'u1', 'h', '2026-01-01 00:00:00', '2099-01-01 00:00:00');",
        )
        .unwrap();
        drop(conn);

        sekisho::db::migrations::prepare(&DatabaseUrl::parse(&url).unwrap()).unwrap();

        let mut conn = SqliteConnection::establish(&path).unwrap();
        let hashes: Vec<(String, Option<String>, bool, String)> = diesel::sql_query(
            "SELECT id AS name, password_hash, email_verified, role FROM users ORDER BY id",
        )
        .load::<UserRow>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.password_hash, r.email_verified, r.role))
        .collect();
        assert_eq!(
            hashes,
            vec![
                ("u1".into(), Some("$argon2id$kept".into()), true, "admin".into()),
                ("u2".into(), None, false, "user".into()),
            ]
        );
        let sessions: Vec<Name> = diesel::sql_query("SELECT id AS name FROM sessions")
            .load(&mut conn)
            .unwrap();
        assert_eq!(sessions.len(), 1, "the rebuild cascaded into sessions");
        let tokens: Vec<Name> = diesel::sql_query("SELECT id AS name FROM password_reset_tokens")
            .load(&mut conn)
            .unwrap();
        assert_eq!(tokens.len(), 1);
        // The references still point at the rebuilt table.
        conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
        let refused = conn.batch_execute(
            "INSERT INTO sessions (id, user_id, kind, created_at, last_seen_at, expires_at)
             VALUES ('s2', 'nobody', 'browser', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2099-01-01 00:00:00')",
        );
        assert!(refused.is_err(), "sessions no longer reference users");
        conn.batch_execute("DELETE FROM users WHERE id = 'u1'").unwrap();
        let sessions: Vec<Name> = diesel::sql_query("SELECT id AS name FROM sessions")
            .load(&mut conn)
            .unwrap();
        assert!(sessions.is_empty(), "ON DELETE CASCADE was lost");
    })
    .await
    .unwrap();
}

#[derive(QueryableByName)]
struct UserRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    password_hash: Option<String>,
    #[diesel(sql_type = Bool)]
    email_verified: bool,
    #[diesel(sql_type = Text)]
    role: String,
}
