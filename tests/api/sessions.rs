//! Listing and revoking sessions; a revocation counts on the very next request.

use sekisho::db::RunOn;
use serde_json::Value;

use crate::helpers::{FRONTEND, PASSWORD, TestApp, TestDb, client, error_code};

crate::on_both_backends!(
    sessions_are_listed_with_the_current_one_marked,
    revoking_one_session_ends_it_at_once,
    other_users_sessions_are_not_found,
    revoking_all_others_keeps_the_current_one,
    last_seen_is_not_written_on_every_request,
    sessions_come_a_page_at_a_time,
    a_user_holds_at_most_a_hundred_live_sessions,
    the_panel_pages_a_users_sessions,
);

crate::on_both_databases!(
    forwarded_for_counts_only_from_trusted_proxies,
    revocation_counts_on_every_instance_at_the_next_request,
);

/// The IP a session records after a signup that claims to come through a proxy.
async fn recorded_ip(app: &TestApp, email: &str) -> Value {
    recorded_ip_forwarded(app, email, "6.6.6.6, 203.0.113.7").await
}

async fn recorded_ip_forwarded(app: &TestApp, email: &str, forwarded: &str) -> Value {
    let browser = client();
    let response = browser
        .post(app.url("/api/v1/auth/signup"))
        .header("Origin", FRONTEND)
        .header("X-Forwarded-For", forwarded)
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    sessions_of(app, &browser).await[0]["ip"].clone()
}

