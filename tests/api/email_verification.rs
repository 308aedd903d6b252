//! Email verification: the mail sent at sign-up (in the request's language, text and
//! HTML), the link that proves the address, fresh links on request, and
//! REQUIRE_EMAIL_VERIFICATION.

use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, SmtpListener, TestApp, TestDb, client, error_code, reset_link, token_of,
    verification_link,
};

crate::on_both_backends!(
    the_sign_up_mail_proves_the_address_once,
    fresh_links_on_request_say_nothing_about_the_address,
    expired_and_junk_tokens_are_refused,
    a_completed_reset_proves_the_address,
);

crate::on_both_databases!(
    a_disabled_account_is_verified_but_nobody_is_signed_in,
    required_verification_refuses_login_and_token_and_sends_a_fresh_link,
    the_mail_speaks_the_sign_up_language,
    required_verification_signs_in_only_the_browser_that_signed_up,
);

/// A sign-up in `browser` (its own cookie jar), from the app's origin.
async fn sign_up_in(app: &TestApp, browser: &reqwest::Client, email: &str) -> reqwest::Response {
    browser
        .post(app.url("/api/v1/auth/signup"))
        .header("Origin", crate::helpers::FRONTEND)
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
}

/// The user `browser` is signed in as, or null (GET /session).
async fn signed_in_as(app: &TestApp, browser: &reqwest::Client) -> Value {
    app.json_as(browser, "/api/v1/auth/session").await["user"]["email"].clone()
}

