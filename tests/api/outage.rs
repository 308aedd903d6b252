//! PostgreSQL stops while the server runs: /api/health turns 503 and comes back to 200
//! by itself once the database is back, in the same process.

use std::time::{Duration, Instant};

use serde_json::Value;

use diesel::{Connection, PgConnection, RunQueryDsl};

use crate::helpers::{Backend, PgCluster, TestApp, TestDb, skip};

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

/// Ends every connection the app holds, from a connection of its own (as a database
/// restart or an operator's pg_terminate_backend would).
async fn terminate_app_connections(app: &TestApp) {
    let url = app.db.url();
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&url).expect("a connection of the test's own");
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .execute(&mut conn)
        .expect("terminated");
    })
    .await
    .unwrap();
}

/// Fills the pool with several connections that just answered.
async fn warm_several_connections(app: &TestApp) -> u32 {
    let checks: Vec<_> = (0..6).map(|_| app.me_status(&app.client)).collect();
    for status in futures_util::future::join_all(checks).await {
        assert_eq!(status, 200);
    }
    app.pool.state().connections
}

/// A connection that answered within the alive-bypass window is handed out without
/// a ping (no second round trip per request); one idle for longer is pinged first, so
/// connections ended while idle never reach a request; one a request finds dead is
/// dropped, not handed out again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_connections_are_replaced_not_reused() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    app.signup("ended@example.com").await;

    // Ended while idle, then used after the window: every request succeeds.
    warm_several_connections(&app).await;
    terminate_app_connections(&app).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    for _ in 0..12 {
        assert_eq!(app.me_status(&app.client).await, 200);
    }

    // Ended and used at once: a request may meet a dead connection (503, never 500),
    // each dead connection at most once, and then the pool holds live ones.
    let held = warm_several_connections(&app).await;
    terminate_app_connections(&app).await;
    let mut statuses = Vec::new();
    for _ in 0..(held + 5) {
        statuses.push(app.me_status(&app.client).await);
    }
    let failed = statuses.iter().filter(|s| **s != 200).count() as u32;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert!(
        failed <= held,
        "{failed} failures with {held} connections: {statuses:?}"
    );
    assert!(
        statuses[statuses.len() - 5..].iter().all(|s| *s == 200),
        "dead connections were handed out again: {statuses:?}"
    );
}
