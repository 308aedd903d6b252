//! Social sign-in against a provider the tests control: the happy path, every refusal
//! the issue names (each a redirect with its code and no session), linking rules,
//! unlinking, key rotation, discovery retried, and Google's authorization URL.

use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::oidc::{CLIENT_ID, FakeProvider, Plan};
use crate::helpers::{
    FRONTEND, PASSWORD, TestApp, TestDb, client, error_code, reset_link, token_of,
};

crate::on_both_databases!(
    a_first_sign_in_creates_a_verified_user_with_an_ordinary_session,
    refused_callbacks_redirect_with_their_code_and_no_session,
    an_email_joins_an_existing_account_only_when_the_provider_vouches,
    the_last_way_to_sign_in_cannot_be_unlinked,
    refusals_after_the_provider_answered_leave_no_user_and_no_session,
    a_look_alike_address_never_joins_another_account,
    a_user_with_a_second_factor_gives_it_after_the_provider,
);

pub(crate) async fn spawn(db: TestDb, provider: &FakeProvider, extra: &[(&str, &str)]) -> TestApp {
    let env = provider.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend_from_slice(extra);
    let app = TestApp::spawn_on(db, &vars).await;
    wait_for_providers(&app, 1).await;
    app
}

pub(crate) async fn wait_for_providers(app: &TestApp, count: usize) -> Value {
    for _ in 0..100 {
        let body: Value = app
            .get("/api/v1/auth/providers")
            .await
            .json()
            .await
            .unwrap();
        if body["providers"].as_array().unwrap().len() >= count {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{count} providers were not ready within 10 s");
}

/// Starts a sign-in on `browser` and lets it go to the provider; returns the URL the
/// provider sends the browser back to (our callback, with code and state).
pub(crate) async fn to_provider_and_back(
    app: &TestApp,
    browser: &reqwest::Client,
    provider: &FakeProvider,
    plan: Plan,
) -> String {
    provider.plan(plan);
    let started = app
        .post_with(
            browser,
            "/api/v1/auth/sign-in/social",
            json!({ "provider": "acme", "callbackURL": "/dashboard", "errorCallbackURL": "/login?next=%2Fdashboard" }),
        )
        .await;
    assert_eq!(started.status(), 200);
    let pending = started
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("access_token_oauth="))
        .expect("the binding cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/api/v1/auth/callback",
        "Max-Age=600",
    ] {
        assert!(pending.contains(attribute), "{pending}");
    }
    let body: Value = started.json().await.unwrap();
    assert_eq!(body["redirect"], true);
    let at_provider = browser
        .get(body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(at_provider.status(), 302);
    location(&at_provider)
}

pub(crate) fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location")
        .to_str()
        .unwrap()
        .to_owned()
}

pub(crate) fn sets_session(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("access_token="))
}

pub(crate) async fn callback(browser: &reqwest::Client, url: &str) -> reqwest::Response {
    browser.get(url).send().await.unwrap()
}

/// The whole round: start, the provider's answer, and the callback's response.
pub(crate) async fn sign_in(
    app: &TestApp,
    browser: &reqwest::Client,
    provider: &FakeProvider,
    plan: Plan,
) -> reqwest::Response {
    let back = to_provider_and_back(app, browser, provider, plan).await;
    callback(browser, &back).await
}

