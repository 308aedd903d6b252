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

const TABLES: [&str; 10] = [
    "users",
    "sessions",
    "password_reset_tokens",
    "audit_log",
    "auth_throttles",
    "spent_refresh_tokens",
    "accounts",
    "social_sign_ins",
    "email_verification_tokens",
    "single_use_tokens",
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

/// The audit details written as free text before they were typed, as the last
/// release wrote them, and what the migration makes of each.
const LEGACY_DETAILS: [(&str, Option<&str>, &str); 14] = [
    ("user.login", None, r#"{"method":"password"}"#),
    (
        "user.login",
        Some("second factor: totp"),
        r#"{"method":"password+totp"}"#,
    ),
    (
        "user.login",
        Some("passkey: Work laptop"),
        r#"{"method":"passkey","passkey_name":"Work laptop"}"#,
    ),
    (
        "user.login",
        Some("password reset"),
        r#"{"method":"password_reset"}"#,
    ),
    (
        "user.login",
        Some("provider=google"),
        r#"{"method":"provider:google"}"#,
    ),
    (
        "user.signup",
        Some("provider=acme"),
        r#"{"method":"provider:acme"}"#,
    ),
    (
        "user.account_unlinked",
        Some("provider=github"),
        r#"{"provider":"github"}"#,
    ),
    (
        "user.second_factor_failed",
        Some("step=sign-in method=recovery_code"),
        r#"{"step":"sign_in","factor":"recovery_code"}"#,
    ),
    (
        "admin.passkey_deleted",
        Some("passkey=p-1 name=Stolen <laptop>"),
        r#"{"removal":{"passkey":"p-1","name":"Stolen <laptop>"}}"#,
    ),
    (
        "admin.user_disabled",
        Some("reason=spam until=2026-12-24T10:00:00+00:00"),
        r#"{"reason":"spam","until":"2026-12-24T10:00:00Z"}"#,
    ),
    (
        "admin.role_changed",
        Some("role=admin"),
        r#"{"role":"admin"}"#,
    ),
    (
        "user.ban_ended",
        Some("email=a@example.com"),
        r#"{"email":"a@example.com"}"#,
    ),
    (
        "admin.audit_exported",
        Some("from=2026-12-01T00:00:00+00:00 to=2026-12-02T00:00:00+00:00 action=admin. rows=3"),
        r#"{"from":"2026-12-01T00:00:00Z","to":"2026-12-02T00:00:00Z","action":"admin.","rows":3}"#,
    ),
    (
        "admin.created",
        Some(r#"{"email":"ops@example.com"}"#),
        r#"{"email":"ops@example.com"}"#,
    ),
];

crate::on_both_databases!(legacy_audit_details_become_typed_events);

/// Rows written by the release before typed details are converted by the migration
/// (the diesel CLI's own, on both backends): each reads back as its typed event, and
/// text that fits no format is kept whole as a note.
async fn legacy_audit_details_become_typed_events(db: TestDb) {
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        use sekisho::db::{DbConnection, audit, migrations};
        let mut conn = migrations::connect(&DatabaseUrl::parse(&url).unwrap()).unwrap();
        // The schema as the last release left it.
        migrate_up_to(&mut conn, "20261206000011");

        let mut legacy: Vec<(&str, Option<&str>)> =
            LEGACY_DETAILS.iter().map(|(a, d, _)| (*a, *d)).collect();
        legacy.push(("user.withdrawn", Some("an operator's stray words")));
        for (action, details) in &legacy {
            let insert = diesel::sql_query(
                "INSERT INTO audit_log (action, details, created_at) VALUES ($1, $2, CURRENT_TIMESTAMP)",
            )
            .bind::<Text, _>(*action)
            .bind::<diesel::sql_types::Nullable<Text>, _>(*details);
            match &mut conn {
                DbConnection::Sqlite(c) => insert.execute(c),
                DbConnection::Postgres(c) => insert.execute(c),
            }
            .unwrap();
        }
        migrations::run_pending(&mut conn).unwrap();

        let mut entries = audit::list(&mut conn, None, 100).unwrap();
        entries.reverse();
        assert_eq!(entries.len(), legacy.len());
        for (entry, (action, _, typed)) in entries.iter().zip(LEGACY_DETAILS) {
            assert_eq!(entry.action.as_str(), action);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(entry.details.as_deref().unwrap()).unwrap(),
                serde_json::from_str::<serde_json::Value>(typed).unwrap(),
                "{action}"
            );
            assert!(entry.event().is_some(), "{action}: {:?} reads as its event", entry.details);
        }
        let stray = entries.last().unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(stray.details.as_deref().unwrap()).unwrap(),
            serde_json::json!({ "note": "an operator's stray words" })
        );
    })
    .await
    .unwrap();
}

