//! 429 RATE_LIMITED with Retry-After: per account (in the database, so every
//! instance agrees) and per client IP.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestDb, client};

crate::on_both_backends!(
    failed_logins_block_the_account_across_instances,
    forgot_password_is_limited_per_address,
);

crate::on_both_databases!(signups_are_limited_per_ip, the_switch_turns_limits_off);

async fn assert_limited(response: reqwest::Response) {
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
}

async fn failed_logins_block_the_account_across_instances(app: TestApp) {
    app.signup("target@example.com").await;
    let attempt = |password: &'static str, app: &TestApp| {
        let client = client();
        let url = app.url("/api/v1/auth/login");
        async move {
            client
                .post(url)
                .json(&json!({ "email": "target@example.com", "password": password }))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong password", &app).await.status(), 401);
    }
    // Now even the right password waits.
    assert_limited(attempt(PASSWORD, &app).await).await;

    // A second instance on the same database sees the same block.
    let second = TestApp::spawn_on(TestDb::reuse(&app.db), &[]).await;
    assert_limited(attempt(PASSWORD, &second).await).await;
    // Another account is not affected.
    app.signup("bystander@example.com").await;
    let bystander = client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "bystander@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(bystander.status(), 200);
}

async fn forgot_password_is_limited_per_address(app: TestApp) {
    for _ in 0..3 {
        let response = app
            .post_with(
                &client(),
                "/api/v1/auth/forgot-password",
                json!({ "email": "flood@example.com" }),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    assert_limited(
        app.post_with(
            &client(),
            "/api/v1/auth/forgot-password",
            json!({ "email": "flood@example.com" }),
        )
        .await,
    )
    .await;
}

async fn signups_are_limited_per_ip(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    for n in 0..10 {
        let response = app
            .post_with(
                &client(),
                "/api/v1/auth/signup",
                json!({ "email": format!("user{n}@example.com"), "password": PASSWORD }),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    assert_limited(
        app.post_with(
            &client(),
            "/api/v1/auth/signup",
            json!({ "email": "one-more@example.com", "password": PASSWORD }),
        )
        .await,
    )
    .await;
}

async fn the_switch_turns_limits_off(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("RATE_LIMIT_ENABLED", "false")]).await;
    app.signup("bench@example.com").await;
    for _ in 0..7 {
        let response = app
            .attempt_login("bench@example.com", "wrong password")
            .await;
        assert_eq!(response.status(), 401);
    }
    let ok = app.attempt_login("bench@example.com", PASSWORD).await;
    assert_eq!(ok.status(), 200);
}
