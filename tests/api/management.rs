//! The management API and introspection: management keys (made by the command line,
//! hashed, scoped, revocable, expiring), what a key may and may not do, every call
//! audited under the key's name, guesses limited.

use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestDb};
use sekisho::domain::ManagementScope;

crate::on_both_backends!(
    a_key_acts_within_its_scopes_only,
    a_ban_through_the_api_is_the_panels_ban,
    introspection_sees_a_revocation_at_once,
    a_key_is_no_user_and_a_user_is_no_key,
    revoked_and_expired_keys_act_for_nobody,
);
crate::on_both_databases!(the_command_line_makes_lists_and_revokes_keys);

async fn key(app: &TestApp, name: &str, scopes: &[ManagementScope]) -> String {
    sekisho::admin::management_keys::create(&app.pool, None, name, scopes.to_vec(), None)
        .await
        .expect("a key")
        .key
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("authorization", format!("Bearer {key}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request sent")
}

async fn get(app: &TestApp, path: &str, key: &str) -> reqwest::Response {
    call(app, reqwest::Method::GET, path, key, None).await
}

async fn a_key_acts_within_its_scopes_only(app: TestApp) {
    let user = app.signup("listed@example.com").await;
    let id = user["id"].as_str().unwrap();
    let reader = key(&app, "reader", &[ManagementScope::UsersRead]).await;
    assert!(reader.starts_with("sk_"));

    let listed = get(&app, "/api/v1/admin/users?q=listed", &reader).await;
    assert_eq!(listed.status(), 200);
    let body: Value = listed.json().await.unwrap();
    assert_eq!(body["users"].as_array().unwrap().len(), 1);
    let found = &body["users"][0];
    assert_eq!(found["id"], id);
    assert_eq!(found["email"], "listed@example.com");
    assert_eq!(found["disabled"], false);
    assert!(found["ban"].is_null());
    assert!(
        found["lastSignInAt"].is_string(),
        "the sign-up's session: {found}"
    );
    assert!(body["nextCursor"].is_null());
    // The use is noted (once a minute at most), for `management-key list` and the panel.
    let used = app
        .with_db(|conn| sekisho::db::management_keys::all(conn).unwrap())
        .await;
    assert!(used[0].last_used_at.is_some());

    let one: Value = get(&app, &format!("/api/v1/admin/users/{id}"), &reader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["user"]["id"], id);
    assert_eq!(
        get(&app, "/api/v1/admin/users/no-such-user", &reader)
            .await
            .status(),
        404
    );

    // Pages: a cursor from one page starts the next.
    for n in 0..3 {
        app.signup(&format!("page{n}@example.com")).await;
    }
    let first: Value = get(&app, "/api/v1/admin/users?q=page&limit=2", &reader)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["users"].as_array().unwrap().len(), 2);
    let cursor = first["nextCursor"].as_str().expect("a next page");
    let second: Value = get(
        &app,
        &format!("/api/v1/admin/users?q=page&limit=2&cursor={cursor}"),
        &reader,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(second["users"].as_array().unwrap().len(), 1);
    assert!(second["nextCursor"].is_null());
    for bad in ["limit=0", "limit=101", "cursor=abc", "status=gone"] {
        let answer = get(&app, &format!("/api/v1/admin/users?{bad}"), &reader).await;
        assert_eq!(answer.status(), 400, "{bad}");
    }

    // Without users:write or sessions:write: 403, and nothing changes.
    let ban = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/users/{id}/ban"),
        &reader,
        Some(json!({"reason": "spam"})),
    )
    .await;
    let (status, code) = crate::helpers::error_code(ban).await;
    assert_eq!((status.as_u16(), code.as_str()), (403, "FORBIDDEN"));
    let revoke = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/users/{id}/sessions"),
        &reader,
        None,
    )
    .await;
    assert_eq!(revoke.status(), 403);
    let introspect = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/auth/introspect",
        &reader,
        Some(json!({"token": "x"})),
    )
    .await;
    assert_eq!(introspect.status(), 403);
    assert!(
        !app.user_by_email("listed@example.com")
            .await
            .is_disabled_at(sekisho::db::now())
    );
}