async fn a_first_sign_in_creates_a_verified_user_with_an_ordinary_session(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[]).await;
    let listed = wait_for_providers(&app, 1).await;
    assert_eq!(
        listed,
        json!({ "providers": [{ "id": "acme", "name": "ACME" }] })
    );

    let browser = client();
    let back = to_provider_and_back(
        &app,
        &browser,
        &provider,
        Plan::person("acme-1", "New.Person@Example.com"),
    )
    .await;
    // The authorization request: code flow, PKCE S256, state, nonce, our redirect URI.
    let asked = provider.last_authorization();
    assert_eq!(asked["response_type"], "code");
    assert_eq!(asked["client_id"], CLIENT_ID);
    assert_eq!(asked["scope"], "openid email profile");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert!(asked["code_challenge"].len() >= 43);
    assert!(asked["state"].len() >= 16 && asked["nonce"].len() >= 16);
    assert_eq!(asked["redirect_uri"], app.url("/api/v1/auth/callback/acme"));

    let done = callback(&browser, &back).await;
    assert_eq!(done.status(), 302);
    assert_eq!(location(&done), format!("{FRONTEND}/dashboard"));
    assert!(sets_session(&done));
    let me: Value = app.json_as(&browser, "/api/v1/auth/me").await;
    assert_eq!(me["user"]["email"], "new.person@example.com");
    assert_eq!(me["user"]["emailVerified"], true);
    assert_eq!(me["user"]["name"], "Acme Person");
    assert_eq!(me["user"]["image"], "https://acme.example/acme-1.png");

    let accounts: Value = app.json_as(&browser, "/api/v1/auth/accounts").await;
    assert_eq!(accounts["accounts"][0]["provider"], "acme");
    assert_eq!(accounts["accounts"][0]["email"], "New.Person@Example.com");

    // An ordinary browser session, in the list and the audit log.
    let sessions: Value = app.json_as(&browser, "/api/v1/auth/sessions").await;
    assert_eq!(sessions["sessions"][0]["kind"], "browser");
    let audit: Vec<(String, Option<String>)> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::audit_log as a;
            a::table
                .select((a::action, a::details))
                .load_on(conn)
                .unwrap()
        })
        .await;
    assert!(
        audit.contains(&(
            "user.login".into(),
            Some(r#"{"method":"provider:acme"}"#.into())
        )),
        "{audit:?}"
    );
    assert!(
        audit.contains(&(
            "user.signup".into(),
            Some(r#"{"method":"provider:acme"}"#.into())
        )),
        "{audit:?}"
    );

    // No password: password login is the usual INVALID_CREDENTIALS.
    let login = app.attempt_login("new.person@example.com", PASSWORD).await;
    assert_eq!(error_code(login).await.1, "INVALID_CREDENTIALS");

    // The same identity again signs in the same user; the binding row is gone.
    let again = client();
    let done = sign_in(
        &app,
        &again,
        &provider,
        Plan::person("acme-1", "new.person@example.com"),
    )
    .await;
    assert!(sets_session(&done));
    let users: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::{single_use_tokens as p, users as u};
            let pending = p::table.filter(p::kind.eq("social_sign_in"));
            assert_eq!(pending.count().get_result_on::<i64>(conn).unwrap(), 0);
            u::table.count().get_result_on(conn).unwrap()
        })
        .await;
    assert_eq!(users, 1);

    // Keys rotated at the provider: an unknown `kid` makes the server fetch them again.
    provider.rotate_keys();
    let rotated = client();
    let mut plan = Plan::person("acme-1", "new.person@example.com");
    plan.rotated_key = true;
    let done = sign_in(&app, &rotated, &provider, plan).await;
    assert_eq!(location(&done), format!("{FRONTEND}/dashboard"));

    // A provider that gives the email only at its userinfo endpoint.
    let strict = client();
    let mut plan = Plan::person("acme-userinfo", "userinfo@example.com");
    plan.email_only_in_userinfo = true;
    let back = to_provider_and_back(&app, &strict, &provider, plan).await;
    assert!(sets_session(&callback(&strict, &back).await));
    let me: Value = app.json_as(&strict, "/api/v1/auth/me").await;
    assert_eq!(me["user"]["email"], "userinfo@example.com");
    assert_eq!(me["user"]["emailVerified"], true);
}

