//! How the session check reads: on SQLite, inline on the worker when a connection is
//! idle (a WAL reader never waits for a writer), else on the blocking pool; the
//! last_seen_at write, once a minute, always on the blocking pool.

use std::time::Duration;

use crate::helpers::{Backend, TestApp, TestDb, WriteLock, client};

/// Another process holds SQLite's write lock: the session check still answers at
/// once (a reader is not held up by a writer), so an inline read cannot stall a
/// worker behind a long write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_check_reads_while_another_process_writes() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else {
        return;
    };
    let app = TestApp::spawn_on(db, &[]).await;
    app.signup("reader@example.com").await;

    let lock = WriteLock::take(&app);
    for _ in 0..20 {
        let status = tokio::time::timeout(Duration::from_secs(2), app.me_status(&app.client))
            .await
            .expect("the session check waited for the writer");
        assert_eq!(status, 200);
    }
    lock.release();
}

crate::on_both_databases!(the_session_check_waits_for_a_connection_when_none_is_idle);

/// With the pool's only connection taken, the session check does not fail or block
/// the worker: it waits on the blocking pool, and answers once the connection is back.
/// One worker, so a blocked worker would hold up the anonymous request too.
async fn the_session_check_waits_for_a_connection_when_none_is_idle(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("DB_POOL_SIZE", "1"), ("WORKERS", "1")]).await;
    app.signup("waiting@example.com").await;
    let (taken_tx, taken_rx) = tokio::sync::oneshot::channel();
    let holder = app.with_db(move |_conn| {
        taken_tx.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(400));
    });
    let check = async {
        taken_rx.await.unwrap();
        let started = std::time::Instant::now();
        let me = app.me_status(&app.client);
        let greeting = async {
            // Sent while /me waits for the connection: an anonymous greeting needs
            // none, so it is answered meanwhile unless the worker itself is stuck.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let sent = std::time::Instant::now();
            let response = client().get(app.url("/api/v1/greeting")).send().await;
            assert_eq!(response.unwrap().status(), 200);
            sent.elapsed()
        };
        let (status, greeting_took) = tokio::join!(me, greeting);
        (status, greeting_took, started.elapsed())
    };
    let ((), (status, greeting_took, me_took)) = tokio::join!(holder, check);
    assert_eq!(status, 200);
    assert!(
        greeting_took < Duration::from_millis(200),
        "the worker was blocked: the greeting took {greeting_took:?}"
    );
    assert!(
        me_took >= Duration::from_millis(200),
        "/me answered without the connection? {me_took:?}"
    );
}