async fn a_ban_through_the_api_is_the_panels_ban(app: TestApp) {
    let user = app.signup("banned@example.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let browser = app.login_elsewhere("banned@example.com").await;
    let writer = key(
        &app,
        "backend",
        &[ManagementScope::UsersRead, ManagementScope::UsersWrite],
    )
    .await;
    let until = (chrono::Utc::now() + chrono::TimeDelta::days(3)).to_rfc3339();
    for (body, field) in [
        (json!({"reason": "naughty"}), "reason"),
        (json!({"reason": "spam", "until": "tomorrow"}), "until"),
        (
            json!({"reason": "spam", "until": "2000-01-01T00:00:00Z"}),
            "until",
        ),
        (json!({"reason": "spam", "note": "n".repeat(501)}), "note"),
    ] {
        let answer = call(
            &app,
            reqwest::Method::POST,
            &format!("/api/v1/admin/users/{id}/ban"),
            &writer,
            Some(body),
        )
        .await;
        assert_eq!(answer.status(), 400);
        let envelope: Value = answer.json().await.unwrap();
        assert!(
            envelope["error"]["details"]["fields"][field].is_string(),
            "{field}: {envelope}"
        );
    }
    let banned = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/users/{id}/ban"),
        &writer,
        Some(json!({"reason": "spam", "note": "bulk sign-ups", "until": until})),
    )
    .await;
    assert_eq!(banned.status(), 200);
    let body: Value = banned.json().await.unwrap();
    assert_eq!(body["user"]["disabled"], true);
    assert_eq!(body["user"]["ban"]["reason"], "spam");
    assert_eq!(body["user"]["ban"]["note"], "bulk sign-ups");
    assert!(body["user"]["ban"]["until"].is_string());
    // The panel's rule: every session ends; the user learns the reason at sign-in.
    assert_eq!(app.me_status(&browser).await, 401);
    let login = app.attempt_login("banned@example.com", PASSWORD).await;
    assert_eq!(login.status(), 403);
    // Audited under the key's name.
    let entries = app
        .with_db(|conn| sekisho::db::audit::list(conn, None, 50).unwrap())
        .await;
    let entry = entries
        .iter()
        .find(|e| e.action.as_str() == "admin.user_disabled")
        .expect("the ban is audited");
    assert_eq!(entry.actor_email.as_deref(), Some("key:backend"));
    assert_eq!(entry.target_id.as_deref(), Some(id.as_str()));

    let unbanned = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/admin/users/{id}/unban"),
        &writer,
        None,
    )
    .await;
    assert_eq!(unbanned.status(), 200);
    assert_eq!(
        app.attempt_login("banned@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    let deleted = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/users/{id}"),
        &writer,
        None,
    )
    .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(
        get(&app, &format!("/api/v1/admin/users/{id}"), &writer)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.attempt_login("banned@example.com", PASSWORD)
            .await
            .status(),
        401
    );
}

async fn introspection_sees_a_revocation_at_once(app: TestApp) {
    app.signup("seen@example.com").await;
    let token = app.cookie_token("seen@example.com").await;
    let service = key(
        &app,
        "introspector",
        &[
            ManagementScope::TokensIntrospect,
            ManagementScope::SessionsWrite,
        ],
    )
    .await;
    let ask = |token: String| {
        let (app, service) = (&app, service.clone());
        async move {
            let answer = call(
                app,
                reqwest::Method::POST,
                "/api/v1/auth/introspect",
                &service,
                Some(json!({ "token": token })),
            )
            .await;
            assert_eq!(answer.status(), 200);
            answer.json::<Value>().await.unwrap()
        }
    };
    let live = ask(token.clone()).await;
    assert_eq!(live["active"], true);
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&token)
        .unwrap()
        .claims;
    assert_eq!(live["sub"], claims["sub"]);
    assert_eq!(live["sid"], claims["sid"]);
    assert_eq!(live["exp"], claims["exp"]);
    // The session ends (through the management API): the token, still unexpired and
    // well signed, is inactive at once.
    let sid = claims["sid"].as_str().unwrap();
    let revoked = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/sessions/{sid}"),
        &service,
        None,
    )
    .await;
    assert_eq!(revoked.status(), 204);
    assert_eq!(ask(token.clone()).await, json!({"active": false}));
    let again = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/sessions/{sid}"),
        &service,
        None,
    )
    .await;
    assert_eq!(again.status(), 404);
    assert_eq!(ask("not-a-token".into()).await, json!({"active": false}));
    let missing = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/auth/introspect",
        &service,
        Some(json!({})),
    )
    .await;
    assert_eq!(missing.status(), 400);
}

