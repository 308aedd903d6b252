//! PostgreSQL stops while the server runs: /api/health turns 503 and comes back to 200
//! by itself once the database is back, in the same process.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{PgCluster, TestApp, TestDb, skip};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_a_postgres_outage_and_recovery() {
    let Some(cluster) = tokio::task::spawn_blocking(PgCluster::start).await.unwrap() else {
        skip(
            "postgres outage",
            "PostgreSQL's server programs (initdb, pg_ctl) are not installed",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create_postgres_on(dir, cluster.url()).await;
    let app = TestApp::spawn_on(db, &[]).await;
    assert_eq!(app.get("/api/health").await.status(), 200);

    let cluster = std::sync::Arc::new(cluster);
    let stopper = cluster.clone();
    tokio::task::spawn_blocking(move || stopper.stop())
        .await
        .unwrap();

    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["database"], "unavailable");
    assert_eq!(body["error"]["code"], "SERVICE_UNAVAILABLE");
    assert!(
        !body.to_string().contains("127.0.0.1"),
        "no connection details: {body}"
    );

    let starter = cluster.clone();
    tokio::task::spawn_blocking(move || starter.ctl_start())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = app.get("/api/health").await;
        if response.status() == 200 {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["database"], "ok");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "health did not recover: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(app);
}
