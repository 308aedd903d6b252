//! GET /metrics: who may read it, what it counts, and the statement-cache proof: once
//! warm, the requests every signed-in user makes compile no SQL.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp, TestDb, client};

pub const TOKEN: &str = "scrape-token-0123456789";

/// The value of the sample `name` (with its labels, as exposed), or 0 when absent.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

pub async fn scrape(app: &TestApp) -> String {
    let response = client()
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn spawn_with_token(db: TestDb, extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![("METRICS_TOKEN", TOKEN)];
    vars.extend_from_slice(extra);
    TestApp::spawn_on(db, &vars).await
}

/// One round of what signed-in users do: /me by cookie and by bearer token, a
/// refresh, a greeting, the session list, a login and a logout.
async fn one_round(app: &TestApp, email: &str, refresh_token: &mut String) {
    let me = app.get("/api/v1/auth/me").await;
    assert_eq!(me.status(), 200);
    let refreshed: serde_json::Value = client()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refreshToken": refresh_token }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = refreshed["token"].as_str().expect("a refreshed pair");
    *refresh_token = refreshed["refreshToken"].as_str().unwrap().to_owned();
    let bearer_me = client()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer_me.status(), 200);
    assert_eq!(app.get("/api/v1/greeting").await.status(), 200);
    assert_eq!(app.get("/api/v1/auth/sessions").await.status(), 200);
    log_in_and_out(app, email).await;
}

/// A login on another client, then its logout.
async fn log_in_and_out(app: &TestApp, email: &str) {
    let other = app.login_elsewhere(email).await;
    let logout = app
        .post_with(&other, "/api/v1/auth/logout", json!({}))
        .await;
    assert_eq!(logout.status(), 200);
}

crate::on_both_databases!(warm_requests_compile_no_sql, metrics_count_what_happened);

async fn warm_requests_compile_no_sql(db: TestDb) {
    // One connection: its statement cache is the one every request uses.
    let app = spawn_with_token(db, &[("DB_POOL_SIZE", "1")]).await;
    let email = "cache@example.com";
    app.signup(email).await;
    let mut refresh_token = app.issue_tokens(email).await["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    one_round(&app, email, &mut refresh_token).await;
    let warm = scrape(&app).await;
    let (compiled, queries) = (
        sample(&warm, "sekisho_db_statements_compiled_total"),
        sample(&warm, "sekisho_db_queries_total"),
    );
    assert!(
        compiled > 0.0,
        "the first requests compiled their statements"
    );

    for _ in 0..3 {
        one_round(&app, email, &mut refresh_token).await;
    }
    let after = scrape(&app).await;
    assert!(
        sample(&after, "sekisho_db_queries_total") >= queries + 3.0 * 10.0,
        "the rounds ran queries"
    );
    assert_eq!(
        sample(&after, "sekisho_db_statements_compiled_total"),
        compiled,
        "a warm connection compiled SQL again"
    );
}

crate::on_both_databases!(a_warm_session_check_is_one_query);

/// The session check of a warm connection is its one query: no ping before it (a
/// second PostgreSQL round trip per request), no write (last_seen_at waits a minute).
async fn a_warm_session_check_is_one_query(db: TestDb) {
    let app = spawn_with_token(db, &[("DB_POOL_SIZE", "1")]).await;
    app.signup("one-query@example.com").await;
    // The sign-up's verification mail is written after the answer: let it finish, or
    // its queries land in the count below.
    app.wait_for_outbox_to("verify-email", 1).await;
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
    let before = scrape(&app).await;
    for _ in 0..5 {
        assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);
    }
    let after = scrape(&app).await;
    let delta = |name| sample(&after, name) - sample(&before, name);
    assert_eq!(
        delta("sekisho_db_queries_total"),
        5.0,
        "queries for five warm /me"
    );
    assert_eq!(
        delta("sekisho_db_checkout_pings_total"),
        0.0,
        "pings for five warm /me"
    );
}