async fn refused_callbacks_redirect_with_their_code_and_no_session(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[]).await;
    let refused = |code: &str| format!("{FRONTEND}/login?next=%2Fdashboard&error={code}");
    let person = || Plan::person("acme-2", "second@example.com");

    // Tampered state.
    let browser = client();
    let back = to_provider_and_back(&app, &browser, &provider, person()).await;
    let tampered = back.replace("state=", "state=x");
    let done = callback(&browser, &tampered).await;
    assert_eq!(location(&done), refused("OAUTH_FAILED"));
    assert!(!sets_session(&done));
    assert_eq!(app.me_status(&browser).await, 401);

    // Replay: the same callback twice, the second time after a success. The browser
    // is signed in: it goes on to the app, not to a login page with an error.
    let browser = client();
    let back = to_provider_and_back(&app, &browser, &provider, person()).await;
    assert!(sets_session(&callback(&browser, &back).await));
    let replayed = callback(&browser, &back).await;
    assert_eq!(location(&replayed), format!("{FRONTEND}/"));
    assert!(!sets_session(&replayed));
    assert_eq!(app.me_status(&browser).await, 200);
    // The same replay once signed out is refused as before.
    let logout = app
        .post_with(&browser, "/api/v1/auth/logout", json!({}))
        .await;
    assert_eq!(logout.status(), 200);
    let replayed = callback(&browser, &back).await;
    assert_eq!(
        location(&replayed),
        format!("{FRONTEND}/login?error=OAUTH_FAILED")
    );

    // The callback in a browser that did not start the sign-in (no binding cookie).
    let starter = client();
    let back = to_provider_and_back(&app, &starter, &provider, person()).await;
    let stranger = client();
    let done = callback(&stranger, &back).await;
    assert_eq!(
        location(&done),
        format!("{FRONTEND}/login?error=OAUTH_FAILED")
    );
    assert!(!sets_session(&done));

    // ID tokens the verification refuses: wrong nonce, another audience, expired.
    let tokens_before = provider.token_requests();
    let mut cases = Vec::new();
    let mut wrong_nonce = person();
    wrong_nonce.nonce = Some("not-the-nonce".into());
    cases.push(wrong_nonce);
    let mut other_audience = person();
    other_audience.audience = Some("another-client".into());
    cases.push(other_audience);
    let mut expired = person();
    expired.expires_in = -120;
    cases.push(expired);
    let mut from_tomorrow = person();
    from_tomorrow.issued_in = 24 * 3600;
    from_tomorrow.expires_in = 25 * 3600;
    cases.push(from_tomorrow);
    for plan in cases {
        let browser = client();
        let done = sign_in(&app, &browser, &provider, plan.clone()).await;
        assert_eq!(location(&done), refused("OAUTH_FAILED"), "{plan:?}");
        assert!(!sets_session(&done), "{plan:?}");
        assert_eq!(app.me_status(&browser).await, 401);
    }
    assert_eq!(
        provider.token_requests(),
        tokens_before + 4,
        "each reached the token endpoint"
    );
    // A provider whose clock runs a little ahead is not refused.
    let mut slightly_ahead = person();
    slightly_ahead.issued_in = 30;
    let browser = client();
    let done = sign_in(&app, &browser, &provider, slightly_ahead).await;
    assert!(sets_session(&done), "{}", location(&done));

    // The user declined at the provider.
    let browser = client();
    let back = to_provider_and_back(&app, &browser, &provider, person()).await;
    let declined = format!(
        "{}&error=access_denied",
        back.split("&code=").next().unwrap()
    );
    let done = callback(&browser, &declined).await;
    assert_eq!(location(&done), refused("OAUTH_FAILED"));

    // A disabled account gets the usual refusal.
    app.with_db(|conn| {
        let user = sekisho::db::users::find_by_email(conn, "second@example.com")
            .unwrap()
            .unwrap();
        sekisho::db::users::set_disabled(
            conn,
            &user.id,
            Some(&sekisho::db::users::Ban {
                reason: sekisho::domain::BanReason::Other,
                note: None,
                until: None,
            }),
            sekisho::db::now(),
        )
        .unwrap();
    })
    .await;
    let browser = client();
    let done = sign_in(&app, &browser, &provider, person()).await;
    assert_eq!(location(&done), refused("ACCOUNT_DISABLED"));
    assert!(!sets_session(&done));

    // Start-time refusals: unknown provider, return URLs off the trusted origins.
    for (body, field) in [
        (
            json!({ "provider": "nope", "callbackURL": "/" }),
            "provider",
        ),
        (
            json!({ "provider": "acme", "callbackURL": "https://evil.example.net/" }),
            "callbackURL",
        ),
        (
            json!({ "provider": "acme", "callbackURL": "//evil.example.net/" }),
            "callbackURL",
        ),
        (
            json!({ "provider": "acme", "callbackURL": "/", "errorCallbackURL": "https://evil.example.net/" }),
            "errorCallbackURL",
        ),
        (json!({ "provider": "acme" }), "callbackURL"),
    ] {
        let response = app
            .post_with(&client(), "/api/v1/auth/sign-in/social", body.clone())
            .await;
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "VALIDATION_ERROR");
        assert!(
            error["error"]["details"]["fields"][field].is_string(),
            "{error}"
        );
    }
    // A foreign page cannot start one in the user's browser.
    let foreign = client()
        .post(app.url("/api/v1/auth/sign-in/social"))
        .header("Origin", "https://evil.example.net")
        .json(&json!({ "provider": "acme", "callbackURL": "/" }))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
}