async fn forwarded_for_counts_only_from_trusted_proxies(db: TestDb) {
    // By default the header is the client's own word: the peer address counts.
    let direct = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    assert_eq!(
        recorded_ip(&direct, "direct@example.com").await,
        "127.0.0.1"
    );
    // Behind a trusted proxy, the right-most untrusted entry is the client.
    let proxied = TestApp::spawn_on(db, &[("TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    assert_eq!(
        recorded_ip(&proxied, "proxied@example.com").await,
        "203.0.113.7"
    );
    // Proxies that write the client's port: `ip:port` and `[v6]:port` are read, so the
    // attacker's own left-hand entry does not become the client.
    for (n, forwarded, client) in [
        (1, "6.6.6.6, 203.0.113.8:51234", "203.0.113.8"),
        (2, "6.6.6.6, [2001:db8::8]:443", "2001:db8::8"),
        // An entry that cannot be read ends the chain: the proxy itself is the client.
        (3, "6.6.6.6, not-an-address", "127.0.0.1"),
    ] {
        let email = format!("ported{n}@example.com");
        assert_eq!(
            recorded_ip_forwarded(&proxied, &email, forwarded).await,
            client,
            "{forwarded}"
        );
    }
}

async fn sessions_of(app: &TestApp, browser: &reqwest::Client) -> Vec<Value> {
    let response = browser
        .get(app.url("/api/v1/auth/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["sessions"].as_array().unwrap().clone()
}

async fn sessions_are_listed_with_the_current_one_marked(app: TestApp) {
    app.signup("list@example.com").await;
    let other = client();
    app.client.get(app.url("/api/health")).send().await.unwrap();
    let response = other
        .post(app.url("/api/v1/auth/login"))
        .header("Origin", FRONTEND)
        .header("User-Agent", "Firefox/140 on a phone")
        .json(&serde_json::json!({ "email": "list@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let sessions = sessions_of(&app, &app.client).await;
    assert_eq!(sessions.len(), 2);
    let current = sessions.iter().filter(|s| s["current"] == true).count();
    assert_eq!(current, 1);
    let phone = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(phone["kind"], "browser");
    assert_eq!(phone["ip"], "127.0.0.1");
    assert_eq!(phone["userAgent"], "Firefox/140 on a phone");
    for field in ["createdAt", "lastSeenAt", "expiresAt"] {
        chrono::DateTime::parse_from_rfc3339(phone[field].as_str().unwrap()).unwrap();
    }
    uuid::Uuid::parse_str(phone["id"].as_str().unwrap()).unwrap();
}

async fn revoking_one_session_ends_it_at_once(app: TestApp) {
    app.signup("revoke@example.com").await;
    let phone = app.login_elsewhere("revoke@example.com").await;
    let sessions = sessions_of(&app, &app.client).await;
    let phone_id = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.me_status(&phone).await, 200);

    let response = app
        .delete(&format!("/api/v1/auth/sessions/{phone_id}"))
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        app.me_status(&phone).await,
        401,
        "revoked on the next request"
    );
    assert_eq!(app.me_status(&app.client).await, 200);

    let again = app
        .delete(&format!("/api/v1/auth/sessions/{phone_id}"))
        .await;
    assert_eq!(again.status(), 404);
    assert_eq!(error_code(again).await.1, "NOT_FOUND");
    assert_eq!(sessions_of(&app, &app.client).await.len(), 1);
}

async fn other_users_sessions_are_not_found(app: TestApp) {
    app.signup("victim@example.com").await;
    let victim_session = sessions_of(&app, &app.client).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attacker = client();
    let signup = app
        .post_with(
            &attacker,
            "/api/v1/auth/signup",
            serde_json::json!({ "email": "attacker@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(signup.status(), 201);
    let response = attacker
        .delete(app.url(&format!("/api/v1/auth/sessions/{victim_session}")))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        app.me_status(&app.client).await,
        200,
        "the victim is still signed in"
    );
    let unauthenticated = client()
        .delete(app.url("/api/v1/auth/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

async fn revoking_all_others_keeps_the_current_one(app: TestApp) {
    app.signup("all@example.com").await;
    let phone = app.login_elsewhere("all@example.com").await;
    let laptop = app.login_elsewhere("all@example.com").await;
    let response = app.delete("/api/v1/auth/sessions").await;
    assert_eq!(response.status(), 204);
    assert_eq!(app.me_status(&phone).await, 401);
    assert_eq!(app.me_status(&laptop).await, 401);
    assert_eq!(app.me_status(&app.client).await, 200);
    let left = sessions_of(&app, &app.client).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);
}

async fn last_seen_is_not_written_on_every_request(app: TestApp) {
    app.signup("seen@example.com").await;
    async fn read(app: &TestApp) -> chrono::NaiveDateTime {
        app.with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions::dsl::*;
            sessions
                .select(last_seen_at)
                .first_on::<chrono::NaiveDateTime>(conn)
                .unwrap()
        })
        .await
    }
    let first = read(&app).await;
    for _ in 0..3 {
        assert_eq!(app.me_status(&app.client).await, 200);
    }
    assert_eq!(read(&app).await, first, "no write within a minute");

    // A session last seen two minutes ago is touched by the next request.
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::sessions::dsl::*;
        sekisho::db::update(
            sessions,
            last_seen_at.eq(sekisho::db::now() - chrono::TimeDelta::minutes(2)),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    let stale = read(&app).await;
    assert_eq!(app.me_status(&app.client).await, 200);
    assert!(read(&app).await > stale);
}

/// Two instances on one database: whatever one instance (or an operator, or the
/// database) does to a session counts on the other at the very next request. Nothing
/// caches a session's validity.
async fn revocation_counts_on_every_instance_at_the_next_request(db: TestDb) {
    let second_db = TestDb::reuse(&db);
    let first = TestApp::spawn_on(db, &[]).await;
    let second = TestApp::spawn_on(second_db, &[]).await;
    let me_on = |app: &TestApp, client: &reqwest::Client| {
        let request = client.get(app.url("/api/v1/auth/me"));
        async move { request.send().await.unwrap().status().as_u16() }
    };

    // Logged out on the first instance: the second refuses the cookie at once.
    first.signup("twice@example.com").await;
    assert_eq!(me_on(&second, &first.client).await, 200);
    let logout = first
        .post_with(&first.client, "/api/v1/auth/logout", serde_json::json!({}))
        .await;
    assert_eq!(logout.status(), 200);
    assert_eq!(
        me_on(&second, &first.client).await,
        401,
        "logged out on the first"
    );
    let browser = first.login_elsewhere("twice@example.com").await;
    assert_eq!(me_on(&second, &browser).await, 200);
    let other = first.login_elsewhere("twice@example.com").await;
    let revoke_others = other
        .delete(first.url("/api/v1/auth/sessions"))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke_others.status(), 204);
    assert_eq!(me_on(&second, &browser).await, 401, "revoked on the first");
    assert_eq!(me_on(&second, &other).await, 200);

    // Expired in the database: refused on both at the next request.
    let user_id = first.user_id("twice@example.com").await;
    let expire = user_id.clone();
    first
        .with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions::dsl::*;
            sekisho::db::update(
                sessions.filter(user_id.eq(expire)),
                expires_at.eq(sekisho::db::now() - chrono::TimeDelta::seconds(1)),
            )
            .execute_on(conn)
            .unwrap();
        })
        .await;
    assert_eq!(me_on(&second, &other).await, 401, "expired");
    assert_eq!(me_on(&first, &other).await, 401, "expired");

    // Disabled by an operator on the second: the first answers 403 at once.
    let fresh = first.login_elsewhere("twice@example.com").await;
    assert_eq!(me_on(&first, &fresh).await, 200);
    second
        .with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::users::dsl::*;
            sekisho::db::update(users.find(user_id), disabled_at.eq(sekisho::db::now()))
                .execute_on(conn)
                .unwrap();
        })
        .await;
    assert_eq!(me_on(&first, &fresh).await, 403, "disabled");
}

/// `count` live browser sessions of `email`'s user, written straight to the table, the
/// n-th last seen n minutes ago (so the first is the most recently used).
async fn add_sessions(app: &TestApp, email: &str, count: i64) -> Vec<String> {
    let user = app.user_id(email).await;
    app.with_db(move |conn| {
        use sekisho::db::sessions;
        let now = sekisho::db::now();
        (1..=count)
            .map(|n| {
                let id = uuid::Uuid::new_v4().to_string();
                let at = now - chrono::TimeDelta::minutes(n);
                sessions::insert(
                    conn,
                    &sessions::NewSession {
                        id: &id,
                        user_id: Some(&user),
                        kind: sekisho::domain::SessionKind::Browser,
                        token_hash: None,
                        refresh_token_hash: None,
                        state: None,
                        created_at: at,
                        last_seen_at: at,
                        expires_at: now + chrono::TimeDelta::days(1),
                        ip: Some("192.0.2.1"),
                        user_agent: Some("tests"),
                        sign_in_method: None,
                    },
                )
                .unwrap();
                id
            })
            .collect()
    })
    .await
}

async fn get_sessions(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/auth/sessions{query}")))
        .send()
        .await
        .unwrap()
}

async fn page_of(app: &TestApp, query: &str) -> Value {
    let response = get_sessions(app, query).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

/// 90 sessions (the signup's and 89 more) in pages of 40: 40, 40, 10, newest first,
/// each once, the last page without a cursor; the default page is 50; a bad limit or
/// cursor is a VALIDATION_ERROR naming the field.
async fn sessions_come_a_page_at_a_time(app: TestApp) {
    app.signup("many@example.com").await;
    add_sessions(&app, "many@example.com", 89).await;
    let mut seen = Vec::new();
    let mut query = "?limit=40".to_owned();
    let mut sizes = Vec::new();
    loop {
        let page = page_of(&app, &query).await;
        let sessions = page["sessions"].as_array().unwrap();
        sizes.push(sessions.len());
        seen.extend(sessions.iter().map(|s| {
            (
                s["createdAt"].as_str().unwrap().to_owned(),
                s["id"].as_str().unwrap().to_owned(),
            )
        }));
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("?limit=40&cursor={cursor}"),
            None => {
                assert!(page["nextCursor"].is_null());
                break;
            }
        }
    }
    assert_eq!(sizes, [40, 40, 10]);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(seen, sorted, "newest first, each once");
    // The current session (the signup's, the newest) is on the first page.
    let first = page_of(&app, "").await;
    assert_eq!(first["sessions"].as_array().unwrap().len(), 50);
    assert_eq!(first["sessions"][0]["current"], true);
    assert!(first["nextCursor"].is_string());

    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=101", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?cursor=bm90LWEtY3Vyc29y", "cursor"),
    ] {
        let response = get_sessions(&app, query).await;
        let body = crate::helpers::envelope(
            response,
            reqwest::StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        )
        .await;
        assert!(
            body["error"]["details"]["fields"][field].is_string(),
            "{query}: {body}"
        );
    }
}

/// With 100 live sessions, one more sign-in ends the least recently used one (and
/// only it): the count stays at 100.
async fn a_user_holds_at_most_a_hundred_live_sessions(app: TestApp) {
    app.signup("busy@example.com").await;
    let added = add_sessions(&app, "busy@example.com", 99).await;
    let live = || async {
        let first = page_of(&app, "?limit=100").await;
        first["sessions"].as_array().unwrap().len()
    };
    assert_eq!(live().await, 100);
    let phone = app.login_elsewhere("busy@example.com").await;
    assert_eq!(live().await, 100);
    let ids: Vec<String> = page_of(&app, "?limit=100").await["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    let least_recent = added.last().unwrap();
    assert!(
        !ids.contains(least_recent),
        "the least recently used session ended"
    );
    assert!(ids.contains(&added[added.len() - 2]));
    assert_eq!(app.me_status(&phone).await, 200);
    assert_eq!(app.me_status(&app.client).await, 200);
}

/// The panel's user page counts every live session and shows them 25 to a page.
async fn the_panel_pages_a_users_sessions(app: TestApp) {
    let admin = app.operator().await;
    app.signup("paged@example.com").await;
    add_sessions(&app, "paged@example.com", 59).await;
    let id = app.user_id("paged@example.com").await;
    let rows = |html: &str| html.matches("/revoke\"").count();
    let first = admin.page(&format!("/admin/users/{id}")).await;
    assert!(first.contains("(60)"), "the count is of all live sessions");
    assert_eq!(rows(&first), 25);
    assert!(first.contains(&format!("/admin/users/{id}?page=2")));
    let last = admin.page(&format!("/admin/users/{id}?page=3")).await;
    assert_eq!(rows(&last), 10);
    assert!(!last.contains(&format!("/admin/users/{id}?page=4")));
}
