//! Webhooks: endpoints registered through the management API, events written with
//! their change (a rolled-back change sends nothing), delivered signed the Standard
//! Webhooks way (checked with that specification's own crate), retried by the schedule
//! with the same id, never following a redirect, disabled after five days of failures,
//! sent again on request, and the SSRF rule in production.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::webhook_receiver::{Receiver, Reply};
use crate::helpers::{PASSWORD, TestApp, TestDb};
use sekisho::db::RunOn;
use sekisho::domain::ManagementScope;

crate::on_both_backends!(
    a_sign_up_is_delivered_signed_with_its_session,
    a_rolled_back_change_sends_nothing,
    endpoints_get_the_types_they_asked_for_while_enabled,
    a_deletion_carries_the_address_it_obfuscated,
    a_ban_announces_the_ban_and_the_ended_sessions,
    the_management_api_registers_lists_and_deletes_endpoints,
    an_endpoint_failing_for_five_days_is_disabled,
    a_delivery_is_sent_again_with_the_same_id,
    operators_manage_endpoints_and_see_deliveries_in_the_panel,
);
crate::on_both_databases!(
    failures_are_retried_by_the_schedule_with_the_same_id,
    a_redirect_or_a_timeout_is_a_failure,
);

const WAIT: Duration = Duration::from_secs(10);

async fn key(app: &TestApp, scopes: &[ManagementScope]) -> String {
    let name = format!("k{}", uuid::Uuid::new_v4().simple());
    sekisho::admin::management_keys::create(&app.pool, None, &name, scopes.to_vec(), None)
        .await
        .expect("a key")
        .key
}

