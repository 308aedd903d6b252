//! The OpenAPI document matches the routes: every documented operation exists, and
//! the documented set is exactly the contract's endpoints.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{TestApp, client};

crate::on_both_backends!(
    the_document_lists_every_answer_and_every_bound,
    openapi_document_matches_the_routes,
    the_committed_document_is_what_the_server_serves,
    the_document_tells_generated_clients_the_truth,
);

/// Every /api endpoint of the contract (docs/API.md's tables) as `METHOD path`.
const CONTRACT: &[&str] = &[
    "GET /api/health",
    "GET /api/health/live",
    "GET /api/health/ready",
    "GET /api/openapi.json",
    "GET /api/v1/greeting",
    "POST /api/v1/auth/signup",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/logout",
    "POST /api/v1/auth/token",
    "POST /api/v1/auth/refresh",
    "GET /api/v1/auth/me",
    "GET /api/v1/auth/session",
    "POST /api/v1/auth/forgot-password",
    "POST /api/v1/auth/reset-password",
    "POST /api/v1/auth/change-password",
    "GET /api/v1/auth/sessions",
    "DELETE /api/v1/auth/sessions/{id}",
    "DELETE /api/v1/auth/sessions",
    "POST /api/v1/auth/sign-in/email",
    "POST /api/v1/auth/sign-in/email/verify",
    "PATCH /api/v1/user/profile",
    "POST /api/v1/user/change-email",
    "POST /api/v1/user/withdraw",
    "POST /api/v1/auth/send-verification-email",
    "POST /api/v1/auth/verify-email",
    "GET /api/v1/auth/providers",
    "POST /api/v1/auth/sign-in/social",
    "POST /api/v1/auth/two-factor/setup",
    "POST /api/v1/auth/two-factor/enable",
    "POST /api/v1/auth/two-factor/disable",
    "POST /api/v1/auth/two-factor/recovery-codes",
    "POST /api/v1/auth/two-factor/verify",
    "POST /api/v1/auth/token/two-factor",
    "POST /api/v1/auth/passkeys/register/options",
    "POST /api/v1/auth/passkeys/register",
    "GET /api/v1/auth/passkeys",
    "PATCH /api/v1/auth/passkeys/{id}",
    "DELETE /api/v1/auth/passkeys/{id}",
    "POST /api/v1/auth/sign-in/passkey/options",
    "POST /api/v1/auth/sign-in/passkey",
    "GET /api/v1/auth/callback/{provider}",
    "GET /api/v1/auth/accounts",
    "DELETE /api/v1/auth/accounts/{provider}",
    "POST /api/v1/auth/introspect",
    "GET /api/v1/admin/users",
    "POST /api/v1/admin/users",
    "GET /api/v1/admin/users/{id}",
    "PATCH /api/v1/admin/users/{id}",
    "POST /api/v1/admin/users/{id}/ban",
    "POST /api/v1/admin/users/{id}/unban",
    "DELETE /api/v1/admin/users/{id}",
    "GET /api/v1/admin/users/{id}/sessions",
    "DELETE /api/v1/admin/users/{id}/sessions",
    "DELETE /api/v1/admin/sessions/{id}",
    "GET /api/v1/admin/webhooks",
    "POST /api/v1/admin/webhooks",
    "DELETE /api/v1/admin/webhooks/{id}",
];

async fn openapi_document_matches_the_routes(app: TestApp) {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["cookie"]["type"], "apiKey");
    assert_eq!(schemes["cookie"]["in"], "cookie");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["managementKey"]["scheme"], "bearer");
    for schema in [
        "ErrorResponse",
        "UserResponse",
        "SignupRequest",
        "LoginRequest",
        "SessionsResponse",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
    let login = &doc["paths"]["/api/v1/auth/login"]["post"];
    assert!(login["requestBody"].is_object());
    assert!(login["responses"]["401"].is_object() && login["responses"]["429"].is_object());

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_ascii_uppercase()));
        }
    }
    let contract: BTreeSet<String> = CONTRACT.iter().map(ToString::to_string).collect();
    assert_eq!(
        documented, contract,
        "the document lists exactly the contract's endpoints"
    );

    // Each documented operation is served: never the router's 404 or 405.
    for operation in &documented {
        let (method, path) = operation.split_once(' ').unwrap();
        let path = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = client()
            .request(method, app.url(&path))
            .header("Origin", crate::helpers::FRONTEND)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(status != 404 && status != 405, "{operation}: {status}");
    }
}

