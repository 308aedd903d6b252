//! The framework's own errors reach the client in the contract's envelope.

use reqwest::StatusCode;

use crate::helpers::{TestApp, envelope};

crate::on_both_backends!(
    unknown_route_is_404,
    wrong_method_is_405,
    wrong_method_inside_scopes_is_405,
    wrong_types_name_each_field,
    malformed_json_is_422,
    wrong_content_type_is_415,
    body_over_64_kib_is_413,
    wrong_shape_is_a_validation_error,
    panicking_handler_is_500_without_internals,
    messages_follow_accept_language,
);

async fn unknown_route_is_404(app: TestApp) {
    envelope(
        app.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    envelope(app.get("/api").await, StatusCode::NOT_FOUND, "NOT_FOUND").await;
}

async fn wrong_method_is_405(app: TestApp) {
    let response = app
        .client
        .delete(app.url("/api/health"))
        .send()
        .await
        .unwrap();
    envelope(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    )
    .await;
}

/// Inside the /api/v1/auth, /api/v1/user and /api/v1/admin scopes too, a wrong method is 405 with
/// Allow, and an unknown path 404, in the envelope.
async fn wrong_method_inside_scopes_is_405(app: TestApp) {
    for (path, allow) in [
        ("/api/v1/auth/login", "POST, OPTIONS"),
        ("/api/v1/auth/me", "GET, OPTIONS"),
        ("/api/v1/auth/sign-in/email", "POST, OPTIONS"),
        ("/api/v1/auth/sign-in/email/verify", "POST, OPTIONS"),
        ("/api/v1/user/withdraw", "POST, OPTIONS"),
        ("/api/v1/user/profile", "PATCH, OPTIONS"),
        ("/api/v1/user/change-email", "POST, OPTIONS"),
        ("/api/v1/admin/users", "GET, POST, OPTIONS"),
        ("/api/v1/admin/users/some-id", "GET, PATCH, DELETE, OPTIONS"),
    ] {
        let response = app.client.put(app.url(path)).send().await.unwrap();
        assert_eq!(response.headers()["allow"], allow, "{path}");
        envelope(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        )
        .await;
    }
    let get_login = app.get("/api/v1/auth/login").await;
    envelope(
        get_login,
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
    )
    .await;
    let unknown = app.get("/api/v1/auth/nothing-here").await;
    envelope(unknown, StatusCode::NOT_FOUND, "NOT_FOUND").await;
}

/// Well-formed JSON with values of the wrong type names each bad field, like a
/// missing one, in the caller's language.
async fn wrong_types_name_each_field(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": 12345, "password": true, "rememberMe": "yes" }))
        .send()
        .await
        .unwrap();
    let body = envelope(response, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    let fields = &body["error"]["details"]["fields"];
    assert_eq!(fields["email"], "must be a string", "{body}");
    assert_eq!(fields["password"], "must be a string", "{body}");
    assert_eq!(fields["rememberMe"], "must be true or false", "{body}");

    let japanese = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .header("accept-language", "ja")
        .json(&serde_json::json!({ "email": ["a@example.com"], "password": "long enough password", "name": 42 }))
        .send()
        .await
        .unwrap();
    let body = envelope(japanese, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert_eq!(
        body["error"]["details"]["fields"]["email"],
        "文字列にしてください"
    );
    assert_eq!(
        body["error"]["details"]["fields"]["name"],
        "文字列にしてください"
    );

    let not_an_object = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&serde_json::json!([1, 2]))
        .send()
        .await
        .unwrap();
    envelope(not_an_object, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
}

async fn malformed_json_is_422(app: TestApp) {
    for body in ["{\"email\": ", "not json", "{\"a\":1,}"] {
        let response = app
            .client
            .post(app.url("/api/test/echo"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        envelope(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_REQUEST",
        )
        .await;
    }
}

async fn wrong_content_type_is_415(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/test/echo"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    envelope(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;

    let form = app
        .client
        .post(app.url("/api/test/echo"))
        .form(&[("email", "a@example.com")])
        .send()
        .await
        .unwrap();
    envelope(
        form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;
}

async fn body_over_64_kib_is_413(app: TestApp) {
    let big = serde_json::json!({ "pad": "x".repeat(64 * 1024) });
    let response = app
        .client
        .post(app.url("/api/test/echo"))
        .json(&big)
        .send()
        .await
        .unwrap();
    envelope(response, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE").await;

    // Just under the limit still goes through.
    let fits = serde_json::json!({ "pad": "x".repeat(60 * 1024) });
    let response = app
        .client
        .post(app.url("/api/test/echo"))
        .json(&fits)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn wrong_shape_is_a_validation_error(app: TestApp) {
    let response = app
        .client
        .post(app.url("/api/test/strict"))
        .json(&serde_json::json!({ "name": "x" }))
        .send()
        .await
        .unwrap();
    let body = envelope(response, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert_eq!(body["error"]["details"]["fields"]["email"], "is required");

    let response = app
        .client
        .post(app.url("/api/test/strict"))
        .json(&serde_json::json!({ "email": 42 }))
        .send()
        .await
        .unwrap();
    envelope(response, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
}

async fn panicking_handler_is_500_without_internals(app: TestApp) {
    let response = app.get("/api/test/panic").await;
    let body = envelope(
        response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_ERROR",
    )
    .await;
    let text = body.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("secret"),
        "{text}"
    );

    let ja = app
        .client
        .get(app.url("/api/test/panic"))
        .header("accept-language", "ja")
        .send()
        .await
        .unwrap();
    let body = envelope(ja, StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR").await;
    assert_eq!(body["error"]["message"], "サーバーでエラーが発生しました");

    // The worker survived the panic.
    assert_eq!(app.get("/api/health").await.status(), 200);
}

async fn messages_follow_accept_language(app: TestApp) {
    let english = envelope(
        app.get("/api/missing").await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert_eq!(english["error"]["message"], "Not found");

    for header in ["ja", "ja-JP,ja;q=0.9,en;q=0.8", "fr, ja;q=0.4"] {
        let response = app
            .client
            .get(app.url("/api/missing"))
            .header("accept-language", header)
            .send()
            .await
            .unwrap();
        let body = envelope(response, StatusCode::NOT_FOUND, "NOT_FOUND").await;
        assert_eq!(body["error"]["message"], "見つかりません", "{header}");
    }

    // Handler errors with details keep them in Japanese too.
    let response = app
        .client
        .post(app.url("/api/test/strict"))
        .header("accept-language", "ja")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let body = envelope(response, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    assert_eq!(body["error"]["message"], "入力内容が正しくありません");
    // Field messages follow the language like the top-level message.
    assert_eq!(body["error"]["details"]["fields"]["email"], "必須です");

    let bad_signup = serde_json::json!({ "email": "not an address", "password": "short" });
    for (language, email, password) in [
        (
            "ja",
            "有効なメールアドレスを入力してください",
            "8文字以上にしてください",
        ),
        (
            "en",
            "must be a valid email address",
            "must be at least 8 characters",
        ),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/signup"))
            .header("accept-language", language)
            .json(&bad_signup)
            .send()
            .await
            .unwrap();
        let body = envelope(response, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
        assert_eq!(
            body["error"]["details"]["fields"]["email"], email,
            "{language}"
        );
        assert_eq!(
            body["error"]["details"]["fields"]["password"], password,
            "{language}"
        );
    }
}

/// A body that stops arriving (Content-Length: 100, nine bytes sent, then nothing) is
/// answered 408 in the envelope once BODY_TIMEOUT_SECONDS have passed, instead of
/// holding the connection for minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_is_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = crate::helpers::TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = TestApp::spawn_on(db, &[("BODY_TIMEOUT_SECONDS", "1")]).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&answer).contains("REQUEST_TIMEOUT") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer: the connection was held");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"REQUEST_TIMEOUT\""), "{text}");
}
