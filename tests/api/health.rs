//! GET /api/health and the request id.

use serde_json::Value;

use crate::helpers::TestApp;

crate::on_both_backends!(health_reports_ok, responses_carry_a_request_id);

async fn health_reports_ok(app: TestApp) {
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    let timestamp = body["timestamp"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(timestamp).expect("ISO 8601 with an offset");
    assert!(
        timestamp.ends_with('Z') && timestamp.len() == 20,
        "{timestamp}"
    );
}

async fn responses_carry_a_request_id(app: TestApp) {
    let generated = app.get("/api/health").await;
    let id = generated.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 32, "{id}");

    let kept = app
        .client
        .get(app.url("/api/health"))
        .header("X-Request-Id", "trace-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-123");

    // An id that could forge a log line is replaced.
    let replaced = app
        .client
        .get(app.url("/api/health"))
        .header("X-Request-Id", "a b\tc")
        .send()
        .await
        .unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a b\tc");
}
