//! `sekisho migrate`: `--status`, `--lock-timeout`, and MIGRATE_ON_START=false (the
//! instances serve while `migrate` runs separately, as in a rolling upgrade).

use std::time::{Duration, Instant};

use diesel_migrations::MigrationHarness;
use sekisho::config::DatabaseUrl;
use sekisho::db::{DbConnection, migrations};

use crate::cli::{Serving, sekisho, serve};
use crate::helpers::TestDb;

crate::on_both_databases!(
    status_lists_applied_pending_and_newer_migrations,
    a_held_migration_lock_makes_migrate_give_up_in_time,
    instances_that_do_not_migrate_are_not_ready_until_migrate_runs,
);

fn connect(db: &TestDb) -> DbConnection {
    migrations::connect(&DatabaseUrl::parse(&db.url()).unwrap()).unwrap()
}

fn status(db: &TestDb) -> String {
    let output = sekisho(db).args(["migrate", "--status"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn status_lists_applied_pending_and_newer_migrations(db: TestDb) {
    // A database nothing migrated yet: --status creates no table and applies nothing.
    let before = status(&db);
    assert!(before.contains("pending  2026-11-22-000001"), "{before}");
    assert!(!before.contains("applied  "), "{before}");
    let count = before
        .lines()
        .filter(|l| l.starts_with("pending  "))
        .count();
    assert!(
        before.contains(&format!("{count} pending of {count}")),
        "{before}"
    );
    assert!(
        before.contains(&format!("{count} pending of {count}")),
        "{before}"
    );

    let migrated = sekisho(&db).arg("migrate").output().unwrap();
    assert!(migrated.status.success());
    // A newer release's migration, applied by it before this binary's rollback.
    connect(&db)
        .batch_execute("INSERT INTO __diesel_schema_migrations (version) VALUES ('20991231000001')")
        .unwrap();
    let after = status(&db);
    assert!(after.contains("applied  2026-11-22-000001"), "{after}");
    assert!(!after.contains("pending  "), "{after}");
    assert!(after.contains(&format!("0 pending of {count}")), "{after}");
    assert!(after.contains("newer    20991231000001"), "{after}");
}

async fn a_held_migration_lock_makes_migrate_give_up_in_time(db: TestDb) {
    let mut holder = connect(&db);
    match &holder {
        // Another instance migrating holds the advisory lock (and, on SQLite, the
        // write lock).
        DbConnection::Postgres(_) => holder
            .batch_execute("SELECT pg_advisory_lock(1581997632)")
            .unwrap(),
        DbConnection::Sqlite(_) => holder.batch_execute("BEGIN IMMEDIATE").unwrap(),
    }
    let started = Instant::now();
    let output = sekisho(&db)
        .args(["migrate", "--lock-timeout", "1"])
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("migration lock") || stderr.contains("database is locked"),
        "{stderr}"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    drop(holder);
    let output = sekisho(&db)
        .args(["migrate", "--lock-timeout", "1"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn instances_that_do_not_migrate_are_not_ready_until_migrate_runs(db: TestDb) {
    assert!(
        sekisho(&db)
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    // The newest migration undone: this binary's schema is one migration behind.
    let mut conn = connect(&db);
    let reverted = match &mut conn {
        DbConnection::Sqlite(c) => c
            .revert_last_migration(migrations::SQLITE)
            .map(|v| v.to_string()),
        DbConnection::Postgres(c) => c
            .revert_last_migration(migrations::POSTGRES)
            .map(|v| v.to_string()),
    }
    .unwrap();
    let Serving {
        mut child,
        port,
        mut log,
        lines,
    } = serve(
        sekisho(&db)
            .env("RUST_LOG", "info")
            .env("MIGRATE_ON_START", "false"),
    );
    log.extend(lines.try_iter());
    assert!(
        log.iter()
            .any(|line| line.contains("MIGRATE_ON_START=false and 1 migration(s) are not applied")),
        "{log:#?}"
    );
    let client = crate::helpers::client();
    let ready = format!("http://127.0.0.1:{port}/api/health/ready");
    let answer = client.get(&ready).send().await.unwrap();
    assert_eq!(answer.status(), 503);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap()
            .contains("sekisho migrate"),
        "{body}"
    );

    let migrated = sekisho(&db).arg("migrate").output().unwrap();
    assert!(migrated.status.success());
    assert!(String::from_utf8_lossy(&migrated.stdout).contains(&format!("applied {reverted}")));
    // Ready without a restart.
    let answer = client.get(&ready).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
}