async fn a_look_alike_address_never_joins_another_account(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[]).await;
    app.signup("kate@example.com").await;

    // `Kate@example.com` with a Kelvin sign, vouched for by a provider the attacker
    // runs: it must not become kate@example.com's session, nor a new account.
    let browser = client();
    let done = sign_in(
        &app,
        &browser,
        &provider,
        Plan::person("attacker-1", "\u{212A}ate@example.com"),
    )
    .await;
    assert!(!sets_session(&done), "{}", location(&done));
    assert!(location(&done).contains("error=OAUTH_FAILED"));
    assert_eq!(app.me_status(&browser).await, 401);
    let kate = app.user_id("kate@example.com").await;
    let linked = app
        .with_db(move |conn| sekisho::db::identities::for_user(conn, &kate).unwrap())
        .await;
    assert!(linked.is_empty());

    // The same rule for sign-up, login and reset: a clear 400, never kate's account.
    for address in [
        "\u{212A}ate@example.com",
        "\u{FF4B}ate@example.com",
        "\u{17F}kate@example.com",
    ] {
        for (path, body) in [
            (
                "/api/v1/auth/signup",
                json!({ "email": address, "password": PASSWORD }),
            ),
            (
                "/api/v1/auth/login",
                json!({ "email": address, "password": PASSWORD }),
            ),
            ("/api/v1/auth/forgot-password", json!({ "email": address })),
        ] {
            let response = app.post_with(&client(), path, body).await;
            let body = crate::helpers::envelope(
                response,
                reqwest::StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
            )
            .await;
            assert_eq!(
                body["error"]["details"]["fields"]["email"],
                "must not contain look-alike characters",
                "{path} {address:?}"
            );
        }
    }
}