async fn a_key_is_no_user_and_a_user_is_no_key(app: TestApp) {
    app.signup("person@example.com").await;
    let every = key(
        &app,
        "all",
        &[
            ManagementScope::UsersRead,
            ManagementScope::TokensIntrospect,
        ],
    )
    .await;
    // A key where a user's token is expected.
    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", format!("Bearer {every}"))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    // A user's access token, and a user's cookie, where a key is expected.
    let pair: Value = app
        .post(
            "/api/v1/auth/token",
            json!({"email": "person@example.com", "password": PASSWORD}),
        )
        .await
        .json()
        .await
        .unwrap();
    let access = pair["token"].as_str().unwrap();
    assert_eq!(get(&app, "/api/v1/admin/users", access).await.status(), 401);
    let browser = app.login_elsewhere("person@example.com").await;
    let with_cookie = browser
        .get(app.url("/api/v1/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(with_cookie.status(), 401);
    let none = app
        .client
        .get(app.url("/api/v1/admin/users"))
        .send()
        .await
        .unwrap();
    let (status, code) = crate::helpers::error_code(none).await;
    assert_eq!((status.as_u16(), code.as_str()), (401, "UNAUTHORIZED"));
}

async fn revoked_and_expired_keys_act_for_nobody(app: TestApp) {
    let revoked = key(&app, "old", &[ManagementScope::UsersRead]).await;
    assert_eq!(
        get(&app, "/api/v1/admin/users", &revoked).await.status(),
        200
    );
    assert!(
        sekisho::admin::management_keys::revoke(&app.pool, None, "old")
            .await
            .unwrap()
    );
    assert_eq!(
        get(&app, "/api/v1/admin/users", &revoked).await.status(),
        401
    );

    let expiring = sekisho::admin::management_keys::create(
        &app.pool,
        None,
        "short",
        vec![ManagementScope::UsersRead],
        Some(1),
    )
    .await
    .unwrap();
    assert_eq!(
        get(&app, "/api/v1/admin/users", &expiring.key)
            .await
            .status(),
        200
    );
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::RunOn;
        use sekisho::db::schema::management_keys::dsl;
        let past = sekisho::db::now() - chrono::TimeDelta::minutes(1);
        sekisho::db::update(
            dsl::management_keys.filter(dsl::name.eq("short")),
            dsl::expires_at.eq(Some(past)),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    assert_eq!(
        get(&app, "/api/v1/admin/users", &expiring.key)
            .await
            .status(),
        401
    );

    // Guesses are limited per address, like passwords: 30 wrong keys (the revoked and
    // the expired one above were two), then 429.
    let mut statuses = Vec::new();
    for n in 0..32 {
        statuses.push(
            get(&app, "/api/v1/admin/users", &format!("sk_guess{n}"))
                .await
                .status()
                .as_u16(),
        );
    }
    assert!(statuses[..28].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[28..].iter().all(|s| *s == 429), "{statuses:?}");
}

async fn the_command_line_makes_lists_and_revokes_keys(db: TestDb) {
    let app = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    let run = |args: &[&str]| {
        let output = crate::cli::sekisho(&db).args(args).output().unwrap();
        (
            output.status.success(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (ok, stdout, _) = run(&[
        "management-key",
        "create",
        "billing",
        "--scopes",
        "users:read,users:write",
        "--expires-in-days",
        "30",
    ]);
    assert!(ok);
    let key = stdout.trim();
    assert!(
        key.starts_with("sk_") && !key.contains(' '),
        "alone on its line: {stdout}"
    );
    assert_eq!(get(&app, "/api/v1/admin/users", key).await.status(), 200);
    let stored = app
        .with_db(|conn| sekisho::db::management_keys::all(conn).unwrap())
        .await;
    assert_eq!(stored.len(), 1);
    let (_, listed, _) = run(&["management-key", "list"]);
    assert!(
        listed.contains("billing  users:read,users:write"),
        "{listed}"
    );
    assert!(!listed.contains(key), "a key is shown once");
    let (ok, _, stderr) = run(&[
        "management-key",
        "create",
        "billing",
        "--scopes",
        "users:read",
    ]);
    assert!(!ok && stderr.contains("billing"), "{stderr}");
    let (ok, _, stderr) = run(&["management-key", "create", "x", "--scopes", "admin"]);
    assert!(!ok && stderr.contains("`admin` is no scope"), "{stderr}");
    let (ok, out, _) = run(&["management-key", "revoke", "billing"]);
    assert!(ok, "{out}");
    assert_eq!(get(&app, "/api/v1/admin/users", key).await.status(), 401);
    let (ok, _, _) = run(&["management-key", "revoke", "billing"]);
    assert!(!ok, "no live key of that name any more");
}

crate::on_both_backends!(an_operator_makes_and_revokes_a_key_in_the_panel);

async fn an_operator_makes_and_revokes_a_key_in_the_panel(app: TestApp) {
    let operator = app.operator().await;
    let made = operator
        .submit(
            "/admin/management-keys",
            &[
                ("name", "orders service"),
                ("users:read", "on"),
                ("tokens:introspect", "on"),
                ("expires_in_days", "90"),
            ],
        )
        .await;
    assert_eq!(made.status(), 200);
    let page = made.text().await.unwrap();
    let key = page
        .split("<code id=\"new-key\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the new key, shown once");
    assert!(key.starts_with("sk_"));
    assert_eq!(get(&app, "/api/v1/admin/users", key).await.status(), 200);
    let listed = operator.page("/admin/management-keys").await;
    assert!(listed.contains("orders service") && listed.contains("users:read, tokens:introspect"));
    assert!(!listed.contains(key), "shown once, never again");

    let no_scope = operator
        .submit("/admin/management-keys", &[("name", "nothing")])
        .await;
    assert_eq!(no_scope.status(), 303, "refused with a message");
    let revoked = operator
        .submit("/admin/management-keys/orders%20service/revoke", &[])
        .await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(get(&app, "/api/v1/admin/users", key).await.status(), 401);
    let entries = app
        .with_db(|conn| sekisho::db::audit::list(conn, None, 50).unwrap())
        .await;
    for action in ["key.management_key_created", "key.management_key_revoked"] {
        let entry = entries
            .iter()
            .find(|e| e.action.as_str() == action)
            .unwrap_or_else(|| panic!("{action} audited"));
        assert_eq!(entry.actor_email.as_deref(), Some(crate::helpers::OPERATOR));
    }
}

crate::on_both_backends!(a_backend_creates_users);

async fn a_backend_creates_users(app: TestApp) {
    let writer = key(&app, "signup-service", &[ManagementScope::UsersWrite]).await;
    let create = |body: Value| {
        call(
            &app,
            reqwest::Method::POST,
            "/api/v1/admin/users",
            &writer,
            Some(body),
        )
    };
    let made = create(json!({
        "email": "Made@Example.com", "name": "佐藤花子", "password": "a fine password",
        "emailVerified": true
    }))
    .await;
    assert_eq!(made.status(), 201);
    let body: Value = made.json().await.unwrap();
    assert_eq!(body["user"]["email"], "made@example.com");
    assert_eq!(body["user"]["emailVerified"], true);
    assert_eq!(body["user"]["role"], "user");
    // The password works at once.
    assert_eq!(
        app.attempt_login("made@example.com", "a fine password")
            .await
            .status(),
        200
    );
    let taken = create(json!({"email": "made@example.com"})).await;
    let (status, code) = crate::helpers::error_code(taken).await;
    assert_eq!((status.as_u16(), code.as_str()), (400, "EMAIL_TAKEN"));
    for (body, field) in [
        (json!({"email": "not-an-address"}), "email"),
        (
            json!({"email": "x@example.com", "password": "short"}),
            "password",
        ),
        (json!({"email": "x@example.com", "role": "root"}), "role"),
    ] {
        let answer = create(body).await;
        assert_eq!(answer.status(), 400);
        let envelope: Value = answer.json().await.unwrap();
        assert!(
            envelope["error"]["details"]["fields"][field].is_string(),
            "{field}: {envelope}"
        );
    }
    // Without a password: invited (a set-your-password link waits), no password yet.
    let invited = create(json!({"email": "invited@example.com", "role": "admin"})).await;
    assert_eq!(invited.status(), 201);
    let user = app.user_by_email("invited@example.com").await;
    assert!(user.password_hash.is_none() && user.is_admin());
    let links: i64 = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::RunOn;
            use sekisho::db::schema::single_use_tokens::dsl;
            dsl::single_use_tokens
                .filter(dsl::user_id.eq(user.id.to_string()))
                .count()
                .get_result_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(links, 1, "the invitation's link");
    let entries = app
        .with_db(|conn| sekisho::db::audit::list(conn, None, 50).unwrap())
        .await;
    let created = entries
        .iter()
        .filter(|e| e.action.as_str() == "admin.user_created")
        .collect::<Vec<_>>();
    assert_eq!(created.len(), 2);
    assert!(
        created
            .iter()
            .all(|e| e.actor_email.as_deref() == Some("key:signup-service"))
    );
}

crate::on_both_backends!(a_backend_changes_a_users_details);

/// PATCH /users/{id}: name, role and emailVerified, each only when given; the change is
/// audited with the fields it touched and announced as `user.updated`; the last operator
/// is never demoted.
async fn a_backend_changes_a_users_details(app: TestApp) {
    let receiver = crate::helpers::webhook_receiver::Receiver::start().await;
    let hooks = key(&app, "hooks", &[ManagementScope::WebhooksWrite]).await;
    let registered = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/admin/webhooks",
        &hooks,
        Some(json!({ "url": receiver.url, "events": ["user.updated"] })),
    )
    .await;
    assert_eq!(registered.status(), 201);
    let user = app.signup("patched@example.com").await;
    let id = user["id"].as_str().unwrap().to_owned();
    let writer = key(&app, "writer", &[ManagementScope::UsersWrite]).await;
    let patch = |id: String, body: Value| {
        let (app, writer) = (&app, writer.clone());
        async move {
            let path = format!("/api/v1/admin/users/{id}");
            call(app, reqwest::Method::PATCH, &path, &writer, Some(body)).await
        }
    };
    let changed = patch(
        id.clone(),
        json!({ "name": "Tanaka Taro", "emailVerified": true, "role": "admin" }),
    )
    .await;
    assert_eq!(changed.status(), 200);
    let body: Value = changed.json().await.unwrap();
    assert_eq!(body["user"]["name"], "Tanaka Taro");
    assert_eq!(body["user"]["emailVerified"], true);
    assert_eq!(body["user"]["role"], "admin");
    let announced = receiver
        .wait_for_type("user.updated", std::time::Duration::from_secs(10))
        .await
        .expect("user.updated delivered");
    assert_eq!(announced.json()["data"]["name"], "Tanaka Taro");
    assert_eq!(announced.json()["data"]["role"], "admin");

    // Omitted fields stay; null clears the name.
    let cleared: Value = patch(id.clone(), json!({ "name": null }))
        .await
        .json()
        .await
        .unwrap();
    assert!(cleared["user"]["name"].is_null());
    assert_eq!(cleared["user"]["role"], "admin");
    for bad in [json!({ "role": "root" }), json!({ "name": 7 })] {
        let response = patch(id.clone(), bad.clone()).await;
        assert_eq!(response.status(), 400, "{bad}");
    }
    assert_eq!(
        patch("nobody".into(), json!({ "name": "x" }))
            .await
            .status(),
        404
    );
    // This user is the only operator now: not demoted.
    let last = patch(id.clone(), json!({ "role": "user" })).await;
    assert_eq!(last.status(), 400);
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
    let reader = key(&app, "reader", &[ManagementScope::UsersRead]).await;
    let forbidden = call(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/v1/admin/users/{id}"),
        &reader,
        Some(json!({ "name": "x" })),
    )
    .await;
    assert_eq!(forbidden.status(), 403);
    let entries = app
        .with_db(|conn| sekisho::db::audit::list(conn, None, 50).unwrap())
        .await;
    let updates: Vec<_> = entries
        .iter()
        .filter(|e| e.action.as_str() == "admin.user_updated")
        .collect();
    assert_eq!(updates.len(), 2, "one per call that changed something");
    assert_eq!(updates[1].actor_email.as_deref(), Some("key:writer"));
    assert_eq!(
        updates[1].details.as_deref(),
        Some(r#"{"fields":["role","name","emailVerified"]}"#)
    );
}
