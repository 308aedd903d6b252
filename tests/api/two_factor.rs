//! The TOTP second factor and its recovery codes, with codes computed as an
//! authenticator app computes them: enrolment, the sign-in step for browsers and
//! bearer clients, codes accepted once, five wrong codes voiding a challenge,
//! recovery codes, turning it off, and what is stored.

use sekisho::crypto::totp;
use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::smtp::SmtpListener;
use crate::helpers::{PASSWORD, TestApp, TestDb, client, error_code, set_cookies};

use crate::helpers::two_factor::code;

/// Signs `email` up on the app's client and turns the second factor on: the secret
/// (bytes) and the recovery codes. The enabling code is the current step's.
async fn enrolled(app: &TestApp, email: &str) -> (Vec<u8>, Vec<String>) {
    app.signup(email).await;
    let enrolled = app.enable_totp(&app.client, PASSWORD).await;
    (enrolled.secret, enrolled.recovery_codes)
}

/// A password login from a new browser that stops at the second step.
async fn challenged(app: &TestApp, email: &str) -> reqwest::Client {
    let browser = client();
    let response = app
        .post_with(
            &browser,
            "/api/v1/auth/login",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookies = set_cookies(&response);
    assert!(
        !cookies.iter().any(|c| c.starts_with("access_token=")),
        "no session before the code: {cookies:?}"
    );
    let challenge = cookies
        .iter()
        .find(|c| c.starts_with("two_factor="))
        .expect("the challenge cookie");
    assert!(
        challenge.contains("HttpOnly") && challenge.contains("Max-Age=300"),
        "{challenge}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "twoFactorRequired": true, "methods": ["totp", "recovery_code"] })
    );
    browser
}

async fn verify(app: &TestApp, browser: &reqwest::Client, body: Value) -> reqwest::Response {
    app.post_with(browser, "/api/v1/auth/two-factor/verify", body)
        .await
}

crate::on_both_backends!(enrolment_then_a_sign_in_with_a_code_accepted_once);

async fn enrolment_then_a_sign_in_with_a_code_accepted_once(app: TestApp) {
    app.signup("totp@example.com").await;
    // Setting up needs the password; nothing is on until a code confirms it.
    let missing = app.post("/api/v1/auth/two-factor/setup", json!({})).await;
    assert_eq!(error_code(missing).await.1, "INVALID_PASSWORD");
    let wrong = app
        .post(
            "/api/v1/auth/two-factor/setup",
            json!({ "password": "not it at all" }),
        )
        .await;
    assert_eq!(error_code(wrong).await.1, "INVALID_PASSWORD");
    let early = app
        .post(
            "/api/v1/auth/two-factor/enable",
            json!({ "code": "123456" }),
        )
        .await;
    assert_eq!(
        error_code(early).await,
        (reqwest::StatusCode::BAD_REQUEST, "VALIDATION_ERROR".into())
    );
    let setup = app
        .post(
            "/api/v1/auth/two-factor/setup",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(setup.status(), 200);
    assert_eq!(setup.headers()["cache-control"], "no-store");
    let setup: Value = setup.json().await.unwrap();
    let base32 = setup["secret"].as_str().unwrap();
    let uri = setup["otpauthUri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Sekisho:totp%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={base32}")) && uri.contains("issuer=Sekisho"));
    assert!(
        setup["qrSvg"].as_str().unwrap().starts_with("<?xml")
            || setup["qrSvg"].as_str().unwrap().contains("<svg")
    );
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["twoFactorEnabled"], false);

    let secret = totp::from_base32(base32).unwrap();
    let stale = app
        .post(
            "/api/v1/auth/two-factor/enable",
            json!({ "code": code(&secret, -300) }),
        )
        .await;
    assert_eq!(error_code(stale).await.1, "INVALID_CODE");
    let enabled = app
        .post(
            "/api/v1/auth/two-factor/enable",
            json!({ "code": code(&secret, 0) }),
        )
        .await;
    assert_eq!(enabled.status(), 200);
    let enabled: Value = enabled.json().await.unwrap();
    assert_eq!(enabled["user"]["twoFactorEnabled"], true);
    assert_eq!(enabled["recoveryCodes"].as_array().unwrap().len(), 10);
    // The session that turned it on goes on.
    assert_eq!(app.get("/api/v1/auth/me").await.status(), 200);

    // A wrong password answers as it always did: no hint of a second factor.
    let guess = app
        .attempt_login("totp@example.com", "wrong password!")
        .await;
    assert_eq!(
        error_code(guess).await,
        (
            reqwest::StatusCode::UNAUTHORIZED,
            "INVALID_CREDENTIALS".into()
        )
    );

    // The right password: a challenge, no session.
    let browser = challenged(&app, "totp@example.com").await;
    assert_eq!(app.me_status(&browser).await, 401);
    let anonymous = verify(&app, &client(), json!({ "code": code(&secret, 30) })).await;
    assert_eq!(error_code(anonymous).await.0, 401);
    let wrong = verify(&app, &browser, json!({ "code": code(&secret, -300) })).await;
    assert_eq!(error_code(wrong).await.1, "INVALID_CODE");
    let neither = verify(&app, &browser, json!({})).await;
    assert_eq!(error_code(neither).await.1, "VALIDATION_ERROR");
    // The enabling code was the current step's: the next step's code is still new.
    let next = code(&secret, 30);
    let passed = verify(&app, &browser, json!({ "code": next })).await;
    assert_eq!(passed.status(), 200);
    let cleared = passed.headers().get_all("set-cookie").iter().any(|v| {
        v.to_str().unwrap().starts_with("two_factor=;")
            || v.to_str().unwrap().starts_with("two_factor=\"\"")
    });
    assert!(cleared, "the challenge cookie is cleared");
    let body: Value = passed.json().await.unwrap();
    assert_eq!(body["user"]["email"], "totp@example.com");
    assert_eq!(app.me_status(&browser).await, 200);
    // /sessions says how each session was signed in.
    let listed = app.json_as(&browser, "/api/v1/auth/sessions").await;
    let methods: Vec<(bool, String)> = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["current"] == true,
                s["signInMethod"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        methods.contains(&(true, "password+totp".to_owned())),
        "{methods:?}"
    );
    assert!(
        methods.contains(&(false, "password".to_owned())),
        "{methods:?}"
    );
    // The challenge is spent, and the code was used.
    let again = verify(&app, &browser, json!({ "code": next })).await;
    assert_eq!(error_code(again).await.0, 401);
    let another = challenged(&app, "totp@example.com").await;
    let reused = verify(&app, &another, json!({ "code": next })).await;
    assert_eq!(error_code(reused).await.1, "INVALID_CODE");

    let actions = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::audit_log as a;
            a::table
                .filter(a::action.like("user.two_factor%"))
                .select(a::action)
                .load_on::<String>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(actions, ["user.two_factor_enabled"]);
}

