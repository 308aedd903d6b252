//! Second-factor codes cannot be guessed: a change to the factor needs the password
//! when the user has one; every code check (the sign-in step, a signed-in user's
//! proof, the panel) is counted against the account and the address before it is
//! made, even in parallel, with 429 past the limit and an audit entry for each wrong
//! code; a right password with the code still to come forgets nothing.

use serde_json::{Value, json};

use crate::helpers::two_factor::code;
use crate::helpers::{OPERATOR, OPERATOR_PASSWORD, PASSWORD, TestApp, TestDb, client, error_code};

crate::on_both_backends!(
    a_session_cannot_change_the_factor_with_a_code_alone,
    a_code_proof_is_counted_and_audited,
    a_right_password_with_the_code_to_come_forgets_nothing,
);

crate::on_both_databases!(
    parallel_answers_to_one_challenge_are_checked_at_most_five_times,
    the_panels_code_step_is_counted_too,
);

/// Signed up on the app's client with the factor on; the secret.
async fn enrolled(app: &TestApp, email: &str) -> Vec<u8> {
    app.signup(email).await;
    app.enable_totp(&app.client, PASSWORD).await.secret
}

async fn two_factor_enabled(app: &TestApp) -> bool {
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    me["user"]["twoFactorEnabled"] == true
}

/// A user who has a password gives it: a code alone (a stolen session guessing codes
/// until one is right) turns nothing off and makes no new recovery codes.
async fn a_session_cannot_change_the_factor_with_a_code_alone(app: TestApp) {
    let secret = enrolled(&app, "has-password@example.com").await;
    for path in [
        "/api/v1/auth/two-factor/disable",
        "/api/v1/auth/two-factor/recovery-codes",
    ] {
        let response = app.post(path, json!({ "code": code(&secret, 30) })).await;
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "INVALID_PASSWORD", "{path}: {body}");
    }
    assert!(two_factor_enabled(&app).await, "still on");
    let off = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "password": PASSWORD, "code": "000000" }),
        )
        .await;
    assert_eq!(off.status(), 200, "the password is the proof");
}

/// A user without a password proves it is them with a code: each try is counted
/// before it is checked (five from this address for this account, then 429, a right
/// code included) and each wrong one is audited.
async fn a_code_proof_is_counted_and_audited(app: TestApp) {
    let email = "passwordless@example.com";
    let secret = enrolled(&app, email).await;
    app.drop_password(email).await;
    for n in 0..5 {
        let wrong = app
            .post(
                "/api/v1/auth/two-factor/disable",
                json!({ "code": code(&secret, -600 - 30 * n) }),
            )
            .await;
        assert_eq!(error_code(wrong).await.1, "INVALID_CODE", "try {n}");
    }
    let right = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "code": code(&secret, 30) }),
        )
        .await;
    assert_eq!(right.status(), 429, "the sixth try is not checked");
    assert!(right.headers().contains_key("retry-after"));
    let renew = app
        .post(
            "/api/v1/auth/two-factor/recovery-codes",
            json!({ "code": code(&secret, 30) }),
        )
        .await;
    assert_eq!(renew.status(), 429, "nor by another route");
    assert!(two_factor_enabled(&app).await, "still on");
    assert_eq!(
        app.audit_details("user.second_factor_failed").await,
        vec![Some(r#"{"step":"proof","factor":"totp"}"#.to_owned()); 5]
    );
}

/// Signing in again with the right password, then a wrong code, over and over from
/// one address: the password no longer wipes the address's count, so the code
/// guesses run out with the address's five tries.
async fn a_right_password_with_the_code_to_come_forgets_nothing(app: TestApp) {
    let email = "guessed@example.com";
    let secret = enrolled(&app, email).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let browser = client();
        let login = app
            .post_with(
                &browser,
                "/api/v1/auth/login",
                json!({ "email": email, "password": PASSWORD }),
            )
            .await;
        statuses.push(login.status().as_u16());
        if login.status() != 200 {
            continue;
        }
        let guess = app
            .post_with(
                &browser,
                "/api/v1/auth/two-factor/verify",
                json!({ "code": code(&secret, -900) }),
            )
            .await;
        statuses.push(guess.status().as_u16());
    }
    // password, code, password, code, password (the fifth try), then refused.
    assert_eq!(
        statuses,
        [200, 400, 200, 400, 200, 429, 429],
        "{statuses:?}"
    );
}

/// Thirty wrong codes at once against one challenge, each from another address (the
/// trusted proxy forwards them), so that no address limit stops them: five are
/// checked, the rest find the challenge void.
async fn parallel_answers_to_one_challenge_are_checked_at_most_five_times(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let email = "raced@example.com";
    let secret = enrolled(&app, email).await;
    let login = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("X-Forwarded-For", "198.51.100.1")
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let body: Value = login.json().await.unwrap();
    let challenge = body["challenge"].as_str().expect("a challenge").to_owned();
    let wrong = code(&secret, -900);
    let answers = (0..30).map(|n| {
        let (url, challenge, wrong) = (
            app.url("/api/v1/auth/token/two-factor"),
            challenge.clone(),
            wrong.clone(),
        );
        async move {
            client()
                .post(url)
                .header("X-Forwarded-For", format!("203.0.113.{}", n + 1))
                .json(&json!({ "challenge": challenge, "code": wrong }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(answers).await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let void = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!((checked, void), (5, 25), "{statuses:?}");
    let right = client()
        .post(app.url("/api/v1/auth/token/two-factor"))
        .header("X-Forwarded-For", "203.0.113.99")
        .json(&json!({ "challenge": challenge, "code": code(&secret, 30) }))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 401, "the challenge is void");
}

/// The panel's form takes the password and the code together: a right password with a
/// wrong code counts as this address's try, and the sixth is refused.
async fn the_panels_code_step_is_counted_too(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    app.create_operator().await;
    let api = app.login_elsewhere_with(OPERATOR, OPERATOR_PASSWORD).await;
    let secret = app.enable_totp(&api, OPERATOR_PASSWORD).await.secret;
    let browser = client();
    let mut statuses = Vec::new();
    for n in 0..6 {
        let wrong = code(&secret, -900 - 30 * n);
        let response = crate::admin_two_factor::panel_login(&app, &browser, Some(&wrong)).await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "{statuses:?}");
}
