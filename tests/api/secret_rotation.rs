//! Replacing SECRET_KEY: with the old value in PREVIOUS_SECRET_KEYS every session,
//! refresh token and TOTP factor keeps working; `sekisho keys reseal` seals every
//! stored secret under the new key, after which the server runs on the new key alone.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::two_factor::code;
use crate::helpers::{TestApp, TestDb, client};

const OLD: &str = "the-old-secret-key-that-leaked-0123456789abcdef";
const NEW: &str = "the-new-secret-key-after-rotation-0123456789ab";
const PASSWORD: &str = "a long password";

crate::on_both_databases!(a_secret_key_rotation_keeps_sessions_tokens_and_factors);

async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.post_with(browser, path, body).await
}

async fn a_secret_key_rotation_keeps_sessions_tokens_and_factors(db: TestDb) {
    let before = TestApp::spawn_on(db, &[("SECRET_KEY", OLD)]).await;
    // A cookie session with TOTP on, and a bearer pair of another user.
    let browser = client();
    let signed_up = post(
        &before,
        &browser,
        "/api/v1/auth/signup",
        json!({"email": "totp@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(signed_up.status(), 201);
    let enrolled = before.enable_totp(&browser, PASSWORD).await;
    before.signup("bearer@example.com").await;
    let pair: Value = post(
        &before,
        &client(),
        "/api/v1/auth/token",
        json!({"email": "bearer@example.com", "password": crate::helpers::PASSWORD}),
    )
    .await
    .json()
    .await
    .unwrap();
    let access = pair["token"].as_str().expect("an access token").to_owned();
    let first_refresh = pair["refreshToken"].as_str().unwrap().to_owned();

    // The new key, the old one still accepted.
    let rotated = TestApp::spawn_on(
        TestDb::reuse(&before.db),
        &[("SECRET_KEY", NEW), ("PREVIOUS_SECRET_KEYS", OLD)],
    )
    .await;
    assert_eq!(rotated.me_status(&browser).await, 200, "the cookie session");
    let me = client()
        .get(rotated.url("/api/v1/auth/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the bearer access token");
    let refreshed = post(
        &rotated,
        &client(),
        "/api/v1/auth/refresh",
        json!({"refreshToken": first_refresh}),
    )
    .await;
    assert_eq!(
        refreshed.status(),
        200,
        "a refresh token hashed under the old key"
    );
    let second_refresh = refreshed.json::<Value>().await.unwrap()["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // The factor sealed under the old key still checks a code.
    let other_browser = client();
    let login = post(
        &rotated,
        &other_browser,
        "/api/v1/auth/login",
        json!({"email": "totp@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(login.status(), 200);
    assert_eq!(
        login.json::<Value>().await.unwrap()["twoFactorRequired"],
        true
    );
    let verified = post(
        &rotated,
        &other_browser,
        "/api/v1/auth/two-factor/verify",
        json!({"code": code(&enrolled.secret, 30)}),
    )
    .await;
    assert_eq!(
        verified.status(),
        200,
        "a TOTP code against a secret sealed under the old key"
    );

    // Everything sealed anew under the new key.
    let output = crate::cli::sekisho(&before.db)
        .env("SECRET_KEY", NEW)
        .env("PREVIOUS_SECRET_KEYS", OLD)
        .args(["keys", "reseal"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("TOTP secrets: 1 sealed anew"), "{printed}");
    assert!(
        printed.contains("token signing keys: 1 sealed anew"),
        "{printed}"
    );
    assert!(
        printed.contains("keep PREVIOUS_SECRET_KEYS until refresh tokens"),
        "{printed}"
    );
    let again = crate::cli::sekisho(&before.db)
        .env("SECRET_KEY", NEW)
        .args(["keys", "reseal"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("TOTP secrets: 0 sealed anew, 1 already current")
    );

    // A key that sealed nothing: every value is unreadable, nothing is changed, and
    // the command fails saying which key is missing.
    let stranger = crate::cli::sekisho(&before.db)
        .env(
            "SECRET_KEY",
            "a-key-that-sealed-nothing-here-0123456789abcdef",
        )
        .args(["keys", "reseal"])
        .output()
        .unwrap();
    assert!(!stranger.status.success());
    let told = String::from_utf8_lossy(&stranger.stderr);
    assert!(
        told.contains("neither SECRET_KEY nor PREVIOUS_SECRET_KEYS holds"),
        "{told}"
    );
    assert!(
        String::from_utf8_lossy(&stranger.stdout)
            .contains("TOTP secrets: 0 sealed anew, 0 already current, 1 unreadable")
    );

    // The new key alone.
    let after = TestApp::spawn_on(TestDb::reuse(&before.db), &[("SECRET_KEY", NEW)]).await;
    assert_eq!(
        after.me_status(&browser).await,
        200,
        "the cookie session, signing key resealed"
    );
    let refreshed = post(
        &after,
        &client(),
        "/api/v1/auth/refresh",
        json!({"refreshToken": second_refresh}),
    )
    .await;
    assert_eq!(
        refreshed.status(),
        200,
        "a refresh token rotated since the new key came in"
    );
    let stored: Option<String> = after
        .with_db(|conn| {
            use sekisho::db::RunOn;
            use sekisho::db::schema::two_factor_secrets as t;
            t::table
                .select(t::secret_sealed)
                .first_on::<Option<String>>(conn)
                .unwrap()
        })
        .await;
    let stored = stored.expect("a sealed TOTP secret");
    assert_eq!(
        sekisho::crypto::sealed::open(NEW.as_bytes(), b"totp secret", &stored).as_deref(),
        Some(enrolled.secret.as_slice()),
        "the TOTP secret opens under the new key alone"
    );
    assert!(sekisho::crypto::sealed::open(OLD.as_bytes(), b"totp secret", &stored).is_none());
}
