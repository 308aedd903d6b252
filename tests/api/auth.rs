//! Signup, login, logout, me and greeting, as the contract's tables say.

use reqwest::StatusCode;
use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::{FRONTEND, PASSWORD, TestApp, client, error_code};

crate::on_both_backends!(
    a_signup_whose_session_fails_leaves_no_account,
    signup_creates_the_user_and_signs_in,
    signup_refuses_taken_and_invalid_input,
    login_sets_the_cookie_per_remember_me,
    login_refuses_wrong_credentials_alike,
    logout_revokes_the_session_and_clears_the_cookie,
    me_requires_a_live_session,
    session_answers_the_user_or_null_never_401,
    greeting_for_guests_and_users,
    snake_case_aliases_are_accepted,
    disabled_accounts_cannot_sign_in_and_lose_their_sessions,
    secure_cookies_when_configured,
    split_host_cookies_carry_domain_and_same_site,
);

fn set_cookie(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned()
}

async fn signup_creates_the_user_and_signs_in(app: TestApp) {
    let response = app
        .post(
            "/api/v1/auth/signup",
            json!({ "email": "  Tanaka@Example.COM ", "password": PASSWORD, "name": " 田中太郎 " }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("access_token=ey"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["verificationRequired"], false);
    let user = &body["user"];
    assert_eq!(user["email"], "tanaka@example.com");
    assert_eq!(user["name"], "田中太郎");
    assert_eq!(user["emailVerified"], false);
    assert_eq!(user["image"], Value::Null);
    assert_eq!(user["role"], "user");
    uuid::Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();
    for field in ["createdAt", "updatedAt"] {
        chrono::DateTime::parse_from_rfc3339(user[field].as_str().unwrap()).unwrap();
    }
    assert!(user.get("passwordHash").is_none() && user.get("password_hash").is_none());

    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"], *user);

    // The stored hash is argon2id, never the password.
    let stored = app.user_by_email("tanaka@example.com").await;
    let stored_hash = stored.password_hash.expect("a password user has a hash");
    assert!(stored_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(!stored_hash.contains(PASSWORD));
}

async fn signup_refuses_taken_and_invalid_input(app: TestApp) {
    app.signup("sato@example.com").await;
    let other = client();
    let taken = app
        .post_with(
            &other,
            "/api/v1/auth/signup",
            json!({ "email": "SATO@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        error_code(taken).await,
        (StatusCode::BAD_REQUEST, "EMAIL_TAKEN".into())
    );

    let invalid = app
        .post_with(
            &other,
            "/api/v1/auth/signup",
            json!({ "email": "not-an-email", "password": "short" }),
        )
        .await;
    assert_eq!(invalid.status(), 400);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    assert_eq!(
        body["error"]["details"]["fields"]["email"],
        "must be a valid email address"
    );
    assert_eq!(
        body["error"]["details"]["fields"]["password"],
        "must be at least 8 characters"
    );

    let missing = app
        .post_with(&other, "/api/v1/auth/signup", json!({}))
        .await;
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["details"]["fields"]["email"], "is required");
    assert_eq!(
        body["error"]["details"]["fields"]["password"],
        "is required"
    );

    let too_long = app
        .post_with(
            &other,
            "/api/v1/auth/signup",
            json!({ "email": "long@example.com", "password": "p".repeat(129) }),
        )
        .await;
    let body: Value = too_long.json().await.unwrap();
    assert_eq!(
        body["error"]["details"]["fields"]["password"],
        "must be at most 128 characters"
    );
    assert_eq!(app.me_status(&other).await, 401, "no session was created");
}

async fn login_sets_the_cookie_per_remember_me(app: TestApp) {
    app.signup("suzuki@example.com").await;
    let browser = client();
    let remembered = app
        .post_with(
            &browser,
            "/api/v1/auth/login",
            json!({ "email": "Suzuki@Example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(remembered.status(), 200);
    let cookie = set_cookie(&remembered);
    assert!(
        cookie.contains("Max-Age=604800") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let body: Value = remembered.json().await.unwrap();
    assert_eq!(body["user"]["email"], "suzuki@example.com");
    assert_eq!(app.me_status(&browser).await, 200);

    let short = app
        .post_with(
            &client(),
            "/api/v1/auth/login",
            json!({ "email": "suzuki@example.com", "password": PASSWORD, "rememberMe": false }),
        )
        .await;
    let cookie = set_cookie(&short);
    assert!(
        !cookie.contains("Max-Age"),
        "a browser-session cookie: {cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    // ...and a one-day session row.
    let sessions = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions::dsl::*;
            sessions
                .select((created_at, expires_at))
                .load_on::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)
                .unwrap()
        })
        .await;
    let mut lifetimes: Vec<i64> = sessions
        .iter()
        .map(|(c, e)| (*e - *c).num_hours())
        .collect();
    lifetimes.sort();
    assert_eq!(lifetimes, [24, 168, 168]);
}

async fn login_refuses_wrong_credentials_alike(app: TestApp) {
    app.signup("ito@example.com").await;
    let wrong_password = app.attempt_login("ito@example.com", "wrong password").await;
    let unknown = app.attempt_login("nobody@example.com", PASSWORD).await;
    let a = wrong_password.text().await.unwrap();
    let b = unknown.text().await.unwrap();
    assert_eq!(
        a, b,
        "the same answer for an unknown email and a wrong password"
    );
    let body: Value = serde_json::from_str(&a).unwrap();
    assert_eq!(body["error"]["code"], "INVALID_CREDENTIALS");

    let blank = app
        .post_with(
            &client(),
            "/api/v1/auth/login",
            json!({ "email": "ito@example.com" }),
        )
        .await;
    assert_eq!(
        error_code(blank).await,
        (StatusCode::BAD_REQUEST, "VALIDATION_ERROR".into())
    );
}

async fn logout_revokes_the_session_and_clears_the_cookie(app: TestApp) {
    app.signup("kato@example.com").await;
    assert_eq!(app.me_status(&app.client).await, 200);
    let response = app.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(response.status(), 200);
    let cookie = set_cookie(&response);
    assert!(
        cookie.starts_with("access_token=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Logged out");
    assert_eq!(app.me_status(&app.client).await, 401);
    let revoked = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions::dsl::*;
            sessions
                .filter(revoked_at.is_not_null())
                .count()
                .get_result_on::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(revoked, 1);

    // Not signed in: still 200.
    let again = app
        .post_with(&client(), "/api/v1/auth/logout", json!({}))
        .await;
    assert_eq!(again.status(), 200);
}

async fn me_requires_a_live_session(app: TestApp) {
    let anonymous = client()
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(anonymous).await,
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED".into())
    );
    let garbage = client()
        .get(app.url("/api/v1/auth/me"))
        .header("Cookie", "access_token=not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(garbage).await,
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED".into())
    );
}

/// GET /session: null for a visitor, a stale cookie or a revoked session (200, not
/// 401); the user when signed in, by cookie or bearer token.
async fn session_answers_the_user_or_null_never_401(app: TestApp) {
    let session = |browser: reqwest::Client, cookie: Option<&'static str>| {
        let request = browser.get(app.url("/api/v1/auth/session"));
        let request = match cookie {
            Some(cookie) => request.header("Cookie", cookie),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(
        session(client(), None).await,
        serde_json::json!({ "user": null })
    );
    assert_eq!(
        session(client(), Some("access_token=not.a.jwt")).await,
        serde_json::json!({ "user": null })
    );
    app.signup("session@example.com").await;
    let signed_in = session(app.client.clone(), None).await;
    assert_eq!(signed_in["user"]["email"], "session@example.com");
    let tokens = app.issue_tokens("session@example.com").await;
    let bearer: Value = client()
        .get(app.url("/api/v1/auth/session"))
        .bearer_auth(tokens["token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bearer["user"]["email"], "session@example.com");
    let logout = app.post("/api/v1/auth/logout", serde_json::json!({})).await;
    assert_eq!(logout.status(), StatusCode::OK);
    assert_eq!(
        session(app.client.clone(), None).await,
        serde_json::json!({ "user": null })
    );
}

async fn greeting_for_guests_and_users(app: TestApp) {
    let guest: Value = client()
        .get(app.url("/api/v1/greeting"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(guest["userName"], Value::Null);
    assert_eq!(guest["isLoggedIn"], false);
    assert!(guest["message"].as_str().unwrap().starts_with("Hello"));

    app.signup("yamada@example.com").await;
    let user: Value = app.get("/api/v1/greeting").await.json().await.unwrap();
    assert_eq!(
        user,
        json!({ "message": "Hello, 田中太郎!", "userName": "田中太郎", "isLoggedIn": true })
    );

    // A stale cookie is a guest, not an error.
    let stale = client()
        .get(app.url("/api/v1/greeting"))
        .header("Cookie", "access_token=eyJhbGciOiJIUzI1NiJ9.e30.x")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
}

async fn snake_case_aliases_are_accepted(app: TestApp) {
    app.signup("alias@example.com").await;
    let response = app
        .post_with(
            &client(),
            "/api/v1/auth/login",
            json!({ "email": "alias@example.com", "password": PASSWORD, "remember_me": false }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(!set_cookie(&response).contains("Max-Age"));
    let changed = app
        .post(
            "/api/v1/auth/change-password",
            json!({ "current_password": PASSWORD, "new_password": "another password 1" }),
        )
        .await;
    assert_eq!(changed.status(), 200);
}

async fn disabled_accounts_cannot_sign_in_and_lose_their_sessions(app: TestApp) {
    app.signup("disabled@example.com").await;
    let browser = app.login_elsewhere("disabled@example.com").await;
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::users::dsl::*;
        sekisho::db::update(
            users.filter(email.eq("disabled@example.com")),
            disabled_at.eq(Some(sekisho::db::now())),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    let me = browser
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(me).await,
        (StatusCode::FORBIDDEN, "ACCOUNT_DISABLED".into())
    );
    let login = app.attempt_login("disabled@example.com", PASSWORD).await;
    assert_eq!(
        error_code(login).await,
        (StatusCode::FORBIDDEN, "ACCOUNT_DISABLED".into())
    );
    // Without the password nobody learns that the account is disabled.
    let guess = app
        .attempt_login("disabled@example.com", "wrong password")
        .await;
    assert_eq!(
        error_code(guess).await,
        (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS".into())
    );
}

async fn secure_cookies_when_configured(app: TestApp) {
    let TestApp { db, .. } = app;
    let app = TestApp::spawn_on(
        db,
        &[
            ("COOKIE_SECURE", "true"),
            ("COOKIE_NAME", "sekisho_session"),
        ],
    )
    .await;
    let response = app
        .post(
            "/api/v1/auth/signup",
            json!({ "email": "secure@example.com", "password": PASSWORD }),
        )
        .await;
    let cookie = set_cookie(&response);
    assert!(cookie.starts_with("sekisho_session="), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
}

/// An app on app.example.com and the API on api.example.com share the cookie through
/// COOKIE_DOMAIN; logout must clear it with the same Domain, or the browser keeps it.
async fn split_host_cookies_carry_domain_and_same_site(app: TestApp) {
    let TestApp { db, .. } = app;
    let app = TestApp::spawn_on(
        db,
        &[
            ("COOKIE_SECURE", "true"),
            ("COOKIE_DOMAIN", ".Example.com"),
            ("COOKIE_SAMESITE", "none"),
        ],
    )
    .await;
    let response = app
        .post(
            "/api/v1/auth/signup",
            json!({ "email": "split@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = set_cookie(&response);
    for attribute in ["Domain=example.com", "SameSite=None", "Secure", "HttpOnly"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let pair = cookie.split(';').next().unwrap().to_owned();

    let logout = client()
        .post(app.url("/api/v1/auth/logout"))
        .header("Origin", FRONTEND)
        .header("Cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::OK);
    let cleared = set_cookie(&logout);
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cleared.contains("Domain=example.com"), "{cleared}");
}

/// The account, its audit entry and its session are one transaction: when the
/// session cannot be written, no account is left behind (the address is still free)
/// and nothing is audited.
async fn a_signup_whose_session_fails_leaves_no_account(app: TestApp) {
    let body = json!({ "email": "whole@example.com", "password": PASSWORD });
    app.sessions_refused(true).await;
    let failed = app
        .post_with(&client(), "/api/v1/auth/signup", body.clone())
        .await;
    assert_eq!(failed.status(), 500);
    let (users, entries) = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::{audit_log, users};
            let users: i64 = users::table.count().get_result_on(conn).unwrap();
            let entries: i64 = audit_log::table.count().get_result_on(conn).unwrap();
            (users, entries)
        })
        .await;
    assert_eq!((users, entries), (0, 0), "nothing committed");
    app.sessions_refused(false).await;
    let signed_up = app.post_with(&client(), "/api/v1/auth/signup", body).await;
    assert!(signed_up.status().is_success(), "{}", signed_up.status());
}
