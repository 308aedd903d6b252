//! LOG_FORMAT=json: every line the server writes is one JSON object, requests carry
//! their fields, and no password, token or key reaches any line.

use std::time::Duration;

use serde_json::{Value, json};

use crate::cli::{Serving, sekisho, serve};
use crate::helpers::{Backend, TestDb, smtp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_parse_line_by_line_and_hold_no_secret() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let Serving {
        mut child,
        port,
        lines,
        mut log,
    } = serve(
        sekisho(&db)
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "debug")
            .env("ADMIN_EMAIL", "boss@example.com")
            .env("ADMIN_PASSWORD", "operator-password-5"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = crate::helpers::client();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .header("X-Request-Id", "json-log-check")
            .json(&body)
            .send()
    };
    let password = "signup-password-1";
    assert_eq!(
        post(
            "/api/v1/auth/signup",
            json!({"email": "j@example.com", "password": password})
        )
        .await
        .unwrap()
        .status(),
        201
    );
    let cookie = client
        .get(format!("{base}/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(cookie.status(), 200);
    let pair: Value = post(
        "/api/v1/auth/token",
        json!({"email": "j@example.com", "password": password}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let access = pair["token"].as_str().unwrap().to_owned();
    let refresh = pair["refreshToken"].as_str().unwrap().to_owned();
    let rotated: Value = post("/api/v1/auth/refresh", json!({"refreshToken": refresh}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rotated_refresh = rotated["refreshToken"].as_str().unwrap().to_owned();
    let me = client
        .get(format!("{base}/api/v1/auth/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // A reset link, spent: its token was in a mail, never in the log.
    assert_eq!(
        post(
            "/api/v1/auth/forgot-password",
            json!({"email": "j@example.com"})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    let mut reset_token = None;
    for _ in 0..50 {
        reset_token = std::fs::read_dir(db.data_dir().join("outbox"))
            .ok()
            .and_then(|dir| {
                dir.flatten().find_map(|e| {
                    let mail = std::fs::read_to_string(e.path()).ok()?;
                    smtp::link_to(&mail, "reset-password")
                })
            })
            .and_then(|link| link.split("token=").nth(1).map(str::to_owned));
        if reset_token.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reset_token = reset_token.expect("a reset mail in the outbox");
    let new_password = "reset-password-6";
    assert_eq!(
        post(
            "/api/v1/auth/reset-password",
            json!({"token": reset_token, "newPassword": new_password})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    // The panel's form login.
    let panel = crate::helpers::client();
    let _ = panel
        .get(format!("{base}/admin/login"))
        .send()
        .await
        .unwrap();

    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    log.extend(lines.try_iter());
    assert!(log.len() > 10, "{log:#?}");
    let mut requests = 0;
    for line in &log {
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"));
        for key in ["timestamp", "level", "target", "message"] {
            assert!(object[key].is_string(), "{key} missing: {line}");
        }
        chrono::DateTime::parse_from_rfc3339(object["timestamp"].as_str().unwrap()).unwrap();
        if object.get("status").is_some() {
            requests += 1;
            assert!(object["requestId"].is_string(), "{line}");
            assert!(object["method"].is_string(), "{line}");
            assert!(object["path"].as_str().unwrap().starts_with('/'), "{line}");
            assert!(object["status"].is_u64(), "{line}");
            assert!(object["durationMs"].is_number(), "{line}");
            assert_eq!(object["ip"], "127.0.0.1", "{line}");
        }
    }
    assert!(requests >= 8, "{requests} request lines in {log:#?}");
    assert!(
        log.iter()
            .any(|l| l.contains(r#""requestId":"json-log-check""#)
                && l.contains(r#""path":"/api/v1/auth/refresh""#)),
        "{log:#?}"
    );
    let text = log.join("\n");
    for secret in [
        password,
        new_password,
        "operator-password-5",
        access.as_str(),
        refresh.as_str(),
        rotated_refresh.as_str(),
        reset_token.as_str(),
        crate::cli::SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} reached the log");
    }
}
