//! How the session check reads: on SQLite, inline on the worker when a connection is
//! idle (a WAL reader never waits for a writer), else on the blocking pool; the
//! last_seen_at write, once a minute, always on the blocking pool.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, TestDb, WriteLock, client};

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

crate::on_both_databases!(
    the_session_check_waits_for_a_connection_when_none_is_idle,
    checks_of_many_sessions_at_once_each_get_their_own_answer,
    the_query_of_many_sessions_returns_the_live_ones_only,
);

/// The read of many sessions (on PostgreSQL, eleven are one lateral query; on SQLite,
/// a single-row read each): live sessions with their users, and nothing for a
/// revoked, an expired, a withdrawn user's or an unknown session.
async fn the_query_of_many_sessions_returns_the_live_ones_only(db: TestDb) {
    use diesel::prelude::*;
    use sekisho::db::RunOn;
    use sekisho::db::schema::{sessions, users};

    let app = TestApp::spawn_on(db, &[]).await;
    for i in 0..10 {
        let signup = app
            .post_with(
                &client(),
                "/api/v1/auth/signup",
                json!({ "email": format!("lateral{i}@example.com"), "password": PASSWORD }),
            )
            .await;
        assert_eq!(signup.status(), 201);
    }
    let (found, expected) = app
        .with_db(|conn| {
            let now = sekisho::db::now();
            let all: Vec<(String, String, String)> = sessions::table
                .inner_join(users::table)
                .select((sessions::id, users::id, users::email))
                .load_on(conn)
                .unwrap();
            let email = |n: usize| format!("lateral{n}@example.com");
            let asked_of = |n: usize| {
                all.iter()
                    .find(|(_, _, e)| *e == email(n))
                    .map(|(sid, uid, _)| (sid.clone(), uid.clone()))
                    .unwrap()
            };
            let session_of = |n: usize| asked_of(n).0;
            sekisho::db::update(
                sessions::table.find(session_of(0)),
                sessions::revoked_at.eq(Some(now)),
            )
            .execute_on(conn)
            .unwrap();
            sekisho::db::update(
                sessions::table.find(session_of(1)),
                sessions::expires_at.eq(now),
            )
            .execute_on(conn)
            .unwrap();
            let withdrawn = all.iter().find(|(_, _, e)| *e == email(2)).unwrap();
            sekisho::db::update(
                users::table.find(withdrawn.1.clone()),
                users::deleted_at.eq(Some(now)),
            )
            .execute_on(conn)
            .unwrap();
            let mut asked: Vec<(String, String)> = (0..10).map(asked_of).collect();
            asked.push(("no-such-session".into(), asked_of(3).1));
            let found = sekisho::db::sessions::find_live_with_users(conn, &asked, now).unwrap();
            let mut found: Vec<(String, String)> = found
                .into_iter()
                .map(|(user, session)| (session.id.to_string(), user.email))
                .collect();
            found.sort();
            let mut expected: Vec<(String, String)> =
                (3..10).map(|n| (session_of(n), email(n))).collect();
            expected.sort();
            (found, expected)
        })
        .await;
    assert_eq!(found, expected);
}

/// Many sessions checked at the same moment (on PostgreSQL they are read together):
/// each request gets its own session's answer: its own user while the session lives,
/// 401 once it was logged out, never another request's user. One worker, so that the
/// checks pile up behind each other.
async fn checks_of_many_sessions_at_once_each_get_their_own_answer(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("WORKERS", "1")]).await;
    let mut ended = Vec::new();
    let mut live = Vec::new();
    for i in 0..10 {
        let email = format!("many{i}@example.com");
        let first = client();
        let signup = app
            .post_with(
                &first,
                "/api/v1/auth/signup",
                json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        assert_eq!(signup.status(), 201, "signup of {email}");
        live.push((email.clone(), app.login_elsewhere(&email).await));
        let logout = app
            .post_with(&first, "/api/v1/auth/logout", json!({}))
            .await;
        assert_eq!(logout.status(), 200);
        ended.push(first);
    }

    let me = app.url("/api/v1/auth/me");
    for _ in 0..3 {
        let checks = live
            .iter()
            .map(|(email, browser)| (Some(email.as_str()), browser))
            .chain(ended.iter().map(|browser| (None, browser)))
            .cycle()
            .take(120)
            .map(|(email, browser)| {
                let me = me.clone();
                async move {
                    let response = browser.get(me).send().await.expect("request sent");
                    let status = response.status().as_u16();
                    let body: serde_json::Value = response.json().await.expect("JSON body");
                    (email, status, body)
                }
            });
        for (email, status, body) in join_all(checks).await {
            match email {
                Some(email) => {
                    assert_eq!(status, 200, "{email}: {body}");
                    assert_eq!(body["user"]["email"], email, "another request's user");
                }
                None => {
                    assert_eq!(status, 401, "a logged-out session: {body}");
                    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
                }
            }
        }
    }
}

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
