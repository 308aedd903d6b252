//! Bearer access tokens and rotating refresh tokens (/token, /refresh).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestDb, client};

crate::on_both_backends!(
    token_and_refresh_have_the_contract_shape,
    bearer_works_on_every_protected_endpoint,
    bad_access_tokens_are_401,
    racing_refreshes_never_yield_two_pairs,
    every_racing_refresh_within_the_grace_window_gets_the_pair,
    revoking_a_bearer_session_kills_both_tokens,
    token_shares_the_login_rules,
);

crate::on_both_databases!(
    spent_tokens_after_the_grace_window_revoke_the_session,
    a_new_secret_key_ends_refresh_tokens_too
);

crate::on_both_backends!(an_older_spent_token_is_reuse_too);

/// ACCESS_TOKEN_TTL_SECONDS sets the access token's lifetime, at issue and at refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_access_token_lifetime_is_configuration() {
    let Some(app) = TestApp::spawn_with(
        crate::helpers::Backend::Sqlite,
        &[("ACCESS_TOKEN_TTL_SECONDS", "60")],
    )
    .await
    else {
        return;
    };
    app.signup("short@example.com").await;
    let pair = app.issue_tokens("short@example.com").await;
    assert_eq!(pair["expiresIn"], 60);
    let c = claims(pair["token"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
    let refreshed: Value = client()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&serde_json::json!({ "refreshToken": pair["refreshToken"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refreshed["expiresIn"], 60);
    assert_eq!(
        me_with(&app, refreshed["token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

async fn an_older_spent_token_is_reuse_too(app: TestApp) {
    app.signup("chain@example.com").await;
    let first: Value = app.issue_tokens("chain@example.com").await;
    let first_token = first["refreshToken"].as_str().unwrap().to_owned();
    let second: Value = refresh(&app, &first_token).await.json().await.unwrap();
    let third: Value = refresh(&app, second["refreshToken"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me_with(&app, third["token"].as_str().unwrap())
            .await
            .status(),
        200
    );

    // The first token, two rotations old, comes back (inside the grace window even):
    // that is a stolen token, not a second tab.
    let replay = refresh(&app, &first_token).await;
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TOKEN_REUSED");
    assert_eq!(
        me_with(&app, third["token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    assert_eq!(
        refresh(&app, third["refreshToken"].as_str().unwrap())
            .await
            .status(),
        401
    );
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    client()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refreshToken": token }))
        .send()
        .await
        .unwrap()
}

async fn me_with(app: &TestApp, token: &str) -> reqwest::Response {
    client()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn token_and_refresh_have_the_contract_shape(app: TestApp) {
    let user = app.signup("mobile@example.com").await;
    let pair = app.issue_tokens("Mobile@Example.com").await;
    assert_eq!(pair["tokenType"], "Bearer");
    assert_eq!(pair["expiresIn"], 900);
    let jwt = pair["token"].as_str().unwrap();
    let c = claims(jwt);
    assert_eq!(c["sub"], user["id"]);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 900);
    assert!(c["sid"].is_string());
    let refresh_token = pair["refreshToken"].as_str().unwrap().to_owned();
    assert!(refresh_token.len() >= 43, "256 bits: {refresh_token}");

    let me: Value = me_with(&app, jwt).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "mobile@example.com");

    let rotated = refresh(&app, &refresh_token).await;
    assert_eq!(rotated.status(), 200);
    let rotated: Value = rotated.json().await.unwrap();
    assert_eq!(rotated["tokenType"], "Bearer");
    assert_eq!(rotated["expiresIn"], 900);
    assert_ne!(
        rotated["refreshToken"], pair["refreshToken"],
        "a NEW refresh token"
    );
    assert_eq!(claims(rotated["token"].as_str().unwrap())["sid"], c["sid"]);
    assert_eq!(
        me_with(&app, rotated["token"].as_str().unwrap())
            .await
            .status(),
        200
    );

    // Only hashes are stored.
    let stored: Vec<Option<String>> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions::dsl::*;
            sessions.select(refresh_token_hash).load_on(conn).unwrap()
        })
        .await;
    let new_token = rotated["refreshToken"].as_str().unwrap().to_owned();
    assert!(
        stored
            .iter()
            .flatten()
            .all(|h| *h != new_token && *h != refresh_token)
    );

    let missing = client()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let unknown = refresh(&app, "never-issued").await;
    assert_eq!(unknown.status(), 401);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
    // snake_case alias
    let alias = client()
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": new_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(alias.status(), 200);
}

async fn spent_tokens_after_the_grace_window_revoke_the_session(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("REFRESH_GRACE_SECONDS", "1")]).await;
    app.signup("grace@example.com").await;
    let pair = app.issue_tokens("grace@example.com").await;
    let first = pair["refreshToken"].as_str().unwrap().to_owned();

    // Two tabs refreshing at once: both succeed, with the same new pair.
    let (a, b) = tokio::join!(refresh(&app, &first), refresh(&app, &first));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a, b);

    // The same spent token after the window: TOKEN_REUSED, and the session is gone.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let replay = refresh(&app, &first).await;
    assert_eq!(replay.status(), 401);
    let body: Value = replay.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TOKEN_REUSED");
    assert_eq!(
        me_with(&app, a["token"].as_str().unwrap()).await.status(),
        401
    );
    assert_eq!(
        refresh(&app, a["refreshToken"].as_str().unwrap())
            .await
            .status(),
        401
    );
    // The user sees it: the bearer session is no longer listed.
    let sessions: Value = app.get("/api/v1/auth/sessions").await.json().await.unwrap();
    assert!(
        sessions["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["kind"] != "bearer")
    );
}

async fn racing_refreshes_never_yield_two_pairs(app: TestApp) {
    app.signup("race@example.com").await;
    let pair = app.issue_tokens("race@example.com").await;
    let token = pair["refreshToken"].as_str().unwrap().to_owned();
    let attempts = (0..8).map(|_| refresh(&app, &token));
    let responses = futures_util::future::join_all(attempts).await;
    let mut pairs = Vec::new();
    for response in responses {
        if response.status() == 200 {
            pairs.push(response.json::<Value>().await.unwrap());
        }
    }
    assert!(!pairs.is_empty());
    assert!(
        pairs.iter().all(|p| *p == pairs[0]),
        "two different pairs were minted: {pairs:?}"
    );
    // The one new refresh token works (once) and the chain goes on.
    let next = refresh(&app, pairs[0]["refreshToken"].as_str().unwrap()).await;
    assert_eq!(next.status(), 200);
}

/// Tabs refreshing together within the grace window all get the pair, round after
/// round: none may fall between the rotation and the record of the spent token.
async fn every_racing_refresh_within_the_grace_window_gets_the_pair(app: TestApp) {
    app.signup("tabs@example.com").await;
    let mut token = app.issue_tokens("tabs@example.com").await["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    for round in 0..10 {
        let attempts = (0..6).map(|_| refresh(&app, &token));
        let statuses: Vec<u16> = futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.status().as_u16())
            .collect();
        assert!(
            statuses.iter().all(|s| *s == 200),
            "round {round}: {statuses:?}"
        );
        let next: Value = refresh(&app, &token).await.json().await.unwrap();
        token = next["refreshToken"].as_str().unwrap().to_owned();
    }
}

async fn bad_access_tokens_are_401(app: TestApp) {
    app.signup("forge@example.com").await;
    let pair = app.issue_tokens("forge@example.com").await;
    let jwt = pair["token"].as_str().unwrap().to_owned();
    let c = claims(&jwt);
    let parts: Vec<&str> = jwt.split('.').collect();

    let mut forged_claims = c.clone();
    forged_claims["sub"] = json!("someone-else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged_claims.to_string()),
        parts[2]
    );
    let wrong_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &c,
        &jsonwebtoken::EncodingKey::from_secret(b"not the server's key, but long enough!!"),
    )
    .unwrap();
    let alg_none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let mut old = c.clone();
    old["iat"] = json!(c["iat"].as_i64().unwrap() - 3600);
    old["exp"] = json!(c["iat"].as_i64().unwrap() - 1800);
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &old,
        &jsonwebtoken::EncodingKey::from_secret(app.settings.secret_key.bytes()),
    )
    .unwrap();
    for (what, token) in [
        ("tampered", tampered),
        ("wrong key", wrong_key),
        ("alg=none", alg_none),
        ("expired", expired),
        ("garbage", "abc".to_owned()),
    ] {
        let response = me_with(&app, &token).await;
        assert_eq!(response.status(), 401, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "UNAUTHORIZED", "{what}");
    }
    assert_eq!(
        me_with(&app, &jwt).await.status(),
        200,
        "the genuine token still works"
    );
}

async fn bearer_works_on_every_protected_endpoint(app: TestApp) {
    app.signup("everywhere@example.com").await;
    let pair = app.issue_tokens("everywhere@example.com").await;
    let jwt = pair["token"].as_str().unwrap().to_owned();
    let c = client();
    let send = |request: reqwest::RequestBuilder| {
        let jwt = jwt.clone();
        async move { request.bearer_auth(jwt).send().await.unwrap() }
    };
    // No Origin header anywhere: bearer requests are exempt from the CSRF rule.
    assert_eq!(send(c.get(app.url("/api/v1/auth/me"))).await.status(), 200);
    let greeting: Value = send(c.get(app.url("/api/v1/greeting")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(greeting["isLoggedIn"], true);
    let sessions: Value = send(c.get(app.url("/api/v1/auth/sessions")))
        .await
        .json()
        .await
        .unwrap();
    let list = sessions["sessions"].as_array().unwrap();
    let current = list.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(current["kind"], "bearer");
    let browser = list.iter().find(|s| s["kind"] == "browser").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(c.delete(app.url(&format!("/api/v1/auth/sessions/{browser}"))))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "the cookie session was revoked by bearer"
    );
    assert_eq!(
        send(c.delete(app.url("/api/v1/auth/sessions")))
            .await
            .status(),
        204
    );
    let changed = send(
        c.post(app.url("/api/v1/auth/change-password"))
            .json(&json!({ "currentPassword": PASSWORD, "newPassword": "bearer changed it" })),
    )
    .await;
    assert_eq!(changed.status(), 200);

    // Both headers: the bearer token decides.
    let other = app
        .login_elsewhere_with("everywhere@example.com", "bearer changed it")
        .await;
    let both = other
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth("not-a-valid-token")
        .send()
        .await
        .unwrap();
    assert_eq!(
        both.status(),
        401,
        "the invalid bearer token wins over a valid cookie"
    );

    let withdrawn = send(
        c.post(app.url("/api/v1/user/withdraw"))
            .json(&json!({ "confirmPassword": "bearer changed it" })),
    )
    .await;
    assert_eq!(withdrawn.status(), 200);
    assert_eq!(send(c.get(app.url("/api/v1/auth/me"))).await.status(), 401);
}

async fn revoking_a_bearer_session_kills_both_tokens(app: TestApp) {
    app.signup("revokebearer@example.com").await;
    let pair = app.issue_tokens("revokebearer@example.com").await;
    let jwt = pair["token"].as_str().unwrap();
    let sid = claims(jwt)["sid"].as_str().unwrap().to_owned();
    let response = app.delete(&format!("/api/v1/auth/sessions/{sid}")).await;
    assert_eq!(response.status(), 204);
    assert_eq!(
        me_with(&app, jwt).await.status(),
        401,
        "not after 15 minutes: now"
    );
    assert_eq!(
        refresh(&app, pair["refreshToken"].as_str().unwrap())
            .await
            .status(),
        401
    );

    // Logout with a bearer token ends that bearer session.
    let pair = app.issue_tokens("revokebearer@example.com").await;
    let jwt = pair["token"].as_str().unwrap();
    let logout = client()
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    assert_eq!(me_with(&app, jwt).await.status(), 401);
}

async fn token_shares_the_login_rules(app: TestApp) {
    app.signup("tokenrules@example.com").await;
    for _ in 0..5 {
        let response = client()
            .post(app.url("/api/v1/auth/token"))
            .json(&json!({ "email": "tokenrules@example.com", "password": "wrong password" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "INVALID_CREDENTIALS");
    }
    let limited = client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "tokenrules@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));

    app.signup("tokendisabled@example.com").await;
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::users::dsl::*;
        sekisho::db::update(
            users.filter(email.eq("tokendisabled@example.com")),
            disabled_at.eq(Some(sekisho::db::now())),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    let disabled = client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "tokendisabled@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 403);
    let body: Value = disabled.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ACCOUNT_DISABLED");
}

/// Changing SECRET_KEY ends bearer sessions, refresh tokens included (they are stored
/// under a hash keyed with it), as it ends cookies and access tokens.
async fn a_new_secret_key_ends_refresh_tokens_too(db: TestDb) {
    let before = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    before.signup("rekey@example.com").await;
    let pair = before.issue_tokens("rekey@example.com").await;
    let refresh_token = pair["refreshToken"].as_str().unwrap().to_owned();

    let after = TestApp::spawn_on(
        db,
        &[(
            "SECRET_KEY",
            "a-brand-new-secret-key-that-is-long-enough-42",
        )],
    )
    .await;
    let refreshed = refresh(&after, &refresh_token).await;
    assert_eq!(refreshed.status(), 401);
    let body: Value = refreshed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
    assert_eq!(
        me_with(&after, pair["token"].as_str().unwrap())
            .await
            .status(),
        401
    );
    // Under the old key the same token still works: only the key made the difference.
    assert_eq!(refresh(&before, &refresh_token).await.status(), 200);
}
