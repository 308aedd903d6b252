//! POST /api/v1/user/change-email: confirmed by the password (or a recent sign-in),
//! a link to the new address, a notice to the old one, and the address changing only
//! when the link is opened (on any instance), if nobody took the address meanwhile.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::smtp::{decoded, link_to};
use crate::helpers::{PASSWORD, SmtpListener, TestApp, TestDb, client, envelope, token_of};

crate::on_both_databases!(
    the_address_changes_when_the_link_is_opened_on_another_instance,
    an_address_taken_meanwhile_is_not_changed_to,
    without_a_password_a_recent_sign_in_confirms_it,
);

async fn change(app: &TestApp, body: Value) -> reqwest::Response {
    app.post("/api/v1/user/change-email", body).await
}

async fn open(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_with(
        &client(),
        "/api/v1/auth/verify-email",
        json!({ "token": token }),
    )
    .await
}

/// The token of the link the n-th change-of-address mail (1-based) carries to `to`.
async fn link_sent_to(smtp: &SmtpListener, to: &str, n: usize) -> String {
    let mut seen = 0;
    for _ in 0..100 {
        let mails = smtp.mails_to("verify-email");
        let to_them: Vec<&String> = mails
            .iter()
            .filter(|m| m.contains(&format!("To: {to}")))
            .filter(|m| decoded(m).contains("new email address"))
            .collect();
        seen = to_them.len();
        if let Some(mail) = to_them.get(n - 1) {
            return token_of(&link_to(mail, "verify-email").unwrap());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("change-of-address mail {n} to {to} did not arrive ({seen} did)");
}

async fn the_address_changes_when_the_link_is_opened_on_another_instance(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let shared = TestDb::reuse(&db);
    let first = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    let second = TestApp::spawn_with_smtp(shared, &smtp, &[]).await;
    first.signup("old@example.com").await;
    first.signup("someone-else@example.com").await;
    let first = TestApp {
        client: first.login_elsewhere("old@example.com").await,
        ..first
    };

    for (body, status, code) in [
        (
            json!({ "newEmail": "new@example.com" }),
            StatusCode::BAD_REQUEST,
            "INVALID_PASSWORD",
        ),
        (
            json!({ "newEmail": "new@example.com", "password": "not the password" }),
            StatusCode::BAD_REQUEST,
            "INVALID_PASSWORD",
        ),
        (
            json!({ "newEmail": "OLD@example.com", "password": PASSWORD }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        ),
        (
            json!({ "newEmail": "someone-else@example.com", "password": PASSWORD }),
            StatusCode::BAD_REQUEST,
            "EMAIL_TAKEN",
        ),
        // A Kelvin sign that lower-cases into `k`: a look-alike of an address.
        (
            json!({ "newEmail": "\u{212A}ate@example.com", "password": PASSWORD }),
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
        ),
    ] {
        envelope(change(&first, body).await, status, code).await;
    }

    let asked = change(
        &first,
        json!({ "newEmail": " New@Example.com ", "password": PASSWORD }),
    )
    .await;
    assert_eq!(asked.status(), 200);
    let asked: Value = asked.json().await.unwrap();
    assert_eq!(asked["success"], true);
    let token = link_sent_to(&smtp, "new@example.com", 1).await;
    // The old address is told, with what to do if it was not them.
    let notice = smtp
        .all_decoded()
        .into_iter()
        .find(|m| m.contains("To: old@example.com") && m.contains("A new email address was asked"))
        .expect("a notice to the old address");
    assert!(notice.contains("change your password"), "{notice}");

    // Nothing changed yet.
    let me: Value = first.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "old@example.com");

    // Opened on the other instance: the address is the new one, verified.
    let opened = open(&second, &token).await;
    assert_eq!(opened.status(), 200);
    let opened: Value = opened.json().await.unwrap();
    assert_eq!(opened["user"]["email"], "new@example.com");
    assert_eq!(opened["user"]["emailVerified"], true);
    let me: Value = first.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(
        me["user"]["email"], "new@example.com",
        "the session goes on"
    );
    assert_eq!(
        second
            .attempt_login("new@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(
        second
            .attempt_login("old@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    envelope(
        open(&first, &token).await,
        StatusCode::BAD_REQUEST,
        "INVALID_TOKEN",
    )
    .await;
    let requested = first.audit_details("user.email_change_requested").await;
    assert_eq!(requested.len(), 1);
    assert!(requested[0].as_deref().unwrap().contains("new@example.com"));
    let changed = first.audit_details("user.email_changed").await;
    assert_eq!(changed.len(), 1);
    assert!(changed[0].as_deref().unwrap().contains("old@example.com"));
}

async fn an_address_taken_meanwhile_is_not_changed_to(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    app.signup("mover@example.com").await;
    let asked = change(
        &app,
        json!({ "newEmail": "wanted@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(asked.status(), 200);
    let token = link_sent_to(&smtp, "wanted@example.com", 1).await;
    // Someone signs up with the address before the link is opened.
    let taken = app
        .post_with(
            &client(),
            "/api/v1/auth/signup",
            json!({ "email": "wanted@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(taken.status(), 201);
    envelope(
        open(&app, &token).await,
        StatusCode::BAD_REQUEST,
        "EMAIL_TAKEN",
    )
    .await;
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "mover@example.com");

    // A second request replaces the first link; changing the password cancels it.
    let again = change(
        &app,
        json!({ "newEmail": "elsewhere@example.com", "password": PASSWORD }),
    )
    .await;
    assert_eq!(again.status(), 200);
    let replaced = link_sent_to(&smtp, "elsewhere@example.com", 1).await;
    envelope(
        open(&app, &token).await,
        StatusCode::BAD_REQUEST,
        "INVALID_TOKEN",
    )
    .await;
    let changed = app
        .post(
            "/api/v1/auth/change-password",
            json!({ "currentPassword": PASSWORD, "newPassword": "another long password" }),
        )
        .await;
    assert_eq!(changed.status(), 200);
    envelope(
        open(&app, &replaced).await,
        StatusCode::BAD_REQUEST,
        "INVALID_TOKEN",
    )
    .await;
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "mover@example.com");
}

async fn without_a_password_a_recent_sign_in_confirms_it(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    app.signup("social@example.com").await;
    app.drop_password("social@example.com").await;
    app.signed_in_minutes_ago("social@example.com", 11).await;
    let stale = change(&app, json!({ "newEmail": "social-new@example.com" })).await;
    envelope(stale, StatusCode::FORBIDDEN, "REAUTHENTICATION_REQUIRED").await;
    app.signed_in_minutes_ago("social@example.com", 2).await;
    let recent = change(&app, json!({ "newEmail": "social-new@example.com" })).await;
    assert_eq!(recent.status(), 200);
    let token = link_sent_to(&smtp, "social-new@example.com", 1).await;
    let opened: Value = open(&app, &token).await.json().await.unwrap();
    assert_eq!(opened["user"]["email"], "social-new@example.com");
}
