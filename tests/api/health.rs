//! GET /api/health and the request id.

use serde_json::Value;

use crate::helpers::TestApp;

crate::on_both_backends!(health_reports_ok, responses_carry_a_request_id);

async fn health_reports_ok(app: TestApp) {
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    let timestamp = body["timestamp"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(timestamp).expect("ISO 8601 with an offset");
    assert!(
        timestamp.ends_with('Z') && timestamp.len() == 20,
        "{timestamp}"
    );
}

async fn responses_carry_a_request_id(app: TestApp) {
    let generated = app.get("/api/health").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32, "{id}");

    let kept = app
        .client
        .get(app.url("/api/health"))
        .header("X-Request-Id", "trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-123");

    // An id that could forge a log line is replaced.
    let replaced = app
        .client
        .get(app.url("/api/health"))
        .header("X-Request-Id", "a b\tc")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a b\tc");
}

crate::on_both_databases!(readiness_says_why_an_instance_should_get_no_traffic);

/// /api/health/live answers without the database; /api/health/ready is 503 with its
/// reasons while the database takes no writes or lacks a migration this binary needs,
/// and 200 again once that is over. One pooled connection, so that what the test sets
/// on it is what the readiness check reads.
async fn readiness_says_why_an_instance_should_get_no_traffic(db: crate::helpers::TestDb) {
    let app = TestApp::spawn_on(db, &[("DB_POOL_SIZE", "1")]).await;
    let live = app.get("/api/health/live").await;
    assert_eq!(live.status(), 200);
    assert_eq!(
        live.json::<Value>().await.unwrap(),
        serde_json::json!({ "status": "ok" })
    );
    let ready = app.get("/api/health/ready").await;
    assert_eq!(ready.status(), 200);
    // Which build answers: the package version and the commit it was built from.
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        );
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        serde_json::json!({ "status": "ready", "version": env!("CARGO_PKG_VERSION"), "commit": commit })
    );

    let read_only = |on: bool| {
        move |conn: &mut sekisho::db::DbConnection| {
            let statement = match (&*conn, on) {
                (sekisho::db::DbConnection::Sqlite(_), true) => "PRAGMA query_only = ON",
                (sekisho::db::DbConnection::Sqlite(_), false) => "PRAGMA query_only = OFF",
                (sekisho::db::DbConnection::Postgres(_), true) => {
                    "SET SESSION default_transaction_read_only = on"
                }
                (sekisho::db::DbConnection::Postgres(_), false) => {
                    "SET SESSION default_transaction_read_only = off"
                }
            };
            conn.batch_execute(statement).unwrap();
        }
    };
    app.with_db(read_only(true)).await;
    let refused = app.get("/api/health/ready").await;
    assert_eq!(refused.status(), 503);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    let reasons = body["reasons"].as_array().unwrap();
    assert!(
        reasons[0]
            .as_str()
            .unwrap()
            .starts_with("database: read-only"),
        "{body}"
    );
    assert_eq!(app.get("/api/health/live").await.status(), 200);
    app.with_db(read_only(false)).await;
    assert_eq!(app.get("/api/health/ready").await.status(), 200);

    // A schema older than this binary needs (the newest migration not applied).
    let removed: String = app
        .with_db(|conn| {
            use diesel::prelude::*;
            #[derive(QueryableByName)]
            struct Version {
                #[diesel(sql_type = diesel::sql_types::Text)]
                version: String,
            }
            let newest: Version = sekisho::db::RunOn::get_result_on(
                diesel::sql_query(
                    "SELECT version FROM __diesel_schema_migrations ORDER BY version DESC LIMIT 1",
                ),
                conn,
            )
            .unwrap();
            conn.batch_execute(&format!(
                "DELETE FROM __diesel_schema_migrations WHERE version = '{}'",
                newest.version
            ))
            .unwrap();
            newest.version
        })
        .await;
    let behind = app.get("/api/health/ready").await;
    assert_eq!(behind.status(), 503);
    let body: Value = behind.json().await.unwrap();
    let reason = body["reasons"][0].as_str().unwrap();
    // The reason names the migration (`2026-12-08-000015_webhooks` for version
    // `20261208000015`).
    assert!(
        reason.starts_with("schema: 1 migration(s)") && reason.replace('-', "").contains(&removed),
        "{body}"
    );
    let version = removed.clone();
    app.with_db(move |conn| {
        conn.batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
        ))
        .unwrap();
    })
    .await;
    assert_eq!(app.get("/api/health/ready").await.status(), 200);
}

/// libpq's host lists, in both forms, with a host that refuses first: the server
/// starts, migrates and is ready on the host that answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_libpq_host_list_reaches_the_host_that_answers() {
    let Some(db) = crate::helpers::TestDb::create(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let url = url::Url::parse(&db.url()).unwrap();
    let port = url.port().unwrap_or(5432);
    let name = url.path().trim_start_matches('/').to_owned();
    let user = url.username().to_owned();
    // Port 1 on loopback refuses at once.
    let forms = [
        format!(
            "postgres://{user}@127.0.0.1:1,127.0.0.1:{port}/{name}?target_session_attrs=read-write"
        ),
        format!(
            "postgres:///{name}?host=127.0.0.1,127.0.0.1&port=1,{port}&user={user}&target_session_attrs=read-write"
        ),
    ];
    for form in forms {
        let app = TestApp::spawn_on(
            crate::helpers::TestDb::reuse(&db),
            &[("DATABASE_URL", form.as_str())],
        )
        .await;
        let ready = app.get("/api/health/ready").await;
        assert_eq!(ready.status(), 200, "{form}");
        app.signup(&format!("{}@example.com", uuid::Uuid::new_v4().simple()))
            .await;
    }
}
