//! A user without a password confirms withdrawal, an email change and turning the
//! second factor off by a session that signed in within the last 10 minutes:
//! otherwise 403 REAUTHENTICATION_REQUIRED. A user with a password gives it.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, two_factor::code};

crate::on_both_backends!(
    withdrawal_without_a_password_needs_a_recent_sign_in,
    turning_the_factor_off_without_a_password_needs_a_recent_sign_in,
    withdrawal_with_a_password_needs_it,
);

async fn withdrawal_without_a_password_needs_a_recent_sign_in(app: TestApp) {
    app.signup("passwordless@example.com").await;
    app.drop_password("passwordless@example.com").await;

    app.signed_in_minutes_ago("passwordless@example.com", 11)
        .await;
    let stale = app.post("/api/v1/user/withdraw", json!({})).await;
    let (status, code) = error_code(stale).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (403, "REAUTHENTICATION_REQUIRED")
    );
    // A password sent by a user who has none changes nothing.
    let guessed = app
        .post(
            "/api/v1/user/withdraw",
            json!({ "confirmPassword": "any password at all" }),
        )
        .await;
    assert_eq!(error_code(guessed).await.1, "REAUTHENTICATION_REQUIRED");
    assert_eq!(app.me_status(&app.client).await, 200, "still there");

    app.signed_in_minutes_ago("passwordless@example.com", 9)
        .await;
    let recent = app.post("/api/v1/user/withdraw", json!({})).await;
    assert_eq!(recent.status(), 200);
    assert_eq!(app.me_status(&app.client).await, 401, "withdrawn");
}

async fn turning_the_factor_off_without_a_password_needs_a_recent_sign_in(app: TestApp) {
    app.signup("passwordless-2fa@example.com").await;
    let enrolled = app.enable_totp(&app.client, crate::helpers::PASSWORD).await;
    app.drop_password("passwordless-2fa@example.com").await;

    app.signed_in_minutes_ago("passwordless-2fa@example.com", 11)
        .await;
    let stale = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "code": code(&enrolled.secret, 30) }),
        )
        .await;
    let (status, error) = error_code(stale).await;
    assert_eq!(
        (status.as_u16(), error.as_str()),
        (403, "REAUTHENTICATION_REQUIRED")
    );
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["twoFactorEnabled"], true, "still on");

    // The refused attempt spent no code: the same one works after a recent sign-in.
    app.signed_in_minutes_ago("passwordless-2fa@example.com", 1)
        .await;
    let off = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "code": code(&enrolled.secret, 30) }),
        )
        .await;
    assert_eq!(off.status(), 200);
    let off: Value = off.json().await.unwrap();
    assert_eq!(off["user"]["twoFactorEnabled"], false);
}

/// A stolen session of a user with a password is not enough, however fresh.
async fn withdrawal_with_a_password_needs_it(app: TestApp) {
    app.signup("with-password@example.com").await;
    let missing = app.post("/api/v1/user/withdraw", json!({})).await;
    let (status, error) = error_code(missing).await;
    assert_eq!((status.as_u16(), error.as_str()), (400, "INVALID_PASSWORD"));
    let wrong = app
        .post(
            "/api/v1/user/withdraw",
            json!({ "confirmPassword": "not the password" }),
        )
        .await;
    assert_eq!(error_code(wrong).await.1, "INVALID_PASSWORD");
    assert_eq!(app.me_status(&app.client).await, 200);
}