/// On PostgreSQL, session checks that arrive while one is at the database are read
/// together: 60 checks at once of ten sessions take fewer queries than requests (each
/// still gets its own answer: tests/api/session_check.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_at_once_on_postgres_share_their_queries() {
    let Some(db) = TestDb::create(Backend::Postgres).await else {
        return;
    };
    let app = spawn_with_token(db, &[("WORKERS", "1")]).await;
    let mut browsers = Vec::new();
    for i in 0..10 {
        let email = format!("shared{i}@example.com");
        let signup = app
            .post_with(
                &client(),
                "/api/v1/auth/signup",
                json!({ "email": email, "password": crate::helpers::PASSWORD }),
            )
            .await;
        assert_eq!(signup.status(), 201);
        browsers.push(app.login_elsewhere(&email).await);
    }
    app.wait_for_outbox_to("verify-email", 10).await;
    let me = app.url("/api/v1/auth/me");
    for browser in &browsers {
        assert_eq!(browser.get(&me).send().await.unwrap().status(), 200);
    }
    let before = scrape(&app).await;
    let checks = browsers.iter().cycle().take(60).map(|browser| {
        let me = me.clone();
        async move { browser.get(me).send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(checks).await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    let after = scrape(&app).await;
    let queries =
        sample(&after, "sekisho_db_queries_total") - sample(&before, "sekisho_db_queries_total");
    assert!(
        queries < 60.0,
        "60 checks at once took {queries} queries: none were read together"
    );
}

crate::on_both_backends!(metrics_are_not_public_without_a_token);

async fn metrics_are_not_public_without_a_token(app: TestApp) {
    let response = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_opens_metrics_on_the_main_address() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else {
        return;
    };
    let app = spawn_with_token(db, &[]).await;
    let anonymous = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let wrong = client()
        .get(app.url("/metrics"))
        .bearer_auth("scrape-token-0123456780")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = client()
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_bind_serves_metrics_alone_on_its_own_address() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &[("METRICS_BIND", "127.0.0.1:0")]).await
    else {
        return;
    };
    let internal = app.metrics_address.clone().expect("a metrics listener");
    let scraped = client()
        .get(format!("{internal}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped
            .text()
            .await
            .unwrap()
            .contains("sekisho_db_pool_max 4")
    );
    let api_there = client()
        .get(format!("{internal}/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_there.status(),
        404,
        "only /metrics on the metrics address"
    );
    let public = client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404, "no token: not on the main address");
}

async fn metrics_count_what_happened(db: TestDb) {
    let app = spawn_with_token(db, &[]).await;
    let email = "counted@example.com";
    app.signup(email).await;
    assert_eq!(app.get("/api/health").await.status(), 200);
    assert_eq!(app.get("/api/v1/nothing-here").await.status(), 404);
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    let teapot = client()
        .request(brew, app.url("/api/health"))
        .send()
        .await
        .unwrap();
    assert!(teapot.status().is_client_error());
    log_in_and_out(&app, email).await;
    for _ in 0..6 {
        app.attempt_login(email, "not the password").await;
    }

    let text = scrape(&app).await;
    let health = r#"sekisho_http_requests_total{method="GET",route="/api/health",status="200"}"#;
    assert_eq!(sample(&text, health), 1.0, "{text}");
    let timed = r#"sekisho_http_request_duration_seconds_count{method="GET",route="/api/health",status="200"}"#;
    assert_eq!(sample(&text, timed), 1.0);
    assert!(
        !text.contains("nothing-here"),
        "unmatched paths share one label value"
    );
    assert!(
        !text.contains("BREW"),
        "unknown methods share one label value"
    );
    assert!(text.contains(r#"method="other""#));
    // The fifth wrong password blocks this client: the sixth is refused unchecked.
    assert_eq!(sample(&text, "sekisho_login_failures_total"), 5.0);
    assert_eq!(
        sample(
            &text,
            r#"sekisho_rate_limited_total{route="/api/v1/auth/login"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(&text, r#"sekisho_sessions_created_total{kind="browser"}"#),
        2.0,
        "signup and login"
    );
    assert_eq!(sample(&text, "sekisho_sessions_revoked_total"), 1.0);
    assert!(text.contains("sekisho_hash_queue_depth 0"));
    assert!(text.contains("sekisho_hash_wait_seconds_count"));
    assert!(sample(&text, "sekisho_db_pool_connections") >= 1.0);
    assert!(text.contains("sekisho_db_pool_wait_seconds_count"));
}
