//! PATCH /api/v1/user/profile: the user's own name and picture, audited and announced
//! as `user.updated`.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::webhook_receiver::Receiver;
use crate::helpers::{TestApp, client, envelope};

crate::on_both_backends!(
    a_profile_update_sets_what_is_sent_and_keeps_the_rest,
    a_bad_profile_names_every_bad_field_and_changes_nothing,
);

async fn patch(app: &TestApp, browser: &reqwest::Client, body: Value) -> reqwest::Response {
    browser
        .patch(app.url("/api/v1/user/profile"))
        .header("Origin", crate::helpers::FRONTEND)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn a_profile_update_sets_what_is_sent_and_keeps_the_rest(app: TestApp) {
    let receiver = Receiver::start().await;
    crate::webhooks::register(&app, &receiver.url, &["user.updated"]).await;
    app.signup("profile@example.com").await;

    let named = patch(
        &app,
        &app.client,
        json!({ "name": " Tanaka Taro ", "image": "https://cdn.example.com/t.png" }),
    )
    .await;
    assert_eq!(named.status(), 200);
    let named: Value = named.json().await.unwrap();
    assert_eq!(named["user"]["name"], "Tanaka Taro");
    assert_eq!(named["user"]["image"], "https://cdn.example.com/t.png");

    // Left out: kept. Null: cleared.
    let cleared: Value = patch(&app, &app.client, json!({ "image": null }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cleared["user"]["name"], "Tanaka Taro");
    assert_eq!(cleared["user"]["image"], Value::Null);
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["name"], "Tanaka Taro");
    assert_eq!(me["user"]["image"], Value::Null);

    // The same again changes nothing, and is not audited.
    let same = patch(&app, &app.client, json!({ "name": "Tanaka Taro" })).await;
    assert_eq!(same.status(), 200);
    let audited = app.audit_details("user.profile_updated").await;
    let fields: Vec<Value> = audited
        .iter()
        .map(|details| serde_json::from_str::<Value>(details.as_deref().unwrap()).unwrap())
        .map(|details| details["fields"].clone())
        .collect();
    assert_eq!(fields, vec![json!(["name", "image"]), json!(["image"])]);

    let announced = receiver
        .wait_for_type("user.updated", Duration::from_secs(10))
        .await
        .expect("user.updated delivered");
    assert_eq!(announced.json()["data"]["email"], "profile@example.com");

    let anonymous = patch(&app, &client(), json!({ "name": "x" })).await;
    assert_eq!(anonymous.status(), 401);
}

async fn a_bad_profile_names_every_bad_field_and_changes_nothing(app: TestApp) {
    let before = app.signup("bad-profile@example.com").await;
    for (body, field, problem) in [
        (
            json!({ "image": "http://cdn.example.com/t.png" }),
            "image",
            "https://",
        ),
        (
            json!({ "image": "javascript:alert(1)" }),
            "image",
            "https://",
        ),
        (
            json!({ "image": "https://u:p@cdn.example.com/t.png" }),
            "image",
            "credentials",
        ),
        (json!({ "name": "x".repeat(101) }), "name", "100"),
        (json!({ "name": "a\u{7}b" }), "name", "control"),
        (json!({ "name": 42 }), "name", "string or null"),
    ] {
        let refused = patch(&app, &app.client, body.clone()).await;
        let error = envelope(refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
        let error = &error["error"];
        let said = error["details"]["fields"][field]
            .as_str()
            .unwrap_or_default();
        assert!(said.contains(problem), "{body}: {said}");
    }
    let both = patch(
        &app,
        &app.client,
        json!({ "name": "x".repeat(101), "image": "ftp://example.com/a.png" }),
    )
    .await;
    let error = envelope(both, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    let error = &error["error"];
    assert!(error["details"]["fields"]["name"].is_string());
    assert!(error["details"]["fields"]["image"].is_string());
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["name"], before["name"]);
    assert!(app.audit_details("user.profile_updated").await.is_empty());
}