crate::on_both_backends!(five_wrong_codes_void_the_challenge_and_recovery_codes_work_once);

async fn five_wrong_codes_void_the_challenge_and_recovery_codes_work_once(app: TestApp) {
    let (secret, _) = enrolled(&app, "recover@example.com").await;
    let browser = challenged(&app, "recover@example.com").await;
    // The password counted as this address's first try on the account (a right one
    // with the code still to come forgets nothing), each code as one more: the fifth
    // try is the last, and the sixth is refused before it is checked.
    for _ in 0..4 {
        let wrong = verify(&app, &browser, json!({ "code": code(&secret, -300) })).await;
        assert_eq!(error_code(wrong).await.1, "INVALID_CODE");
    }
    let refused = verify(&app, &browser, json!({ "code": code(&secret, 30) })).await;
    assert_eq!(
        error_code(refused).await.1,
        "RATE_LIMITED",
        "the address has had its five tries for this account"
    );
    let limited = app.attempt_login("recover@example.com", PASSWORD).await;
    assert_eq!(error_code(limited).await.1, "RATE_LIMITED");
    // Each wrong code is audited with where it was given.
    assert_eq!(
        app.audit_details("user.second_factor_failed").await,
        vec![Some(r#"{"step":"sign_in","factor":"totp"}"#.to_owned()); 4]
    );

    // Another account: a recovery code, typed carelessly, works once.
    let (_, codes) = enrolled(&app, "recover2@example.com").await;
    let typed = format!(" {} ", codes[0].to_uppercase().replace('-', " "));
    let browser = challenged(&app, "recover2@example.com").await;
    let passed = verify(&app, &browser, json!({ "recoveryCode": typed })).await;
    assert_eq!(passed.status(), 200);
    assert_eq!(app.me_status(&browser).await, 200);
    let browser = challenged(&app, "recover2@example.com").await;
    let spent = verify(&app, &browser, json!({ "recoveryCode": codes[0] })).await;
    assert_eq!(error_code(spent).await.1, "INVALID_CODE");

    // New codes: the old ones stop working.
    let renewed = app
        .post(
            "/api/v1/auth/two-factor/recovery-codes",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(renewed.status(), 200);
    let renewed: Value = renewed.json().await.unwrap();
    let fresh = renewed["recoveryCodes"][0].as_str().unwrap().to_owned();
    let old = verify(&app, &browser, json!({ "recoveryCode": codes[1] })).await;
    assert_eq!(error_code(old).await.1, "INVALID_CODE");
    let new = verify(&app, &browser, json!({ "recoveryCode": fresh })).await;
    assert_eq!(new.status(), 200);

    // Off: the password is needed, then a login signs in at once.
    let wrong = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "password": "not it at all" }),
        )
        .await;
    assert_eq!(error_code(wrong).await.1, "INVALID_PASSWORD");
    let off = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(off.status(), 200);
    let off: Value = off.json().await.unwrap();
    assert_eq!(off["user"]["twoFactorEnabled"], false);
    let direct = app.attempt_login("recover2@example.com", PASSWORD).await;
    assert_eq!(direct.status(), 200);
    let body: Value = direct.json().await.unwrap();
    assert_eq!(body["user"]["email"], "recover2@example.com");

    let actions = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::audit_log as a;
            a::table
                .filter(a::action.like("user.%"))
                .filter(a::action.ne("user.login"))
                .filter(a::action.ne("user.signup"))
                .order(a::id.asc())
                .select(a::action)
                .load_on::<String>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        actions,
        [
            "user.two_factor_enabled",
            "user.second_factor_failed",
            "user.second_factor_failed",
            "user.second_factor_failed",
            "user.second_factor_failed",
            "user.two_factor_enabled",
            "user.recovery_code_used",
            "user.second_factor_failed",
            "user.recovery_codes_renewed",
            "user.second_factor_failed",
            "user.recovery_code_used",
            "user.two_factor_disabled"
        ]
    );
}

