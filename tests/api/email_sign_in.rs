//! Sign-in by email: a mail with a link and a six-digit code (10 minutes, either one
//! once, five wrong codes void it), the same answer whatever the address, accounts
//! made verified (or not at all), the second factor still asked, an unproven account
//! taken over, and the link mailed by one instance used on another.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::smtp::{decoded, link_to};
use crate::helpers::{PASSWORD, SmtpListener, TestApp, TestDb, client, envelope, two_factor};

crate::on_both_databases!(
    a_link_mailed_by_one_instance_signs_in_on_another,
    a_code_signs_in_and_five_wrong_ones_void_it,
    the_answer_is_the_same_whatever_the_address,
    the_second_factor_is_still_asked,
    an_account_never_proven_is_taken_over,
    without_account_creation_an_unknown_address_gets_nothing,
);

/// The n-th sign-in mail (1-based) to `to`: its link and its code.
async fn sign_in_mail(smtp: &SmtpListener, to: &str, n: usize) -> (String, String) {
    for _ in 0..100 {
        let mails: Vec<String> = smtp
            .mails_to("sign-in/email")
            .into_iter()
            .filter(|m| m.contains(&format!("To: {to}")))
            .collect();
        if let Some(mail) = mails.get(n - 1) {
            let link = link_to(mail, "sign-in/email").expect("a sign-in link");
            let text = decoded(mail);
            let after = text
                .split_once("Or enter this code:")
                .expect("a code in the mail")
                .1;
            let code: String = after
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            assert_eq!(code.len(), 6, "{text}");
            return (link, code);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("sign-in mail {n} to {to} did not arrive");
}

fn token_in(link: &str) -> String {
    let url = url::Url::parse(link).unwrap();
    url.query_pairs()
        .find(|(name, _)| name == "token")
        .map(|(_, value)| value.into_owned())
        .expect("a token")
}

async fn ask(app: &TestApp, browser: &reqwest::Client, body: Value) -> reqwest::Response {
    app.post_with(browser, "/api/v1/auth/sign-in/email", body)
        .await
}

async fn verify(app: &TestApp, browser: &reqwest::Client, body: Value) -> reqwest::Response {
    app.post_with(browser, "/api/v1/auth/sign-in/email/verify", body)
        .await
}

async fn sign_in_method(app: &TestApp, browser: &reqwest::Client) -> Value {
    let sessions = app.json_as(browser, "/api/v1/auth/sessions").await;
    sessions["sessions"][0]["signInMethod"].clone()
}

async fn a_link_mailed_by_one_instance_signs_in_on_another(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let shared = TestDb::reuse(&db);
    let first = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    let second = TestApp::spawn_with_smtp(shared, &smtp, &[]).await;

    let asked = ask(
        &first,
        &client(),
        json!({ "email": "Newcomer@Example.com", "callbackURL": "/dashboard" }),
    )
    .await;
    assert_eq!(asked.status(), 200);
    let (link, code) = sign_in_mail(&smtp, "newcomer@example.com", 1).await;
    assert!(
        link.starts_with("http://localhost:3000/sign-in/email?token="),
        "{link}"
    );
    assert!(
        link.contains("callbackURL=http%3A%2F%2Flocalhost%3A3000%2Fdashboard"),
        "{link}"
    );

    let browser = client();
    let signed_in = verify(&second, &browser, json!({ "token": token_in(&link) })).await;
    assert_eq!(signed_in.status(), 200);
    assert!(
        signed_in.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("access_token=")
    );
    let body: Value = signed_in.json().await.unwrap();
    assert_eq!(body["user"]["email"], "newcomer@example.com");
    assert_eq!(body["user"]["emailVerified"], true);
    assert_eq!(first.me_status(&browser).await, 200);
    assert_eq!(sign_in_method(&first, &browser).await, "magic_link");
    let signups = first.audit_details("user.signup").await;
    assert!(
        signups
            .last()
            .unwrap()
            .as_deref()
            .unwrap()
            .contains("magic_link"),
        "{signups:?}"
    );

    // Either one once: the link again, and the same mail's code, are spent.
    let again = verify(&first, &client(), json!({ "token": token_in(&link) })).await;
    envelope(again, StatusCode::BAD_REQUEST, "INVALID_TOKEN").await;
    let code_too = verify(
        &first,
        &client(),
        json!({ "email": "newcomer@example.com", "code": code }),
    )
    .await;
    envelope(code_too, StatusCode::BAD_REQUEST, "INVALID_CODE").await;

    // A callback on another origin is refused before anything is mailed.
    let foreign = ask(
        &first,
        &client(),
        json!({ "email": "newcomer@example.com", "callbackURL": "https://evil.example/x" }),
    )
    .await;
    envelope(foreign, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
}

async fn a_code_signs_in_and_five_wrong_ones_void_it(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    app.signup("coder@example.com").await;
    app.mark_verified("coder@example.com").await;
    assert_eq!(
        ask(&app, &client(), json!({ "email": "coder@example.com" }))
            .await
            .status(),
        200
    );
    let (_, code) = sign_in_mail(&smtp, "coder@example.com", 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        let refused = verify(
            &app,
            &client(),
            json!({ "email": "coder@example.com", "code": wrong }),
        )
        .await;
        envelope(refused, StatusCode::BAD_REQUEST, "INVALID_CODE").await;
    }
    let browser = client();
    let signed_in = verify(
        &app,
        &browser,
        json!({ "email": "coder@example.com", "code": code, "rememberMe": false }),
    )
    .await;
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !cookie.contains("Max-Age"),
        "rememberMe false: a browser-session cookie: {cookie}"
    );
    assert_eq!(sign_in_method(&app, &browser).await, "email_code");
    // A proven account is the same account: its password still works.
    assert_eq!(
        app.attempt_login("coder@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    // Five wrong codes void the mail: its right code and its link too.
    app.signup("guessed@example.com").await;
    assert_eq!(
        ask(&app, &client(), json!({ "email": "guessed@example.com" }))
            .await
            .status(),
        200
    );
    let (link, code) = sign_in_mail(&smtp, "guessed@example.com", 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let refused = verify(
            &app,
            &client(),
            json!({ "email": "guessed@example.com", "code": wrong }),
        )
        .await;
        envelope(refused, StatusCode::BAD_REQUEST, "INVALID_CODE").await;
    }
    let late = verify(
        &app,
        &client(),
        json!({ "email": "guessed@example.com", "code": code }),
    )
    .await;
    envelope(late, StatusCode::BAD_REQUEST, "INVALID_CODE").await;
    // The link is still one use of the same mail: five wrong codes do not spend it
    // (the link is 256 bits; the codes are what can be guessed).
    let by_link = verify(&app, &client(), json!({ "token": token_in(&link) })).await;
    assert_eq!(by_link.status(), 200);

    for bad in [
        json!({ "email": "guessed@example.com", "code": "12345" }),
        json!({ "email": "guessed@example.com" }),
        json!({ "code": "123456" }),
        json!({}),
    ] {
        let refused = verify(&app, &client(), bad.clone()).await;
        envelope(refused, StatusCode::BAD_REQUEST, "VALIDATION_ERROR").await;
    }
}

async fn the_answer_is_the_same_whatever_the_address(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    app.signup("known@example.com").await;
    app.signup("banned@example.com").await;
    app.disable_user("banned@example.com").await;
    let mut answers = Vec::new();
    for email in [
        "unknown@example.com",
        "known@example.com",
        "banned@example.com",
    ] {
        let answer = ask(&app, &client(), json!({ "email": email })).await;
        assert_eq!(answer.status(), 200);
        answers.push(answer.text().await.unwrap());
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let forgot = app
        .post_with(
            &client(),
            "/api/v1/auth/forgot-password",
            json!({ "email": "known@example.com" }),
        )
        .await;
    assert_eq!(forgot.status(), 200);

    // The disabled account's mail signs nobody in.
    let (_, code) = sign_in_mail(&smtp, "banned@example.com", 1).await;
    let refused = verify(
        &app,
        &client(),
        json!({ "email": "banned@example.com", "code": code }),
    )
    .await;
    envelope(refused, StatusCode::FORBIDDEN, "ACCOUNT_DISABLED").await;

    // One mail per address a minute: a second request sends nothing more.
    assert_eq!(
        ask(&app, &client(), json!({ "email": "known@example.com" }))
            .await
            .status(),
        200
    );
    sign_in_mail(&smtp, "known@example.com", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let to_known = smtp
        .mails_to("sign-in/email")
        .iter()
        .filter(|m| m.contains("To: known@example.com"))
        .count();
    assert_eq!(to_known, 1);
}

async fn the_second_factor_is_still_asked(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    app.signup("careful@example.com").await;
    app.mark_verified("careful@example.com").await;
    let enrolled = app.enable_totp(&app.client, PASSWORD).await;
    assert_eq!(
        ask(&app, &client(), json!({ "email": "careful@example.com" }))
            .await
            .status(),
        200
    );
    let (link, _) = sign_in_mail(&smtp, "careful@example.com", 1).await;
    let browser = client();
    let first = verify(&app, &browser, json!({ "token": token_in(&link) })).await;
    assert_eq!(first.status(), 200);
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("two_factor="), "{cookie}");
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["twoFactorRequired"], true);
    assert_eq!(app.me_status(&browser).await, 401, "no session yet");
    let second = app
        .post_with(
            &browser,
            "/api/v1/auth/two-factor/verify",
            json!({ "code": two_factor::code(&enrolled.secret, 30) }),
        )
        .await;
    assert_eq!(second.status(), 200);
    assert_eq!(app.me_status(&browser).await, 200);
    assert_eq!(sign_in_method(&app, &browser).await, "magic_link+totp");
}

/// Someone signed up with the owner's address and never proved it: the owner's sign-in
/// by email takes the account over, and the stranger's password no longer works.
async fn an_account_never_proven_is_taken_over(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    let squatter = app.signup("owner@example.com").await;
    assert_eq!(squatter["emailVerified"], false);
    assert_eq!(
        ask(&app, &client(), json!({ "email": "owner@example.com" }))
            .await
            .status(),
        200
    );
    let (_, code) = sign_in_mail(&smtp, "owner@example.com", 1).await;
    let owner = client();
    let signed_in = verify(
        &app,
        &owner,
        json!({ "email": "owner@example.com", "code": code }),
    )
    .await;
    assert_eq!(signed_in.status(), 200);
    let body: Value = signed_in.json().await.unwrap();
    assert_eq!(body["user"]["id"], squatter["id"]);
    assert_eq!(body["user"]["emailVerified"], true);
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "the squatter's session ended"
    );
    assert_eq!(
        app.attempt_login("owner@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(app.me_status(&owner).await, 200);
    let reclaimed = app.audit_details("user.account_reclaimed").await;
    assert_eq!(reclaimed.len(), 1);
    assert!(reclaimed[0].as_deref().unwrap().contains("\"email\""));
}

async fn without_account_creation_an_unknown_address_gets_nothing(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app =
        TestApp::spawn_with_smtp(db, &smtp, &[("EMAIL_SIGN_IN_CREATES_USERS", "false")]).await;
    app.signup("member@example.com").await;
    assert_eq!(
        ask(&app, &client(), json!({ "email": "stranger@example.com" }))
            .await
            .status(),
        200
    );
    assert_eq!(
        ask(&app, &client(), json!({ "email": "member@example.com" }))
            .await
            .status(),
        200
    );
    sign_in_mail(&smtp, "member@example.com", 1).await;
    assert!(
        smtp.mails_to("sign-in/email")
            .iter()
            .all(|m| !m.contains("To: stranger@"))
    );
    let refused = verify(
        &app,
        &client(),
        json!({ "email": "stranger@example.com", "code": "123456" }),
    )
    .await;
    envelope(refused, StatusCode::BAD_REQUEST, "INVALID_CODE").await;

    let off =
        TestApp::spawn_with_smtp(TestDb::reuse(&app.db), &smtp, &[("EMAIL_SIGN_IN", "false")])
            .await;
    let gone = ask(&off, &client(), json!({ "email": "member@example.com" })).await;
    envelope(gone, StatusCode::NOT_FOUND, "NOT_FOUND").await;
}