async fn verify_in(app: &TestApp, browser: &reqwest::Client, token: &str) -> reqwest::Response {
    browser
        .post(app.url("/api/v1/auth/verify-email"))
        .header("Origin", crate::helpers::FRONTEND)
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

/// REQUIRE_EMAIL_VERIFICATION: sign-up answers 201 `verificationRequired: true` with no
/// session cookie; spending the link in the browser that signed up signs it in, in any
/// other browser (or with a forged binding) it only verifies.
async fn required_verification_signs_in_only_the_browser_that_signed_up(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let browser = client();
    let response = sign_up_in(&app, &browser, "first@example.com").await;
    assert_eq!(response.status(), 201);
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().all(|c| !c.starts_with("access_token=")),
        "no session: {cookies:?}"
    );
    let binding = cookies
        .iter()
        .find(|c| c.starts_with("access_token_signup="))
        .expect("the sign-up binding cookie");
    for attribute in [
        "HttpOnly",
        "Path=/api/v1/auth/verify-email",
        "Max-Age=86400",
    ] {
        assert!(binding.contains(attribute), "{attribute}: {binding}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["verificationRequired"], true);
    assert_eq!(body["user"]["emailVerified"], false);
    assert_eq!(signed_in_as(&app, &browser).await, Value::Null);

    let mail = app.wait_for_outbox_to("verify-email", 1).await.remove(0);
    let verified = verify_in(&app, &browser, &token_of(&verification_link(&mail))).await;
    assert_eq!(verified.status(), 200);
    let verified: Value = verified.json().await.unwrap();
    assert_eq!(verified["user"]["emailVerified"], true);
    assert_eq!(signed_in_as(&app, &browser).await, "first@example.com");

    // Another account: its link spent in another browser, which holds a binding forged
    // for this account, verifies the address and signs nobody in.
    let second = client();
    assert_eq!(
        sign_up_in(&app, &second, "second@example.com")
            .await
            .status(),
        201
    );
    let id = app.user_id("second@example.com").await;
    let mail = app.wait_for_outbox_to("verify-email", 2).await;
    let mail = mail
        .iter()
        .find(|m| m.contains("To: second@example.com"))
        .unwrap();
    let elsewhere = client();
    let forged = elsewhere
        .post(app.url("/api/v1/auth/verify-email"))
        .header("Origin", crate::helpers::FRONTEND)
        .header("Cookie", format!("access_token_signup={id}.AAAA"))
        .json(&json!({ "token": token_of(&verification_link(mail)) }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 200);
    assert!(forged.headers().get("set-cookie").is_none());
    assert_eq!(signed_in_as(&app, &elsewhere).await, Value::Null);
    assert_eq!(signed_in_as(&app, &second).await, Value::Null);
    // Verified all the same: the password now signs in.
    assert_eq!(
        app.attempt_login("second@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}

async fn the_sign_up_mail_proves_the_address_once(app: TestApp) {
    let user = app.signup("verify@example.com").await;
    assert_eq!(user["emailVerified"], false);
    let mail = app.wait_for_outbox_to("verify-email", 1).await.remove(0);
    assert!(mail.contains("To: verify@example.com"), "{mail}");
    let link = verification_link(&mail);
    assert!(
        link.starts_with("http://localhost:3000/verify-email?token="),
        "{link}"
    );
    let token = token_of(&link);

    // Stored as a hash only.
    let stored: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::single_use_tokens as t;
            t::table
                .filter(t::kind.eq("email_verification"))
                .select(t::token_hash)
                .load_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert!(!stored[0].contains(&token));

    // Another browser (not signed in) opens the link: the token alone is enough.
    let verified = app
        .post_with(
            &client(),
            "/api/v1/auth/verify-email",
            json!({ "token": token }),
        )
        .await;
    assert_eq!(verified.status(), 200);
    let body: Value = verified.json().await.unwrap();
    assert_eq!(body["user"]["email"], "verify@example.com");
    assert_eq!(body["user"]["emailVerified"], true);
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["emailVerified"], true);

    let again = app
        .post("/api/v1/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(again.status(), 400);
    assert_eq!(error_code(again).await.1, "INVALID_TOKEN");

    let audit: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::audit_log as a;
            a::table.select(a::action).load_on(conn).unwrap()
        })
        .await;
    assert!(
        audit.contains(&"user.email_verified".to_owned()),
        "{audit:?}"
    );

    // A verified address is sent no more links.
    let resend = app
        .post("/api/v1/auth/send-verification-email", json!({}))
        .await;
    assert_eq!(resend.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.outbox_mails_to("verify-email").len(), 1);
}

async fn fresh_links_on_request_say_nothing_about_the_address(app: TestApp) {
    app.signup("resend@example.com").await;
    app.wait_for_outbox_to("verify-email", 1).await;

    let known = app
        .post_with(
            &client(),
            "/api/v1/auth/send-verification-email",
            json!({ "email": "Resend@Example.com" }),
        )
        .await;
    assert_eq!(known.status(), 200);
    let known: Value = known.json().await.unwrap();
    let unknown = app
        .post_with(
            &client(),
            "/api/v1/auth/send-verification-email",
            json!({ "email": "nobody@example.com" }),
        )
        .await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(unknown.json::<Value>().await.unwrap(), known);
    // Within the minute of the sign-up's mail: nothing more is sent to the address.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.outbox_mails_to("verify-email").len(), 1);

    // A minute later (the counter's window moved back), the signed-in user asks with
    // no body at all and gets a second, working link; the first still works too.
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::auth_throttles as t;
        diesel::delete(t::table.filter(t::key.like("verify-mail:%")))
            .execute_on(conn)
            .unwrap();
    })
    .await;
    let signed_in = app
        .client
        .post(app.url("/api/v1/auth/send-verification-email"))
        .header("Origin", crate::helpers::FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let mails = app.wait_for_outbox_to("verify-email", 2).await;
    let second = token_of(&verification_link(&mails[1]));
    let ok = app
        .post("/api/v1/auth/verify-email", json!({ "token": second }))
        .await;
    assert_eq!(ok.status(), 200);

    // Neither an address nor a session: whose address? 401, as for any call that
    // acts on the signed-in user (the body's shape is right: `email` is optional).
    let nothing = app
        .post_with(&client(), "/api/v1/auth/send-verification-email", json!({}))
        .await;
    assert_eq!(nothing.status(), 401);
    let body: Value = nothing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");
    // A body that is there must be JSON: only no body at all stands for "none".
    let not_json = client()
        .post(app.url("/api/v1/auth/send-verification-email"))
        .header("Origin", crate::helpers::FRONTEND)
        .header("Content-Type", "text/plain")
        .body("email=someone@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
    assert_eq!(error_code(not_json).await.1, "UNSUPPORTED_MEDIA_TYPE");

    // Per client IP: ten requests an hour, then 429 with Retry-After.
    let mut limited = None;
    for i in 0..12 {
        let response = app
            .post_with(
                &client(),
                "/api/v1/auth/send-verification-email",
                json!({ "email": format!("someone{i}@example.com") }),
            )
            .await;
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
        // The count is taken after the answer: give it time to land.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let limited = limited.expect("the per-IP limit answers 429");
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(error_code(limited).await.1, "RATE_LIMITED");
}

async fn expired_and_junk_tokens_are_refused(app: TestApp) {
    app.signup("late@example.com").await;
    let mail = app.wait_for_outbox_to("verify-email", 1).await.remove(0);
    let token = token_of(&verification_link(&mail));
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::single_use_tokens as t;
        sekisho::db::update(
            t::table.filter(t::kind.eq("email_verification")),
            t::expires_at.eq(sekisho::db::now() - chrono::TimeDelta::minutes(1)),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    for junk in [token.as_str(), "not-a-token"] {
        let response = app
            .post("/api/v1/auth/verify-email", json!({ "token": junk }))
            .await;
        assert_eq!(response.status(), 400);
        assert_eq!(error_code(response).await.1, "INVALID_TOKEN");
    }
    let missing = app.post("/api/v1/auth/verify-email", json!({})).await;
    assert_eq!(missing.status(), 400);
    assert_eq!(error_code(missing).await.1, "VALIDATION_ERROR");
    assert!(!app.user_by_email("late@example.com").await.email_verified);
}

async fn a_completed_reset_proves_the_address(app: TestApp) {
    app.signup("reset-proves@example.com").await;
    app.post(
        "/api/v1/auth/forgot-password",
        json!({ "email": "reset-proves@example.com" }),
    )
    .await;
    let mail = app.wait_for_outbox_to("reset-password", 1).await.remove(0);
    let response = app
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": token_of(&reset_link(&mail)), "newPassword": "a new password 1" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        app.user_by_email("reset-proves@example.com")
            .await
            .email_verified
    );
}

async fn required_verification_refuses_login_and_token_and_sends_a_fresh_link(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    app.signup("strict@example.com").await;
    smtp.wait_for_link_to("verify-email", 1).await;
    // Let the sign-up's minute pass for the per-address counter.
    app.with_db(|conn| {
        use sekisho::db::schema::auth_throttles as t;
        diesel::delete(t::table).execute_on(conn).unwrap();
    })
    .await;

    let login = app.attempt_login("strict@example.com", PASSWORD).await;
    assert_eq!(login.status(), 403);
    assert!(login.headers().get("set-cookie").is_none());
    assert_eq!(error_code(login).await.1, "EMAIL_NOT_VERIFIED");
    let fresh = smtp.wait_for_link_to("verify-email", 2).await;

    let token = app
        .post_with(
            &client(),
            "/api/v1/auth/token",
            json!({ "email": "strict@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(token.status(), 403);
    assert_eq!(error_code(token).await.1, "EMAIL_NOT_VERIFIED");
    // Within the minute: no third mail, whatever the number of refused logins.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.mails_to("verify-email").len(), 2);

    // A wrong password still hears INVALID_CREDENTIALS: only the owner learns more.
    let wrong = app
        .attempt_login("strict@example.com", "wrong password")
        .await;
    assert_eq!(error_code(wrong).await.1, "INVALID_CREDENTIALS");

    let verified = app
        .post_with(
            &client(),
            "/api/v1/auth/verify-email",
            json!({ "token": token_of(&verification_link(&fresh)) }),
        )
        .await;
    assert_eq!(verified.status(), 200);
    assert_eq!(
        app.attempt_login("strict@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}

async fn the_mail_speaks_the_sign_up_language(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    for (email, language) in [
        ("ja@example.com", "ja,en;q=0.5"),
        ("en@example.com", "en-US"),
    ] {
        let response = client()
            .post(app.url("/api/v1/auth/signup"))
            .header("Origin", crate::helpers::FRONTEND)
            .header("Accept-Language", language)
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    smtp.wait_for_link_to("verify-email", 2).await;
    let mails = smtp.mails_to("verify-email");
    let japanese = mails
        .iter()
        .find(|m| m.contains("To: ja@example.com"))
        .unwrap();
    let english = mails
        .iter()
        .find(|m| m.contains("To: en@example.com"))
        .unwrap();
    for mail in [japanese, english] {
        assert!(mail.contains("multipart/alternative"), "{mail}");
        assert!(mail.contains("text/plain"));
        assert!(mail.contains("text/html"));
    }
    let decoded = |mail: &str| crate::helpers::smtp::decoded(mail);
    assert!(decoded(japanese).contains("メールアドレスの確認"));
    assert!(decoded(japanese).contains("lang=\"ja\""));
    assert!(!decoded(japanese).contains("Confirm your email address"));
    assert!(decoded(english).contains("Confirm your email address"));
    assert!(!decoded(english).contains("メールアドレス"));
}

/// The link of an account disabled since its sign-up still proves the address (in
/// the same transaction that would have signed the browser in), but the browser that
/// signed up is told ACCOUNT_DISABLED and gets no session.
async fn a_disabled_account_is_verified_but_nobody_is_signed_in(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let browser = client();
    let email = "banned-before-verifying@example.com";
    assert_eq!(sign_up_in(&app, &browser, email).await.status(), 201);
    let mail = app.wait_for_outbox_to("verify-email", 1).await.remove(0);
    app.disable_user(email).await;
    let refused = verify_in(&app, &browser, &token_of(&verification_link(&mail))).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().get("set-cookie").is_none());
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ACCOUNT_DISABLED");
    assert_eq!(signed_in_as(&app, &browser).await, Value::Null);
    assert!(
        app.user_by_email(email).await.email_verified,
        "verified all the same"
    );
}