crate::on_both_backends!(bearer_clients_finish_at_token_two_factor);

async fn bearer_clients_finish_at_token_two_factor(app: TestApp) {
    let (secret, _) = enrolled(&app, "bearer2fa@example.com").await;
    let answer = client()
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({ "email": "bearer2fa@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["twoFactorRequired"], true);
    assert!(answer.get("token").is_none());
    let challenge = answer["challenge"].as_str().unwrap().to_owned();
    // Malformed second steps are named, not guessed at.
    for bad in [
        json!({ "code": code(&secret, 30) }),
        json!({ "challenge": challenge }),
        json!({ "challenge": challenge, "code": "123456", "recoveryCode": "abcde-fghjk" }),
    ] {
        let refused = client()
            .post(app.url("/api/v1/auth/token/two-factor"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(refused).await.1, "VALIDATION_ERROR", "{bad}");
    }
    let unknown = client()
        .post(app.url("/api/v1/auth/token/two-factor"))
        .json(&json!({ "challenge": "not-a-challenge", "code": code(&secret, 30) }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(unknown).await.0, 401);
    // A browser's step does not take a bearer challenge.
    let as_cookie = client()
        .post(app.url("/api/v1/auth/two-factor/verify"))
        .header("Origin", crate::helpers::FRONTEND)
        .header("Cookie", format!("two_factor={challenge}"))
        .json(&json!({ "code": code(&secret, 30) }))
        .send()
        .await
        .unwrap();
    assert_eq!(as_cookie.status(), 401);
    let pair = client()
        .post(app.url("/api/v1/auth/token/two-factor"))
        .json(&json!({ "challenge": challenge, "code": code(&secret, 30) }))
        .send()
        .await
        .unwrap();
    assert_eq!(pair.status(), 200);
    let pair: Value = pair.json().await.unwrap();
    let me = client()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(pair["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let again = client()
        .post(app.url("/api/v1/auth/token/two-factor"))
        .json(&json!({ "challenge": challenge, "code": code(&secret, 30) }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    let methods = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions as s;
            s::table
                .filter(s::kind.eq("bearer"))
                .select(s::sign_in_method)
                .load_on::<Option<String>>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(methods, [Some("password+totp".to_owned())]);
}

crate::on_both_backends!(the_secret_is_sealed_and_recovery_codes_hashed);

async fn the_secret_is_sealed_and_recovery_codes_hashed(app: TestApp) {
    let (secret, codes) = enrolled(&app, "stored@example.com").await;
    let base32 = totp::base32(&secret).unwrap();
    let (sealed, hashes) = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::{recovery_codes as r, two_factor_secrets as t};
            let sealed: Option<String> = t::table.select(t::secret_sealed).first_on(conn).unwrap();
            let hashes: Vec<String> = r::table.select(r::code_hash).load_on(conn).unwrap();
            (sealed.unwrap(), hashes)
        })
        .await;
    assert!(
        !sealed.contains(&base32),
        "the secret is not stored in the clear"
    );
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let bare = code.replace('-', "");
        let unsalted = sekisho::crypto::tokens::hash_secret(&bare);
        assert!(
            hashes
                .iter()
                .all(|h| h.starts_with("argon2id:") && h.len() == 9 + 64),
            "{hashes:?}"
        );
        assert!(
            !hashes.iter().any(|h| h.contains(&bare) || *h == unsalted),
            "neither in the clear nor as an unsalted SHA-256: {hashes:?}"
        );
    }
}

crate::on_both_backends!(recovery_codes_stored_the_old_way_still_work_once);

/// Codes stored before the salted hash (an unsalted SHA-256) are accepted until they
/// are used.
async fn recovery_codes_stored_the_old_way_still_work_once(app: TestApp) {
    let user = app.signup("legacy@example.com").await;
    app.enable_totp(&app.client, PASSWORD).await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::recovery_codes as r;
        let old = sekisho::crypto::tokens::hash_secret("abcde12345");
        diesel::insert_into(r::table)
            .values((
                r::code_hash.eq(old),
                r::user_id.eq(user_id),
                r::created_at.eq(sekisho::db::now()),
                r::used_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute_on(conn)
            .unwrap();
    })
    .await;
    let browser = challenged(&app, "legacy@example.com").await;
    let passed = verify(&app, &browser, json!({ "recoveryCode": "ABCDE-12345" })).await;
    assert_eq!(passed.status(), 200);
    let browser = challenged(&app, "legacy@example.com").await;
    let again = verify(&app, &browser, json!({ "recoveryCode": "abcde-12345" })).await;
    assert_eq!(error_code(again).await.1, "INVALID_CODE", "used once");
}

crate::on_both_databases!(
    each_change_is_mailed_to_the_user,
    a_new_secret_key_leaves_the_recovery_codes,
);

/// Turning the factor on and off, a recovery code spent and new codes each send the
/// user a notice that links to the app's settings.
async fn each_change_is_mailed_to_the_user(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    let (_, codes) = enrolled(&app, "notified@example.com").await;
    let browser = challenged(&app, "notified@example.com").await;
    let passed = verify(&app, &browser, json!({ "recoveryCode": codes[0] })).await;
    assert_eq!(passed.status(), 200);
    let renewed = app
        .post(
            "/api/v1/auth/two-factor/recovery-codes",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(renewed.status(), 200);
    let off = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(off.status(), 200);
    let expected = [
        "Subject: Two-step verification is on",
        "Subject: A recovery code was used",
        "Subject: New recovery codes",
        "Subject: Two-step verification is off",
    ];
    for _ in 0..100 {
        let mails = smtp.all_decoded();
        if expected
            .iter()
            .all(|subject| mails.iter().any(|m| m.contains(subject)))
        {
            for mail in mails
                .iter()
                .filter(|m| m.contains("Subject: ") && !m.contains("verify-email"))
            {
                assert!(mail.contains("http://localhost:3000/settings"), "{mail}");
                assert!(mail.contains("notified@example.com"), "{mail}");
            }
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not every notice arrived: {:?}", smtp.all_decoded());
}

/// docs/second-factors-and-passkeys.md's promise: a new SECRET_KEY makes the sealed TOTP secret unreadable
/// (its codes are refused, never a 500), and the recovery codes, hashed without the
/// key, still sign the user in.
async fn a_new_secret_key_leaves_the_recovery_codes(db: TestDb) {
    let before = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    let (secret, codes) = enrolled(&before, "rekeyed@example.com").await;
    let after = TestApp::spawn_on(
        db,
        &[(
            "SECRET_KEY",
            "a-brand-new-secret-key-that-is-long-enough-42",
        )],
    )
    .await;
    let browser = challenged(&after, "rekeyed@example.com").await;
    let refused = verify(&after, &browser, json!({ "code": code(&secret, 30) })).await;
    assert_eq!(
        error_code(refused).await,
        (reqwest::StatusCode::BAD_REQUEST, "INVALID_CODE".into())
    );
    let passed = verify(&after, &browser, json!({ "recoveryCode": codes[0] })).await;
    assert_eq!(passed.status(), 200);
    assert_eq!(after.me_status(&browser).await, 200);
}

crate::on_both_backends!(
    an_account_without_a_password_proves_itself_with_a_code,
    a_set_up_secret_waits_fifteen_minutes,
    a_user_disabled_during_the_code_step_is_not_signed_in,
);

/// A user who signed up with a provider has no password: a current code is the proof
/// for new recovery codes and for turning the factor off; a wrong one is INVALID_CODE.
async fn an_account_without_a_password_proves_itself_with_a_code(app: TestApp) {
    let renewing = without_password(&app, "no-password@example.com").await;
    let neither = app
        .post("/api/v1/auth/two-factor/recovery-codes", json!({}))
        .await;
    assert_eq!(error_code(neither).await.1, "VALIDATION_ERROR");
    let wrong = app
        .post(
            "/api/v1/auth/two-factor/recovery-codes",
            json!({ "code": code(&renewing, -600) }),
        )
        .await;
    assert_eq!(error_code(wrong).await.1, "INVALID_CODE");
    // The enabling code's step is spent: the next step's code is the proof.
    let renewed = app
        .post(
            "/api/v1/auth/two-factor/recovery-codes",
            json!({ "code": code(&renewing, 30) }),
        )
        .await;
    assert_eq!(renewed.status(), 200);
    let renewed: Value = renewed.json().await.unwrap();
    assert_eq!(renewed["recoveryCodes"].as_array().unwrap().len(), 10);
    let reused = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "code": code(&renewing, 30) }),
        )
        .await;
    assert_eq!(
        error_code(reused).await.1,
        "INVALID_CODE",
        "a code works once"
    );

    // Another such user turns the factor off with a code.
    let app = TestApp {
        client: client(),
        ..app
    };
    let turning_off = without_password(&app, "no-password-2@example.com").await;
    let off = app
        .post(
            "/api/v1/auth/two-factor/disable",
            json!({ "code": code(&turning_off, 30) }),
        )
        .await;
    assert_eq!(off.status(), 200);
    let off: Value = off.json().await.unwrap();
    assert_eq!(off["user"]["twoFactorEnabled"], false);
}

/// Signs `email` up on the app's client, turns the factor on, then drops the password
/// (as for an account made by a provider sign-in); the TOTP secret.
async fn without_password(app: &TestApp, email: &str) -> Vec<u8> {
    app.signup(email).await;
    let enrolled = app.enable_totp(&app.client, PASSWORD).await;
    app.drop_password(email).await;
    enrolled.secret
}

/// The first code must come within fifteen minutes of the set-up.
async fn a_set_up_secret_waits_fifteen_minutes(app: TestApp) {
    let user = app.signup("slow@example.com").await;
    let setup: Value = app
        .post(
            "/api/v1/auth/two-factor/setup",
            json!({ "password": PASSWORD }),
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = totp::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let user_id = user["id"].as_str().unwrap().to_owned();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::two_factor_secrets as s;
        let long_ago = sekisho::db::now() - chrono::TimeDelta::minutes(16);
        sekisho::db::update(s::table.find(&user_id), s::pending_at.eq(long_ago))
            .execute_on(conn)
            .unwrap();
    })
    .await;
    let late = app
        .post(
            "/api/v1/auth/two-factor/enable",
            json!({ "code": code(&secret, 0) }),
        )
        .await;
    assert_eq!(
        error_code(late).await,
        (reqwest::StatusCode::BAD_REQUEST, "VALIDATION_ERROR".into())
    );
    let me: Value = app.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["user"]["twoFactorEnabled"], false);
}

/// An operator disables the account between the password and the code: the right code
/// then signs no one in.
async fn a_user_disabled_during_the_code_step_is_not_signed_in(app: TestApp) {
    let (secret, _) = enrolled(&app, "banned-midway@example.com").await;
    let browser = challenged(&app, "banned-midway@example.com").await;
    app.disable_user("banned-midway@example.com").await;
    let refused = verify(&app, &browser, json!({ "code": code(&secret, 30) })).await;
    assert_eq!(
        error_code(refused).await,
        (reqwest::StatusCode::FORBIDDEN, "ACCOUNT_DISABLED".into())
    );
    assert_eq!(app.me_status(&browser).await, 401);
}

/// What a second step can spend or make, for the user: live sessions, the answers
/// claimed against live challenges, the code's last accepted step, unused recovery
/// codes.
async fn second_step_state(app: &TestApp, email: &str) -> (i64, Vec<i32>, Option<i64>, i64) {
    let email = email.to_owned();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::{
            recovery_codes, sessions, single_use_tokens as challenges, two_factor_secrets,
        };
        let user = sekisho::db::users::find_by_email(conn, &email)
            .unwrap()
            .unwrap()
            .id;
        let live_sessions: i64 = sessions::table
            .filter(sessions::user_id.eq(&user))
            .filter(sessions::revoked_at.is_null())
            .count()
            .get_result_on(conn)
            .unwrap();
        let answers: Vec<i32> = challenges::table
            .filter(challenges::kind.like("two_factor_%"))
            .filter(challenges::user_id.eq(&user))
            .select(challenges::answers)
            .load_on(conn)
            .unwrap();
        let last_step: Option<i64> = two_factor_secrets::table
            .find(&user)
            .select(two_factor_secrets::last_step)
            .first_on(conn)
            .unwrap();
        let unused_codes: i64 = recovery_codes::table
            .filter(recovery_codes::user_id.eq(&user))
            .filter(recovery_codes::used_at.is_null())
            .count()
            .get_result_on(conn)
            .unwrap();
        (live_sessions, answers, last_step, unused_codes)
    })
    .await
}

crate::on_both_backends!(a_second_step_whose_session_fails_spends_nothing);

/// The answer and the session commit together: when the transaction dies between
/// them (here: the session's insert fails), the challenge, the code's step and the
/// recovery code are as they were and no session exists, so the same answer works
/// once the failure is gone. Done for a browser's code and a bearer client's
/// recovery code.
async fn a_second_step_whose_session_fails_spends_nothing(app: TestApp) {
    let email = "atomic@example.com";
    let (secret, recovery_codes) = enrolled(&app, email).await;
    let browser = challenged(&app, email).await;
    let before = second_step_state(&app, email).await;
    assert_eq!(before.1, [0], "one challenge, no answer claimed yet");

    app.sessions_refused(true).await;
    let answer = code(&secret, 30);
    let killed = verify(&app, &browser, json!({ "code": answer })).await;
    assert_eq!(killed.status(), 500);
    assert_eq!(
        second_step_state(&app, email).await,
        before,
        "nothing committed"
    );

    app.sessions_refused(false).await;
    let passed = verify(&app, &browser, json!({ "code": answer })).await;
    assert_eq!(
        passed.status(),
        200,
        "the same code, once the failure is gone"
    );
    let after = second_step_state(&app, email).await;
    assert_eq!(after.0, before.0 + 1, "one session more");
    assert!(after.1.is_empty(), "the challenge is spent");
    assert!(after.2 > before.2, "the code's step is claimed");

    // A bearer client's recovery code, the same way.
    let token = app
        .post_with(
            &client(),
            "/api/v1/auth/token",
            json!({ "email": email, "password": PASSWORD }),
        )
        .await;
    let challenge = token.json::<Value>().await.unwrap()["challenge"]
        .as_str()
        .expect("a bearer challenge")
        .to_owned();
    let before = second_step_state(&app, email).await;
    let bearer = client();
    let finish = || {
        app.post_with(
            &bearer,
            "/api/v1/auth/token/two-factor",
            json!({ "challenge": challenge, "recoveryCode": recovery_codes[0] }),
        )
    };
    app.sessions_refused(true).await;
    assert_eq!(finish().await.status(), 500);
    assert_eq!(
        second_step_state(&app, email).await,
        before,
        "nothing committed"
    );
    app.sessions_refused(false).await;
    let pair = finish().await;
    assert_eq!(pair.status(), 200);
    assert!(pair.json::<Value>().await.unwrap()["refreshToken"].is_string());
    let after = second_step_state(&app, email).await;
    assert_eq!(after.0, before.0 + 1);
    assert_eq!(after.3, before.3 - 1, "one recovery code spent");
}