async fn an_email_joins_an_existing_account_only_when_the_provider_vouches(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[]).await;
    app.signup("owner@example.com").await;
    // The owner proved the address (an unproven one is taken over, not joined: see
    // `takeover`).
    app.mark_verified("owner@example.com").await;

    // Unverified at the provider: not linked.
    let mut unverified = Plan::person("acme-3", "owner@example.com");
    unverified.email_verified = false;
    let browser = client();
    let done = sign_in(&app, &browser, &provider, unverified).await;
    assert_eq!(
        location(&done),
        format!("{FRONTEND}/login?next=%2Fdashboard&error=ACCOUNT_NOT_LINKED")
    );
    assert!(!sets_session(&done));

    // Vouched for: linked to the existing account.
    let browser = client();
    let done = sign_in(
        &app,
        &browser,
        &provider,
        Plan::person("acme-3", "owner@example.com"),
    )
    .await;
    assert!(sets_session(&done));
    let me: Value = app.json_as(&browser, "/api/v1/auth/me").await;
    assert_eq!(me["user"]["email"], "owner@example.com");
    assert_eq!(me["user"]["emailVerified"], true);

    // The password still works; with a password, the identity can be unlinked.
    assert_eq!(
        app.attempt_login("owner@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    let unlinked = browser
        .delete(app.url("/api/v1/auth/accounts/acme"))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(unlinked.status(), 204);
    let gone = browser
        .delete(app.url("/api/v1/auth/accounts/acme"))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    // Signed in, starting a sign-in links another identity to the signed-in user.
    let done = sign_in(
        &app,
        &app.client,
        &provider,
        Plan::person("acme-4", "elsewhere@example.org"),
    )
    .await;
    assert_eq!(location(&done), format!("{FRONTEND}/dashboard"));
    let accounts: Value = app.get("/api/v1/auth/accounts").await.json().await.unwrap();
    assert_eq!(accounts["accounts"][0]["email"], "elsewhere@example.org");
    assert_eq!(
        app.user_by_email("owner@example.com").await.email,
        "owner@example.com"
    );
}

async fn the_last_way_to_sign_in_cannot_be_unlinked(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[]).await;
    let browser = client();
    let back = to_provider_and_back(
        &app,
        &browser,
        &provider,
        Plan::person("acme-5", "only@example.com"),
    )
    .await;
    assert!(sets_session(&callback(&browser, &back).await));
    let refused = browser
        .delete(app.url("/api/v1/auth/accounts/acme"))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert_eq!(error_code(refused).await.1, "LAST_SIGN_IN_METHOD");
    let accounts: Value = app.json_as(&browser, "/api/v1/auth/accounts").await;
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/auth/accounts").await.status(), 401);

    // Forgot-password gives the user a first password; then the provider can go.
    app.post(
        "/api/v1/auth/forgot-password",
        json!({ "email": "only@example.com" }),
    )
    .await;
    let mail = app.wait_for_outbox_to("reset-password", 1).await.remove(0);
    let reset = app
        .post(
            "/api/v1/auth/reset-password",
            json!({ "token": token_of(&reset_link(&mail)), "newPassword": "a first password" }),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let browser = app
        .login_elsewhere_with("only@example.com", "a first password")
        .await;
    let unlinked = browser
        .delete(app.url("/api/v1/auth/accounts/acme"))
        .header("Origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(unlinked.status(), 204);
}

/// A provider whose discovery fails at start-up is logged and retried, not fatal;
/// `/providers` lists it once discovery succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_that_fails_at_start_up_is_retried() {
    let provider = FakeProvider::start_with(true).await;
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let env = provider.env();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_on(db, &vars).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let early: Value = app
        .get("/api/v1/auth/providers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(early, json!({ "providers": [] }));
    let refused = app
        .post_with(
            &client(),
            "/api/v1/auth/sign-in/social",
            json!({ "provider": "acme", "callbackURL": "/" }),
        )
        .await;
    assert_eq!(refused.status(), 400);
    provider.bring_up();
    wait_for_providers(&app, 1).await;
}

/// Google is configured by two variables, listed without any network access, and its
/// authorization URL is Google's, with PKCE, state, nonce and `openid email profile`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn google_builds_its_authorization_url_without_network() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = TestApp::spawn_on(
        db,
        &[
            ("GOOGLE_CLIENT_ID", "1234.apps.googleusercontent.com"),
            ("GOOGLE_CLIENT_SECRET", "google-secret"),
            ("PUBLIC_ORIGIN", "https://auth.example.com"),
        ],
    )
    .await;
    let listed: Value = app
        .get("/api/v1/auth/providers")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed,
        json!({ "providers": [{ "id": "google", "name": "Google" }] })
    );
    let started = app
        .post_with(
            &client(),
            "/api/v1/auth/sign-in/social",
            json!({ "provider": "google", "callbackURL": "/dashboard" }),
        )
        .await;
    assert_eq!(started.status(), 200);
    let body: Value = started.json().await.unwrap();
    let url = url::Url::parse(body["url"].as_str().unwrap()).unwrap();
    assert_eq!(
        format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap(),
            url.path()
        ),
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    let query: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], "1234.apps.googleusercontent.com");
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["scope"], "openid email profile");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(
        query["redirect_uri"],
        "https://auth.example.com/api/v1/auth/callback/google"
    );
    assert!(query["code_challenge"].len() >= 43);
    assert!(query.contains_key("state") && query.contains_key("nonce"));
    assert!(!body["url"].as_str().unwrap().contains("google-secret"));
}