/// Applies the migrations older than `version` (`YYYYMMDDNNNNNN`), and no other.
fn migrate_up_to(conn: &mut sekisho::db::DbConnection, version: &str) {
    use diesel_migrations::MigrationHarness;
    use sekisho::db::{DbConnection, migrations};
    fn run<C: MigrationHarness<B>, B: diesel::backend::Backend>(
        c: &mut C,
        source: fn() -> diesel_migrations::EmbeddedMigrations,
        version: &str,
    ) {
        while c
            .pending_migrations(source())
            .unwrap()
            .first()
            .is_some_and(|m| m.name().version().to_string().as_str() < version)
        {
            c.run_next_migration(source()).unwrap();
        }
    }
    match conn {
        DbConnection::Sqlite(c) => run(c, || migrations::SQLITE, version),
        DbConnection::Postgres(c) => run(c, || migrations::POSTGRES, version),
    }
}

crate::on_both_databases!(tokens_in_flight_survive_the_move_to_one_store);

/// A reset link, a verification link, a challenge, a ceremony and a social sign-in
/// made by the release before the single-use store still work after the upgrade: the
/// migration copies them (spent links stay spent).
async fn tokens_in_flight_survive_the_move_to_one_store(db: TestDb) {
    let url = db.url();
    tokio::task::spawn_blocking(move || {
        use sekisho::db::single_use::{self, PasswordReset, EmailVerification, PasskeyCeremony, SocialSignIn, TwoFactorChallenge};
        use sekisho::db::{DbConnection, migrations};
        let mut conn = migrations::connect(&DatabaseUrl::parse(&url).unwrap()).unwrap();
        migrate_up_to(&mut conn, "20261206000012");
        let later = "2099-01-01 00:00:00";
        let statements = [
            "INSERT INTO users (id, email, email_verified, role, created_at, updated_at) \
             VALUES ('u1', 'u1@example.com', false, 'user', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)".to_owned(),
            format!("INSERT INTO password_reset_tokens (id, user_id, token_hash, created_at, expires_at) \
             VALUES ('r1', 'u1', 'reset-live', CURRENT_TIMESTAMP, '{later}')"),
            format!("INSERT INTO password_reset_tokens (id, user_id, token_hash, created_at, expires_at, used_at) \
             VALUES ('r2', 'u1', 'reset-spent', CURRENT_TIMESTAMP, '{later}', CURRENT_TIMESTAMP)"),
            format!("INSERT INTO email_verification_tokens (token_hash, user_id, email, created_at, expires_at) \
             VALUES ('verify-live', 'u1', 'u1@example.com', CURRENT_TIMESTAMP, '{later}')"),
            format!("INSERT INTO two_factor_challenges (token_hash, user_id, purpose, remember_me, failures, created_at, expires_at) \
             VALUES ('challenge-live', 'u1', 'bearer', true, 2, CURRENT_TIMESTAMP, '{later}')"),
            format!("INSERT INTO passkey_ceremonies (token_hash, purpose, user_id, state, created_at, expires_at) \
             VALUES ('ceremony-live', 'sign_in', NULL, '{{\"x\":1}}', CURRENT_TIMESTAMP, '{later}')"),
            format!("INSERT INTO social_sign_ins (key_hash, provider, state, nonce, pkce_verifier, callback_url, error_callback_url, link_user_id, created_at, expires_at) \
             VALUES ('social-live', 'acme', 's', 'n', 'v', 'http://app/cb', 'http://app/err', 'u1', CURRENT_TIMESTAMP, '{later}')"),
        ];
        for statement in &statements {
            let query = diesel::sql_query(statement.as_str());
            match &mut conn {
                DbConnection::Sqlite(c) => query.execute(c),
                DbConnection::Postgres(c) => query.execute(c),
            }
            .unwrap();
        }
        migrations::run_pending(&mut conn).unwrap();

        let now = sekisho::db::now();
        let reset = single_use::consume(&mut conn, PasswordReset, "reset-live", now).unwrap().unwrap();
        assert_eq!(reset.user_id.as_deref(), Some("u1"));
        assert!(single_use::consume(&mut conn, PasswordReset, "reset-spent", now).unwrap().is_none());
        let verify = single_use::consume(&mut conn, EmailVerification, "verify-live", now).unwrap().unwrap();
        assert_eq!(verify.payload.email, "u1@example.com");
        let challenge = single_use::find(&mut conn, TwoFactorChallenge::Bearer, "challenge-live", now).unwrap().unwrap();
        assert!(challenge.payload.remember_me);
        assert_eq!(challenge.answers, 2);
        assert!(single_use::find(&mut conn, TwoFactorChallenge::Browser, "challenge-live", now).unwrap().is_none());
        let ceremony = single_use::take(&mut conn, PasskeyCeremony, "ceremony-live").unwrap().unwrap();
        assert_eq!((ceremony.payload.purpose.as_str(), ceremony.payload.state.as_str()), ("sign_in", "{\"x\":1}"));
        let social = single_use::take(&mut conn, SocialSignIn, "social-live").unwrap().unwrap();
        assert_eq!(social.user_id.as_deref(), Some("u1"));
        assert_eq!(social.payload.pkce_verifier, "v");
    })
    .await
    .unwrap();
}