/// Registers `url` for `events` (all when empty) through the management API; the
/// endpoint's JSON and its secret.
pub(crate) async fn register(app: &TestApp, url: &str, events: &[&str]) -> (Value, String) {
    let key = key(app, &[ManagementScope::WebhooksWrite]).await;
    let response = app
        .client
        .post(app.url("/api/v1/admin/webhooks"))
        .bearer_auth(key)
        .json(&json!({ "url": url, "events": events, "description": "test" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let secret = body["secret"].as_str().unwrap().to_owned();
    (body["webhook"].clone(), secret)
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.with_db(move |conn| {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result_on::<Count>(conn)
            .unwrap()
            .n
    })
    .await
}

async fn a_sign_up_is_delivered_signed_with_its_session(app: TestApp) {
    let receiver = Receiver::start().await;
    let (endpoint, secret) = register(&app, &receiver.url, &[]).await;
    assert!(secret.starts_with("whsec_"));
    assert_eq!(endpoint["events"], json!([]));
    assert_eq!(endpoint["enabled"], true);

    let user = app.signup("hooked@example.com").await;
    let created = receiver
        .wait_for_type("user.created", WAIT)
        .await
        .expect("user.created delivered");
    assert!(created.signed_with(&secret), "{created:?}");
    assert!(!created.signed_with("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    assert!(created.header("webhook-id").starts_with("msg_"));
    assert_eq!(created.header("content-type"), "application/json");
    let body = created.json();
    assert_eq!(body["data"]["id"], user["id"]);
    assert_eq!(body["data"]["email"], "hooked@example.com");
    assert_eq!(body["data"]["name"], "田中太郎");
    assert_eq!(body["data"]["emailVerified"], false);
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    let session = receiver
        .wait_for_type("session.created", WAIT)
        .await
        .expect("session.created delivered");
    assert!(session.signed_with(&secret));
    let data = &session.json()["data"];
    assert_eq!(data["userId"], user["id"]);
    assert_eq!(data["kind"], "browser");
    assert!(data["id"].is_string());
    assert_ne!(session.header("webhook-id"), created.header("webhook-id"));

    // Each is delivered once: nothing more comes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 2, "{:?}", receiver.types());
    let settled: Vec<(String, i32)> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::webhook_deliveries::dsl as d;
            d::webhook_deliveries
                .select((d::status, d::attempts))
                .load_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        settled,
        vec![("delivered".to_owned(), 1), ("delivered".to_owned(), 1)]
    );
}

/// A sign-up whose session cannot be written rolls back: its user, and its
/// `user.created`, which was written before the failure.
async fn a_rolled_back_change_sends_nothing(app: TestApp) {
    let receiver = Receiver::start().await;
    register(&app, &receiver.url, &[]).await;
    app.sessions_refused(true).await;
    let failed = app
        .post(
            "/api/v1/auth/signup",
            json!({ "email": "never@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(failed.status(), 500);
    assert_eq!(count(&app, "webhook_events").await, 0);
    assert_eq!(count(&app, "webhook_deliveries").await, 0);
    app.sessions_refused(false).await;
    app.signup("later@example.com").await;
    receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let emails: Vec<Value> = receiver
        .received()
        .iter()
        .filter(|r| r.json()["type"] == "user.created")
        .map(|r| r.json()["data"]["email"].clone())
        .collect();
    assert_eq!(emails, vec![json!("later@example.com")]);
}

async fn endpoints_get_the_types_they_asked_for_while_enabled(app: TestApp) {
    let sessions_only = Receiver::start().await;
    let off = Receiver::start().await;
    register(&app, &sessions_only.url, &["session.revoked"]).await;
    let (disabled, _) = register(&app, &off.url, &[]).await;
    let actor = sekisho::admin::Actor::key("test", None);
    let switched = sekisho::admin::webhooks::set_enabled(
        &app.pool,
        actor,
        disabled["id"].as_str().unwrap().to_owned(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(switched, sekisho::admin::webhooks::Switched::Done);

    app.signup("typed@example.com").await;
    let logout = app.post("/api/v1/auth/logout", json!({})).await;
    assert_eq!(logout.status(), 200);
    let revoked = sessions_only
        .wait_for_type("session.revoked", WAIT)
        .await
        .expect("session.revoked delivered");
    assert_eq!(revoked.json()["data"]["reason"], "signed_out");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sessions_only.types(), vec!["session.revoked"]);
    assert!(off.received().is_empty(), "a disabled endpoint got events");
}

async fn a_deletion_carries_the_address_it_obfuscated(app: TestApp) {
    let receiver = Receiver::start().await;
    register(&app, &receiver.url, &["user.deleted", "session.revoked"]).await;
    let user = app.signup("gone@example.com").await;
    let withdrawn = app
        .post(
            "/api/v1/user/withdraw",
            json!({ "confirmPassword": PASSWORD }),
        )
        .await;
    assert_eq!(withdrawn.status(), 200);
    let deleted = receiver
        .wait_for_type("user.deleted", WAIT)
        .await
        .expect("user.deleted delivered");
    assert_eq!(
        deleted.json()["data"],
        json!({ "id": user["id"], "email": "gone@example.com" })
    );
    let ended = receiver
        .wait_for_type("session.revoked", WAIT)
        .await
        .expect("session.revoked delivered");
    assert_eq!(ended.json()["data"]["reason"], "user_deleted");

    // An operator's deletion, through the management API, says the same.
    let other = app.signup("removed@example.com").await;
    let writer = key(&app, &[ManagementScope::UsersWrite]).await;
    let response = app
        .client
        .delete(app.url(&format!(
            "/api/v1/admin/users/{}",
            other["id"].as_str().unwrap()
        )))
        .bearer_auth(writer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let found = receiver.received().iter().any(|r| {
            r.json()["type"] == "user.deleted" && r.json()["data"]["email"] == "removed@example.com"
        });
        if found {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            receiver.types()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_ban_announces_the_ban_and_the_ended_sessions(app: TestApp) {
    let receiver = Receiver::start().await;
    let (_, secret) = register(&app, &receiver.url, &["user.banned", "session.revoked"]).await;
    let user = app.signup("banned@example.com").await;
    let writer = key(&app, &[ManagementScope::UsersWrite]).await;
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/admin/users/{}/ban",
            user["id"].as_str().unwrap()
        )))
        .bearer_auth(writer)
        .json(&json!({ "reason": "spam", "note": "bulk sign-ups" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let banned = receiver
        .wait_for_type("user.banned", WAIT)
        .await
        .expect("user.banned delivered");
    assert!(banned.signed_with(&secret));
    let data = &banned.json()["data"];
    assert_eq!(data["id"], user["id"]);
    assert_eq!(data["ban"]["reason"], "spam");
    assert_eq!(data["ban"]["note"], "bulk sign-ups");
    let ended = receiver
        .wait_for_type("session.revoked", WAIT)
        .await
        .expect("session.revoked delivered");
    assert_eq!(ended.json()["data"]["reason"], "banned");
    assert_eq!(ended.json()["data"]["userId"], user["id"]);
}

async fn the_management_api_registers_lists_and_deletes_endpoints(app: TestApp) {
    let reader = key(&app, &[ManagementScope::UsersRead]).await;
    let forbidden = app
        .client
        .get(app.url("/api/v1/admin/webhooks"))
        .bearer_auth(&reader)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);

    let writer = key(&app, &[ManagementScope::WebhooksWrite]).await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/admin/webhooks"))
            .bearer_auth(&writer)
            .json(&body)
            .send()
    };
    for bad in [
        json!({}),
        json!({ "url": "not a url" }),
        json!({ "url": "ftp://example.com/" }),
        json!({ "url": "https://example.com/", "events": ["user.nothing"] }),
        json!({ "url": "https://example.com/", "description": "x".repeat(201) }),
    ] {
        let response = post(bad.clone()).await.unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "VALIDATION_ERROR", "{bad}: {body}");
    }
    let created = post(json!({
        "url": "https://hooks.example.com/sekisho",
        "events": ["user.created", "user.created", "session.revoked"],
    }))
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let id = created["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["webhook"]["events"],
        json!(["user.created", "session.revoked"])
    );

    let listed: Value = app
        .client
        .get(app.url("/api/v1/admin/webhooks"))
        .bearer_auth(&writer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
    assert_eq!(
        listed["webhooks"][0]["url"],
        "https://hooks.example.com/sekisho"
    );
    assert!(
        !listed.to_string().contains("whsec_"),
        "a listing shows no secret"
    );
    // The secret is stored sealed, not as it was shown.
    let secret = created["secret"].as_str().unwrap().to_owned();
    let stored: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::webhook_endpoints::dsl as e;
            e::webhook_endpoints
                .select(e::sealed_secret)
                .load_on(conn)
                .unwrap()
        })
        .await;
    assert!(!stored[0].contains(&secret[6..]));

    let delete = |id: String| {
        app.client
            .delete(app.url(&format!("/api/v1/admin/webhooks/{id}")))
            .bearer_auth(&writer)
            .send()
    };
    assert_eq!(delete(id.clone()).await.unwrap().status(), 204);
    assert_eq!(delete(id).await.unwrap().status(), 404);
    // Both changes are audited under the key's name.
    let audited: Vec<(String, Option<String>)> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::audit_log::dsl as a;
            a::audit_log
                .filter(a::action.like("webhook.%"))
                .order(a::id.asc())
                .select((a::action, a::actor_email))
                .load_on(conn)
                .unwrap()
        })
        .await;
    let actions: Vec<&str> = audited.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        vec!["webhook.endpoint_created", "webhook.endpoint_deleted"]
    );
    assert!(
        audited
            .iter()
            .all(|(_, who)| who.as_deref().unwrap_or("").starts_with("key:"))
    );
}

async fn an_endpoint_failing_for_five_days_is_disabled(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.reply_next(&[Reply::Status(503)]);
    let (endpoint, _) = register(&app, &receiver.url, &["user.created"]).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let six_days_ago = sekisho::db::now() - chrono::TimeDelta::days(6);
    let failing = id.clone();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::webhook_endpoints::dsl as e;
        sekisho::db::update(
            e::webhook_endpoints.filter(e::id.eq(failing)),
            e::failing_since.eq(Some(six_days_ago)),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    app.signup("too-late@example.com").await;
    receiver.wait_for(1, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let endpoint = loop {
        let found = sekisho::admin::webhooks::list(&app.pool).await.unwrap();
        let endpoint = found.into_iter().find(|e| e.id == id).unwrap();
        if !endpoint.enabled || tokio::time::Instant::now() >= deadline {
            break endpoint;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!endpoint.enabled);
    assert!(
        endpoint
            .disabled_reason
            .as_deref()
            .unwrap_or("")
            .contains("failed since"),
        "{endpoint:?}"
    );
    // Disabled, it is sent nothing and nothing is kept for it; enabled again, its
    // pending retry goes out, and so do new events.
    app.signup("while-off@example.com").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 1);
    let actor = sekisho::admin::Actor::key("test", None);
    sekisho::admin::webhooks::set_enabled(&app.pool, actor, id, true)
        .await
        .unwrap();
    app.signup("back-on@example.com").await;
    let delivered = receiver.wait_for(3, WAIT).await;
    let mut emails: Vec<String> = delivered
        .iter()
        .map(|r| r.json()["data"]["email"].as_str().unwrap().to_owned())
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        vec![
            "back-on@example.com",
            "too-late@example.com",
            "too-late@example.com"
        ]
    );
}

async fn a_delivery_is_sent_again_with_the_same_id(app: TestApp) {
    let receiver = Receiver::start().await;
    let (endpoint, secret) = register(&app, &receiver.url, &["user.created"]).await;
    let id = endpoint["id"].as_str().unwrap().to_owned();
    app.signup("again@example.com").await;
    let first = receiver.wait_for(1, WAIT).await;
    // The answer came; its settling commits just after.
    let deadline = tokio::time::Instant::now() + WAIT;
    let deliveries = loop {
        let (_, deliveries) =
            sekisho::admin::webhooks::with_deliveries(&app.pool, id.clone(), 0, 10)
                .await
                .unwrap()
                .unwrap();
        if deliveries[0].status.as_str() != "pending" || tokio::time::Instant::now() >= deadline {
            break deliveries;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].last_status, Some(204));
    let actor = sekisho::admin::Actor::key("test", None);
    let resent = sekisho::admin::webhooks::resend(&app.pool, actor, id, deliveries[0].id.clone())
        .await
        .unwrap();
    assert!(resent);
    let both = receiver.wait_for(2, WAIT).await;
    assert_eq!(both.len(), 2);
    assert_eq!(both[1].header("webhook-id"), first[0].header("webhook-id"));
    assert_eq!(both[1].body, first[0].body);
    assert!(both[1].signed_with(&secret));
}

/// WEBHOOK_RETRY_SCHEDULE=1,1: a 500 and a 429 are tried again a second later, with the
/// same `webhook-id` and body; the third answer (2xx) settles it; a receiver that never
/// answers well makes it `failed` after the schedule.
async fn failures_are_retried_by_the_schedule_with_the_same_id(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("WEBHOOK_RETRY_SCHEDULE", "1,1")]).await;
    let receiver = Receiver::start().await;
    receiver.reply_next(&[Reply::Status(500), Reply::Status(429)]);
    let (endpoint, secret) = register(&app, &receiver.url, &["user.created"]).await;
    app.signup("retried@example.com").await;
    let tries = receiver.wait_for(3, WAIT).await;
    assert_eq!(tries.len(), 3);
    let id = tries[0].header("webhook-id").to_owned();
    assert!(tries.iter().all(|t| t.header("webhook-id") == id));
    assert!(tries.iter().all(|t| t.body == tries[0].body));
    assert!(tries.iter().all(|t| t.signed_with(&secret)));
    let settle = || async {
        let (_, rows) = sekisho::admin::webhooks::with_deliveries(
            &app.pool,
            endpoint["id"].as_str().unwrap().to_owned(),
            0,
            10,
        )
        .await
        .unwrap()
        .unwrap();
        rows
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    let rows = loop {
        let rows = settle().await;
        if rows[0].status.as_str() != "pending" || tokio::time::Instant::now() >= deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(rows[0].status.as_str(), "delivered");
    assert_eq!(rows[0].attempts, 3);

    receiver.reply_next(&[Reply::Status(500), Reply::Status(500), Reply::Status(500)]);
    app.signup("unlucky@example.com").await;
    receiver.wait_for(6, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let rows = loop {
        let rows = settle().await;
        if rows[0].status.as_str() == "failed" || tokio::time::Instant::now() >= deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(rows[0].status.as_str(), "failed");
    assert_eq!(rows[0].attempts, 3);
    assert_eq!(rows[0].last_status, Some(500));
    assert_eq!(rows[0].last_response.as_deref(), Some("answered 500"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 6, "nothing after the schedule");
}

/// A redirect is not followed and counts as a failure; so does a receiver that keeps
/// the request past 10 seconds.
async fn a_redirect_or_a_timeout_is_a_failure(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("WEBHOOK_RETRY_SCHEDULE", "1,1")]).await;
    let receiver = Receiver::start().await;
    receiver.reply_next(&[Reply::Redirect, Reply::Hang(Duration::from_secs(15))]);
    let (endpoint, _) = register(&app, &receiver.url, &["user.created"]).await;
    let endpoint = endpoint["id"].as_str().unwrap().to_owned();
    let latest = || async {
        let (_, rows) =
            sekisho::admin::webhooks::with_deliveries(&app.pool, endpoint.clone(), 0, 10)
                .await
                .unwrap()
                .unwrap();
        rows.into_iter().next().expect("one delivery")
    };
    app.signup("moved@example.com").await;
    // The second request is the retry a second later, not the redirect followed.
    let tries = receiver.wait_for(2, WAIT).await;
    assert_eq!(tries.len(), 2);
    assert_eq!(tries[0].header("webhook-id"), tries[1].header("webhook-id"));
    let row = latest().await;
    assert_eq!(row.last_status, Some(302));
    assert_eq!(row.last_error.as_deref(), Some("a redirect (not followed)"));
    assert_eq!(row.status.as_str(), "pending");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let row = loop {
        let row = latest().await;
        if row.last_status.is_none() || tokio::time::Instant::now() >= deadline {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        row.last_error.as_deref(),
        Some("no answer within 10 seconds")
    );
    let tries = receiver.wait_for(3, WAIT).await;
    assert_eq!(tries.len(), 3);
    let deadline = tokio::time::Instant::now() + WAIT;
    let row = loop {
        let row = latest().await;
        if row.status.as_str() == "delivered" || tokio::time::Instant::now() >= deadline {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(row.status.as_str(), "delivered");
    assert_eq!(row.attempts, 3);
    assert_eq!(row.last_error, None);
}

crate::on_both_databases!(
    a_committed_event_survives_kill_9_and_goes_out_after_the_restart,
    two_instances_deliver_each_event_once,
);

/// The receiver's port is closed while the server commits a sign-up; the server is
/// killed (SIGKILL) right after the answer; the receiver opens; a new server on the same
/// database delivers what the dead one committed.
async fn a_committed_event_survives_kill_9_and_goes_out_after_the_restart(db: TestDb) {
    let key = {
        let output = crate::cli::sekisho(&db)
            .args([
                "management-key",
                "create",
                "hooks",
                "--scopes",
                "webhooks:write",
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let retry = [("WEBHOOK_RETRY_SCHEDULE", "1,1,1,1,1,1,1,1,1,1")];
    let mut first = crate::cli::serve(crate::cli::sekisho(&db).envs(retry));
    let base = format!("http://127.0.0.1:{}", first.port);
    let client = reqwest::Client::new();
    let registered = client
        .post(format!("{base}/api/v1/admin/webhooks"))
        .bearer_auth(&key)
        .json(
            &json!({ "url": format!("http://127.0.0.1:{port}/hook"), "events": ["user.created"] }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let secret = registered.json::<Value>().await.unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let signup = client
        .post(format!("{base}/api/v1/auth/signup"))
        .header("origin", crate::helpers::FRONTEND)
        .json(&json!({ "email": "survivor@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 201);
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let receiver = Receiver::start_on(port).await;
    let second = crate::cli::serve(crate::cli::sekisho(&db).envs(retry));
    let delivered = receiver
        .wait_for_type("user.created", Duration::from_secs(45))
        .await;
    let mut second = second;
    let _ = second.child.kill();
    let _ = second.child.wait();
    let delivered = delivered.expect("delivered after the restart");
    assert_eq!(delivered.json()["data"]["email"], "survivor@example.com");
    assert!(delivered.signed_with(&secret));
}

/// Two instances on one database, both woken by every commit: each event reaches the
/// endpoint once (the receiver answers 204 at once, so nothing is retried).
async fn two_instances_deliver_each_event_once(db: TestDb) {
    // Twenty sign-ups from one address would be limited otherwise.
    let unlimited = [("RATE_LIMIT_ENABLED", "false")];
    let one = TestApp::spawn_on(TestDb::reuse(&db), &unlimited).await;
    let two = TestApp::spawn_on(db, &unlimited).await;
    let receiver = Receiver::start().await;
    register(&one, &receiver.url, &["user.created", "session.created"]).await;
    let mut signups = Vec::new();
    for n in 0..20 {
        let app = if n % 2 == 0 { &one } else { &two };
        signups.push(app.post(
            "/api/v1/auth/signup",
            json!({ "email": format!("twin{n}@example.com"), "password": PASSWORD }),
        ));
    }
    for response in futures_util::future::join_all(signups).await {
        assert_eq!(response.status(), 201);
    }
    receiver.wait_for(40, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let received = receiver.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 40, "{:?}", receiver.types());
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40, "an event was delivered twice");
    let attempts: Vec<i32> = one
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::webhook_deliveries::dsl as d;
            d::webhook_deliveries
                .select(d::attempts)
                .load_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(attempts, vec![1; 40]);
}

/// APP_ENV=production: an endpoint must be https and may not reach a loopback, private
/// or link-local address, named or literal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_endpoints_inside_the_network() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = TestApp::spawn_on(db, &[("APP_ENV", "production")]).await;
    let writer = key(&app, &[ManagementScope::WebhooksWrite]).await;
    for (url, problem) in [
        ("http://hooks.example.com/", "must be https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost:8443/hook", "loopback"),
        ("https://10.0.0.7/hook", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/hook", "loopback"),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/admin/webhooks"))
            .bearer_auth(&writer)
            .json(&json!({ "url": url }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{url}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "VALIDATION_ERROR");
        assert!(body.to_string().contains(problem), "{url}: {body}");
    }
    assert!(
        sekisho::admin::webhooks::list(&app.pool)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Housekeeping removes settled deliveries older than 30 days and their events; a
/// pending one stays however old.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn housekeeping_prunes_old_settled_deliveries() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = TestApp::spawn_on(db, &[]).await;
    let receiver = Receiver::start().await;
    register(&app, &receiver.url, &["user.created"]).await;
    app.signup("old@example.com").await;
    receiver.wait_for(1, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while count_delivered(&app).await == 0 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let long_ago = sekisho::db::now() - chrono::TimeDelta::days(31);
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::{webhook_deliveries as d, webhook_events as e};
        sekisho::db::update(d::table, d::created_at.eq(long_ago))
            .execute_on(conn)
            .unwrap();
        sekisho::db::update(e::table, e::created_at.eq(long_ago))
            .execute_on(conn)
            .unwrap();
    })
    .await;
    // A pending delivery as old stays.
    receiver.reply_next(&[Reply::Status(500)]);
    app.signup("pending@example.com").await;
    receiver.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending_ago = long_ago;
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::webhook_deliveries as d;
        sekisho::db::update(
            d::table.filter(d::status.eq("pending")),
            d::created_at.eq(pending_ago),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    sekisho::startup::housekeeping_pass(&app.pool, &app.settings).await;
    assert_eq!(count(&app, "webhook_deliveries").await, 1);
    assert_eq!(count(&app, "webhook_events").await, 1);
}

async fn count_delivered(app: &TestApp) -> usize {
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::webhook_deliveries::dsl as d;
        d::webhook_deliveries
            .filter(d::status.eq("delivered"))
            .select(d::id)
            .load_on::<String>(conn)
            .unwrap()
            .len()
    })
    .await
}

async fn operators_manage_endpoints_and_see_deliveries_in_the_panel(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.reply_next(&[Reply::Status(500)]);
    let operator = app.operator().await;
    let made = operator
        .submit(
            "/admin/webhooks",
            &[
                ("url", receiver.url.as_str()),
                ("description", "orders service"),
                ("user.created", "on"),
            ],
        )
        .await;
    assert_eq!(made.status(), 200);
    let page = made.text().await.unwrap();
    let secret = page
        .split("<code id=\"new-secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the secret, shown once")
        .to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = operator.page("/admin/webhooks").await;
    assert!(listed.contains("orders service") && listed.contains("user.created"));
    assert!(!listed.contains(&secret), "shown once, never again");
    let id = listed
        .split("/admin/webhooks/ep_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("ep_{rest}"))
        .expect("a link to the endpoint");

    app.signup("panel@example.com").await;
    let first = receiver.wait_for(1, WAIT).await;
    assert!(first[0].signed_with(&secret));
    let deadline = tokio::time::Instant::now() + WAIT;
    let detail = loop {
        let detail = operator.page(&format!("/admin/webhooks/{id}")).await;
        if detail.contains("answered 500") || tokio::time::Instant::now() >= deadline {
            break detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(detail.contains("user.created"), "{detail}");
    assert!(detail.contains("<code>500</code>"), "{detail}");
    assert!(detail.contains("answered 500"));
    let delivery = detail
        .split("/deliveries/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a resend button")
        .to_owned();
    let resent = operator
        .submit(
            &format!("/admin/webhooks/{id}/deliveries/{delivery}/resend"),
            &[],
        )
        .await;
    assert_eq!(resent.status(), 303);
    let again = receiver.wait_for(2, WAIT).await;
    assert_eq!(again.len(), 2);
    assert_eq!(again[1].header("webhook-id"), again[0].header("webhook-id"));

    let japanese = operator
        .page_in(&format!("/admin/webhooks/{id}"), "ja")
        .await;
    assert!(japanese.contains("配信履歴"));
    let off = operator
        .submit(&format!("/admin/webhooks/{id}/disable"), &[])
        .await;
    assert_eq!(off.status(), 303);
    assert!(
        operator
            .page(&format!("/admin/webhooks/{id}"))
            .await
            .contains("disabled by an operator")
    );
    let gone = operator
        .submit(&format!("/admin/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(gone.status(), 303);
    assert_eq!(
        operator
            .get(&format!("/admin/webhooks/{id}"))
            .await
            .status(),
        404
    );
    let entries = app
        .with_db(|conn| sekisho::db::audit::list(conn, None, 50).unwrap())
        .await;
    for action in [
        "webhook.endpoint_created",
        "webhook.delivery_resent",
        "webhook.endpoint_disabled",
        "webhook.endpoint_deleted",
    ] {
        let entry = entries
            .iter()
            .find(|e| e.action.as_str() == action)
            .unwrap_or_else(|| panic!("{action} audited"));
        assert_eq!(entry.actor_email.as_deref(), Some(crate::helpers::OPERATOR));
    }
}

/// What registration refuses is refused again at delivery (an endpoint written before
/// the rule, or a name that resolves inside later): in production a name that resolves
/// to a loopback address, and a plain-http URL, fail their attempt without a request;
/// and a secret sealed under another SECRET_KEY signs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_recheck_the_target_and_the_secret() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = TestApp::spawn_on(db, &[("APP_ENV", "production")]).await;
    let receiver = Receiver::start().await;
    let port = receiver
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let key = app.settings.secret_key.bytes().to_vec();
    let endpoints = [
        (
            "ep_loopback",
            format!("https://localhost:{port}/hook"),
            key.clone(),
        ),
        (
            "ep_plain",
            format!("http://127.0.0.1:{port}/hook"),
            key.clone(),
        ),
        (
            "ep_foreign",
            "https://hooks.example.com/".to_owned(),
            vec![9u8; 32],
        ),
    ];
    for (id, url, sealing_key) in endpoints.clone() {
        let sealed =
            sekisho::webhooks::secret::seal(&sealing_key, &sekisho::webhooks::secret::generate())
                .unwrap();
        app.with_db(move |conn| {
            sekisho::db::webhooks::insert_endpoint(
                conn,
                &sekisho::db::webhooks::NewEndpoint {
                    id,
                    url: &url,
                    description: None,
                    event_types: "user.created",
                    sealed_secret: &sealed,
                    now: sekisho::db::now(),
                },
            )
            .unwrap();
        })
        .await;
    }
    app.signup("rechecked@example.com").await;
    for (id, expected) in [
        ("ep_loopback", "resolves to no public address"),
        ("ep_plain", "the URL is not https to a public address"),
        (
            "ep_foreign",
            "the secret was sealed under another SECRET_KEY",
        ),
    ] {
        let deadline = tokio::time::Instant::now() + WAIT;
        let error = loop {
            let (_, rows) = sekisho::admin::webhooks::with_deliveries(&app.pool, id.into(), 0, 1)
                .await
                .unwrap()
                .unwrap();
            if let Some(error) = rows.first().and_then(|row| row.last_error.clone()) {
                break error;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{id} was never attempted"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(error.contains(expected), "{id}: {error}");
    }
    assert!(
        receiver.received().is_empty(),
        "nothing reached the receiver"
    );
}