/// Per client IP, like login: starts and callbacks share one budget (60 in 5
/// minutes), then 429 with Retry-After; a callback over budget is a redirect with
/// `?error=RATE_LIMITED`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ins_are_limited_per_ip() {
    let provider = FakeProvider::start().await;
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = spawn(db, &provider, &[]).await;
    let browser = client();
    let back = to_provider_and_back(
        &app,
        &browser,
        &provider,
        Plan::person("acme-9", "many@example.com"),
    )
    .await;
    let mut limited = None;
    for _ in 0..70 {
        let response = app
            .post_with(
                &client(),
                "/api/v1/auth/sign-in/social",
                json!({ "provider": "acme", "callbackURL": "/" }),
            )
            .await;
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("429 within 70 starts");
    assert!(limited.headers().contains_key("retry-after"));
    let done = callback(&browser, &back).await;
    assert_eq!(
        location(&done),
        format!("{FRONTEND}/login?error=RATE_LIMITED")
    );
    assert!(!sets_session(&done));
}

/// What the provider says can still be refused: no email to make an account with, or
/// (with REQUIRE_EMAIL_VERIFICATION) an address the provider does not vouch for, which
/// gets a verification mail like a password login.
async fn refusals_after_the_provider_answered_leave_no_user_and_no_session(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[("REQUIRE_EMAIL_VERIFICATION", "true")]).await;
    let refused = |code: &str| format!("{FRONTEND}/login?next=%2Fdashboard&error={code}");

    let mut no_email = Plan::person("acme-6", "unused@example.com");
    no_email.email = None;
    let browser = client();
    let done = sign_in(&app, &browser, &provider, no_email).await;
    assert_eq!(location(&done), refused("OAUTH_FAILED"));
    assert!(!sets_session(&done));

    let mut unvouched = Plan::person("acme-7", "unvouched@example.com");
    unvouched.email_verified = false;
    let browser = client();
    let done = sign_in(&app, &browser, &provider, unvouched).await;
    assert_eq!(location(&done), refused("EMAIL_NOT_VERIFIED"));
    assert!(!sets_session(&done));
    assert_eq!(app.me_status(&browser).await, 401);
    app.wait_for_outbox_to("verify-email", 1).await;
    let users: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::users as u;
            u::table.count().get_result_on(conn).unwrap()
        })
        .await;
    assert_eq!(
        users, 1,
        "only the unvouched address has an account (unverified)"
    );
}

/// The provider refuses the code exchange (here: a wrong client secret): OAUTH_FAILED,
/// never a session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_code_exchange_is_oauth_failed() {
    let provider = FakeProvider::start().await;
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = spawn(
        db,
        &provider,
        &[("OIDC_ACME_CLIENT_SECRET", "not-the-secret")],
    )
    .await;
    let browser = client();
    let done = sign_in(
        &app,
        &browser,
        &provider,
        Plan::person("acme-8", "x@example.com"),
    )
    .await;
    assert_eq!(
        location(&done),
        format!("{FRONTEND}/login?next=%2Fdashboard&error=OAUTH_FAILED")
    );
    assert!(!sets_session(&done));
    assert_eq!(provider.token_requests(), 1);
}

/// A provider proves one factor: a user who turned TOTP on lands on the app's code
/// page with the challenge cookie and no session, and the code finishes the sign-in.
async fn a_user_with_a_second_factor_gives_it_after_the_provider(db: TestDb) {
    let provider = FakeProvider::start().await;
    let app = spawn(db, &provider, &[]).await;
    app.signup("guarded@example.com").await;
    app.mark_verified("guarded@example.com").await;
    let secret = app.enable_totp(&app.client, PASSWORD).await.secret;

    let browser = client();
    let done = sign_in(
        &app,
        &browser,
        &provider,
        Plan::person("acme-2fa", "guarded@example.com"),
    )
    .await;
    assert_eq!(done.status(), 302);
    assert_eq!(
        location(&done),
        format!("{FRONTEND}/two-factor?next=%2Fdashboard")
    );
    assert!(!sets_session(&done), "no session before the code");
    let challenge = done
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("two_factor="))
        .expect("the challenge cookie");
    assert!(challenge.contains("HttpOnly"), "{challenge}");
    assert_eq!(app.me_status(&browser).await, 401);
    let passed = app
        .post_with(
            &browser,
            "/api/v1/auth/two-factor/verify",
            json!({ "code": crate::helpers::two_factor::code(&secret, 30) }),
        )
        .await;
    assert_eq!(passed.status(), 200);
    assert_eq!(app.me_status(&browser).await, 200);
}