/// docs/openapi.json is the reference a reader (or a client generator) uses without a
/// running server: it must be exactly what the server serves.
async fn the_committed_document_is_what_the_server_serves(app: TestApp) {
    let served: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        served == committed,
        "docs/openapi.json is stale: run `cargo run -- openapi > docs/openapi.json`"
    );
}

/// A client generated from the document gets what the server really does: required
/// request fields are required and never null, optional answers are present-but-null,
/// and the closed sets of strings are enums.
async fn the_document_tells_generated_clients_the_truth(app: TestApp) {
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let schemas = &doc["components"]["schemas"];
    let required = |schema: &str| -> BTreeSet<String> {
        schemas[schema]["required"]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .map(|n| n.as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(ToString::to_string).collect() };

    for (schema, fields) in [
        ("SignupRequest", &["email", "password"][..]),
        ("LoginRequest", &["email", "password"]),
        ("TokenRequest", &["email", "password"]),
        ("RefreshRequest", &["refreshToken"]),
        ("ForgotPasswordRequest", &["email"]),
        ("ResetPasswordRequest", &["token", "newPassword"]),
        ("ChangePasswordRequest", &["currentPassword", "newPassword"]),
        // A user without a password withdraws by a recent sign-in instead.
        ("WithdrawRequest", &[]),
    ] {
        assert_eq!(required(schema), set(fields), "{schema}");
        for field in fields {
            assert_eq!(
                schemas[schema]["properties"][field]["type"], "string",
                "{schema}.{field} is a plain, non-null string"
            );
        }
    }

    assert_eq!(
        schemas["WithdrawRequest"]["properties"]["confirmPassword"]["type"], "string",
        "WithdrawRequest.confirmPassword is a plain string when sent"
    );
    let user = &schemas["UserView"];
    for field in ["name", "image"] {
        assert!(
            required("UserView").contains(field),
            "user.{field} is always present"
        );
        assert_eq!(
            user["properties"][field]["type"],
            serde_json::json!(["string", "null"])
        );
    }
    assert_eq!(
        user["properties"]["role"]["enum"],
        serde_json::json!(["user", "admin"])
    );
    assert_eq!(
        schemas["SessionView"]["properties"]["kind"]["enum"],
        serde_json::json!(["browser", "bearer", "admin"])
    );

    let codes: BTreeSet<String> = schemas["ErrorDetail"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    for code in [
        "VALIDATION_ERROR",
        "UNAUTHORIZED",
        "TOKEN_REUSED",
        "RATE_LIMITED",
        "CSRF_FAILED",
    ] {
        assert!(codes.contains(code), "{code} in the code enum");
    }
    let fields = &schemas["ErrorDetails"]["properties"]["fields"];
    assert_eq!(fields["type"], "object");
    assert_eq!(fields["additionalProperties"]["type"], "string");

    assert_eq!(doc["servers"][0]["url"], "/");
}

/// The answers of the layers around the handlers are documented where they can come:
/// 413, 415 and 422 on every operation with a JSON body, 403 on every
/// cookie-authenticated unsafe one; request fields carry the bounds validation checks.
async fn the_document_lists_every_answer_and_every_bound(app: TestApp) {
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let mut with_bodies = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            if operation.get("requestBody").is_some() {
                with_bodies += 1;
                for status in ["413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
            }
            let cookie = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("cookie").is_some()));
            if cookie && method != "get" {
                assert!(responses.contains_key("403"), "{method} {path}: 403");
            }
        }
    }
    assert!(with_bodies >= 20, "{with_bodies} operations with a body");
    let schemas = &doc["components"]["schemas"];
    let signup = &schemas["SignupRequest"]["properties"];
    assert_eq!(signup["password"]["minLength"], 8);
    assert_eq!(signup["password"]["maxLength"], 128);
    assert_eq!(signup["email"]["format"], "email");
    assert_eq!(
        schemas["ResetPasswordRequest"]["properties"]["newPassword"]["minLength"],
        8
    );
    let verify = &schemas["TwoFactorVerifyRequest"]["allOf"][1]["oneOf"];
    assert_eq!(
        verify.as_array().map(Vec::len),
        Some(2),
        "code or recoveryCode"
    );
    // The bodies a request may leave out say so.
    for path in [
        "/api/v1/auth/send-verification-email",
        "/api/v1/auth/sign-in/passkey/options",
    ] {
        let body = &doc["paths"][path]["post"]["requestBody"];
        assert_ne!(body["required"], true, "{path}: {body}");
    }
}
