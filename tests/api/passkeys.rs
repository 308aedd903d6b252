//! Passkeys with a software authenticator that answers as a browser does: registering,
//! listing, renaming, removing; signing in with and without an email; what a bent
//! answer gets (PASSKEY_FAILED, nothing stored, nobody signed in); the counter, the
//! last sign-in method, a ceremony finished on another instance.

use diesel::prelude::*;
use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::authenticator::{Authenticator, Bend};
use crate::helpers::smtp::SmtpListener;
use crate::helpers::{FRONTEND, TestApp, TestDb, client, error_code, set_cookies};

const REGISTER_OPTIONS: &str = "/api/v1/auth/passkeys/register/options";
const REGISTER: &str = "/api/v1/auth/passkeys/register";
const SIGN_IN_OPTIONS: &str = "/api/v1/auth/sign-in/passkey/options";
const SIGN_IN: &str = "/api/v1/auth/sign-in/passkey";

/// Creation options for the signed-in `browser`.
async fn creation_options(app: &TestApp, browser: &reqwest::Client) -> Value {
    let response = app.post_with(browser, REGISTER_OPTIONS, json!({})).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["options"].clone()
}

/// Registers a passkey of the signed-in `browser` on `authenticator`; the passkey JSON.
async fn register(
    app: &TestApp,
    browser: &reqwest::Client,
    authenticator: &mut Authenticator,
    name: Option<&str>,
) -> Value {
    let options = creation_options(app, browser).await;
    let credential = authenticator.create(&options);
    let mut body = json!({ "credential": credential });
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    let response = app.post_with(browser, REGISTER, body).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["passkey"].clone()
}

async fn request_options(app: &TestApp, browser: &reqwest::Client, body: Value) -> Value {
    let response = app.post_with(browser, SIGN_IN_OPTIONS, body).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["options"].clone()
}

async fn audit_actions(app: &TestApp, like: &'static str) -> Vec<String> {
    app.with_db(move |conn| {
        use sekisho::db::schema::audit_log as a;
        a::table
            .filter(a::action.like(like))
            .order(a::id.asc())
            .select(a::action)
            .load_on::<String>(conn)
            .unwrap()
    })
    .await
}

async fn stored_passkeys(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use sekisho::db::schema::passkeys as p;
        p::table.count().get_result_on::<i64>(conn).unwrap()
    })
    .await
}

crate::on_both_backends!(register_list_rename_then_sign_in_without_a_password);

async fn register_list_rename_then_sign_in_without_a_password(app: TestApp) {
    let user = app.signup("passkey@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);

    // The options: Level 3 JSON, a discoverable credential with user verification,
    // for the app's host, bound to this browser by a five-minute cookie.
    let response = app.post(REGISTER_OPTIONS, json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookie = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with("access_token_passkey="))
        .expect("the ceremony cookie");
    for part in [
        "HttpOnly",
        "Max-Age=300",
        "Path=/api/v1/auth",
        "SameSite=Lax",
    ] {
        assert!(cookie.contains(part), "{part} in {cookie}");
    }
    let options: Value = response.json().await.unwrap();
    let options = &options["options"];
    assert_eq!(
        options["rp"],
        json!({ "id": "localhost", "name": "Sekisho" })
    );
    assert_eq!(options["user"]["name"], "passkey@example.com");
    assert_eq!(options["user"]["displayName"], "田中太郎");
    let handle = options["user"]["id"].as_str().unwrap();
    assert_eq!(
        uuid::Uuid::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, handle)
                .unwrap()
        )
        .unwrap()
        .to_string(),
        user["id"].as_str().unwrap()
    );
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["requireResidentKey"],
        true
    );
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert!(options["challenge"].as_str().unwrap().len() >= 43);
    assert!(
        options["pubKeyCredParams"]
            .as_array()
            .unwrap()
            .contains(&json!({ "type": "public-key", "alg": -7 }))
    );
    assert!(options.get("excludeCredentials").is_none());

    let credential = authenticator.create(options);
    let added = app
        .post(
            REGISTER,
            json!({ "credential": credential, "name": "  Laptop  " }),
        )
        .await;
    assert_eq!(added.status(), 201);
    assert!(
        set_cookies(&added)
            .iter()
            .any(|c| c.starts_with("access_token_passkey=;") && c.contains("Max-Age=0")),
        "the spent ceremony's cookie is cleared"
    );
    let added: Value = added.json().await.unwrap();
    let passkey = &added["passkey"];
    assert_eq!(passkey["name"], "Laptop");
    assert_eq!(passkey["lastUsedAt"], Value::Null);
    let id = passkey["id"].as_str().unwrap().to_owned();

    // The next registration excludes it; a default name counts on.
    let next = creation_options(&app, &app.client).await;
    let first_id = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &authenticator.credentials[0].id,
    );
    assert_eq!(next["excludeCredentials"][0]["id"], first_id.as_str());
    let mut second_authenticator = Authenticator::new(FRONTEND);
    let second = second_authenticator.create(&next);
    let second: Value = app
        .post(REGISTER, json!({ "credential": second }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["passkey"]["name"], "Passkey 2");

    let listed: Value = app.get("/api/v1/auth/passkeys").await.json().await.unwrap();
    let names: Vec<&str> = listed["passkeys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Laptop", "Passkey 2"]);

    let renamed = app
        .client
        .patch(app.url(&format!("/api/v1/auth/passkeys/{id}")))
        .header("Origin", FRONTEND)
        .json(&json!({ "name": "Work laptop" }))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(renamed["passkey"]["name"], "Work laptop");
    for (path, body, expected) in [
        (
            "/api/v1/auth/passkeys/no-such-id",
            json!({ "name": "x" }),
            404,
        ),
        (
            &*format!("/api/v1/auth/passkeys/{id}"),
            json!({ "name": " " }),
            400,
        ),
        (
            &*format!("/api/v1/auth/passkeys/{id}"),
            json!({ "name": "x".repeat(65) }),
            400,
        ),
    ] {
        let response = app
            .client
            .patch(app.url(path))
            .header("Origin", FRONTEND)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), expected, "{path} {body}");
    }

    // Another browser signs in with no email: no credentials listed (discoverable).
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["userVerification"], "required");
    assert!(
        options["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{options}"
    );
    let answer = authenticator.get(&options).unwrap();
    let signed_in = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(signed_in.status(), 200);
    assert!(
        set_cookies(&signed_in)
            .iter()
            .any(|c| c.starts_with("access_token=") && c.contains("HttpOnly")),
        "a session cookie"
    );
    let body: Value = signed_in.json().await.unwrap();
    assert_eq!(body["user"]["email"], "passkey@example.com");
    assert_eq!(app.me_status(&browser).await, 200);
    let sessions: Value = app.json_as(&browser, "/api/v1/auth/sessions").await;
    let current = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()
        .clone();
    assert_eq!(current["signInMethod"], "passkey");

    // The same answer again: the ceremony is spent.
    let replay = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(
        error_code(replay).await,
        (reqwest::StatusCode::BAD_REQUEST, "PASSKEY_FAILED".into())
    );

    // With the email: the same options (nothing listed), and that account's passkey
    // answers them.
    let browser = client();
    let named = request_options(&app, &browser, json!({ "email": "Passkey@Example.com " })).await;
    assert!(
        named["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{named}"
    );
    let answer = authenticator.get(&named).unwrap();
    let signed_in = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(signed_in.status(), 200);

    let listed: Value = app.get("/api/v1/auth/passkeys").await.json().await.unwrap();
    assert!(listed["passkeys"][0]["lastUsedAt"].is_string(), "{listed}");
    assert_eq!(
        audit_actions(&app, "user.passkey%").await,
        [
            "user.passkey_added",
            "user.passkey_added",
            "user.passkey_renamed"
        ]
    );
    let login = app
        .with_db(|conn| {
            use sekisho::db::schema::audit_log as a;
            a::table
                .filter(a::action.eq("user.login"))
                .order(a::id.desc())
                .select(a::details)
                .first_on::<Option<String>>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        login.as_deref(),
        Some(r#"{"method":"passkey","passkey_name":"Work laptop"}"#)
    );
}

crate::on_both_backends!(options_for_an_email_tell_nothing_and_only_its_passkeys_answer);

/// Options asked for with an email list no credentials, whatever the address: an
/// account with two passkeys, one with none and no account at all get answers of the
/// same shape (a list's count and id lengths would tell them apart). The email binds
/// the ceremony: another account's passkey cannot answer it.
async fn options_for_an_email_tell_nothing_and_only_its_passkeys_answer(app: TestApp) {
    app.signup("has-one@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    register(&app, &app.client, &mut authenticator, None).await;
    register(&app, &app.client, &mut authenticator, None).await;
    app.signup("has-none@example.com").await;

    let shape = |options: &Value| -> Vec<String> {
        let mut keys: Vec<String> = options.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let with_passkeys =
        request_options(&app, &client(), json!({ "email": "has-one@example.com" })).await;
    let none = request_options(&app, &client(), json!({ "email": "has-none@example.com" })).await;
    let unknown = request_options(&app, &client(), json!({ "email": "nobody@example.com" })).await;
    let anonymous = request_options(&app, &client(), json!({})).await;
    for options in [&with_passkeys, &none, &unknown] {
        assert!(
            options["allowCredentials"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "{options}"
        );
        assert_eq!(shape(options), shape(&anonymous), "{options}");
    }

    // has-one's passkey answering has-none's ceremony, or nobody's: refused.
    for email in ["has-none@example.com", "nobody@example.com"] {
        let browser = client();
        let options = request_options(&app, &browser, json!({ "email": email })).await;
        let answer = authenticator.get(&options).unwrap();
        let refused = app
            .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
            .await;
        assert_eq!(error_code(refused).await.1, "PASSKEY_FAILED", "{email}");
        assert_eq!(app.me_status(&browser).await, 401);
    }

    // A tampered client answering another account's ceremony with its own passkey.
    let browser = client();
    let options = request_options(&app, &browser, json!({ "email": "nobody@example.com" })).await;
    let challenge = options["challenge"].as_str().unwrap();
    let forced = authenticator.assert_with(0, "localhost", challenge, &Bend::default());
    let refused = app
        .post_with(&browser, SIGN_IN, json!({ "credential": forced }))
        .await;
    assert_eq!(error_code(refused).await.1, "PASSKEY_FAILED");
    assert_eq!(app.me_status(&browser).await, 401);

    let bad = app
        .post_with(
            &client(),
            SIGN_IN_OPTIONS,
            json!({ "email": "not an address" }),
        )
        .await;
    assert_eq!(error_code(bad).await.1, "VALIDATION_ERROR");
}

/// One bent registration: PASSKEY_FAILED and nothing stored.
async fn refused_registration(app: &TestApp, bend: Bend, what: &str) {
    let options = creation_options(app, &app.client).await;
    let mut authenticator = Authenticator::new(FRONTEND);
    let credential = authenticator.create_bent(&options, &bend);
    let response = app
        .post(REGISTER, json!({ "credential": credential }))
        .await;
    assert_eq!(
        error_code(response).await,
        (reqwest::StatusCode::BAD_REQUEST, "PASSKEY_FAILED".into()),
        "{what}"
    );
}

/// One bent sign-in: PASSKEY_FAILED and no session.
async fn refused_sign_in(app: &TestApp, authenticator: &mut Authenticator, bend: Bend, what: &str) {
    let browser = client();
    let options = request_options(app, &browser, json!({})).await;
    let challenge = options["challenge"].as_str().unwrap().to_owned();
    let answer = authenticator.assert_with(0, "localhost", &challenge, &bend);
    let response = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(
        error_code(response).await,
        (reqwest::StatusCode::BAD_REQUEST, "PASSKEY_FAILED".into()),
        "{what}"
    );
    assert_eq!(app.me_status(&browser).await, 401, "{what}");
}

crate::on_both_backends!(bent_answers_are_passkey_failed_and_change_nothing);

async fn bent_answers_are_passkey_failed_and_change_nothing(app: TestApp) {
    app.signup("bent@example.com").await;
    let other_origin = || Some("http://evil.example".to_owned());
    // Each bent answer: PASSKEY_FAILED, and nothing stored.
    let bent = || {
        [
            (
                Bend {
                    origin: other_origin(),
                    ..Bend::default()
                },
                "origin",
            ),
            (
                Bend {
                    rp_id: Some("evil.example".into()),
                    ..Bend::default()
                },
                "RP ID",
            ),
            (
                Bend {
                    unverified: true,
                    ..Bend::default()
                },
                "user verification",
            ),
        ]
    };
    for (bend, what) in bent() {
        refused_registration(&app, bend, what).await;
    }
    let stale = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let other_challenge = Bend {
        challenge: Some(stale.into()),
        ..Bend::default()
    };
    refused_registration(&app, other_challenge, "challenge").await;
    // Malformed JSON (to a live ceremony), and an answer with no ceremony in this
    // browser.
    creation_options(&app, &app.client).await;
    let malformed = app
        .post(
            REGISTER,
            json!({ "credential": { "id": 1, "response": "x" } }),
        )
        .await;
    assert_eq!(error_code(malformed).await.1, "PASSKEY_FAILED");
    let missing = app.post(REGISTER, json!({})).await;
    assert_eq!(error_code(missing).await.1, "VALIDATION_ERROR");
    let options = creation_options(&app, &app.client).await;
    let credential = Authenticator::new(FRONTEND).create(&options);
    let elsewhere = app.login_elsewhere("bent@example.com").await;
    let response = app
        .post_with(&elsewhere, REGISTER, json!({ "credential": credential }))
        .await;
    assert_eq!(
        error_code(response).await.1,
        "PASSKEY_FAILED",
        "another browser's ceremony"
    );
    assert_eq!(stored_passkeys(&app).await, 0);

    let mut authenticator = Authenticator::new(FRONTEND);
    register(&app, &app.client, &mut authenticator, None).await;
    let bad_signature = Bend {
        bad_signature: true,
        ..Bend::default()
    };
    for (bend, what) in bent().into_iter().chain([(bad_signature, "signature")]) {
        refused_sign_in(&app, &mut authenticator, bend, what).await;
    }
    let mut impostor = authenticator.credentials[0].clone();
    impostor.user_handle = uuid::Uuid::new_v4().as_bytes().to_vec();
    let mut wrong_handle = Authenticator::new(FRONTEND);
    wrong_handle.credentials.push(impostor);
    refused_sign_in(&app, &mut wrong_handle, Bend::default(), "user handle").await;

    // An unknown credential: INVALID_CREDENTIALS.
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let mut stranger = Authenticator::new(FRONTEND);
    let mut throwaway = creation_options(&app, &app.client).await;
    throwaway["rp"]["id"] = json!("localhost");
    stranger.create(&throwaway);
    let answer = stranger.get(&options).unwrap();
    let response = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(
        error_code(response).await,
        (
            reqwest::StatusCode::UNAUTHORIZED,
            "INVALID_CREDENTIALS".into()
        )
    );

    // An honest sign-in still works after all that (the counter moved on: 1 to 7).
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let answer = authenticator.get(&options).unwrap();
    let ok = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(ok.status(), 200);

    // A counter that goes backwards: refused and audited (a cloned authenticator).
    let counter = authenticator.credentials[0].counter;
    refused_sign_in(
        &app,
        &mut authenticator,
        Bend {
            counter: Some(counter - 1),
            ..Bend::default()
        },
        "counter",
    )
    .await;
    assert_eq!(
        audit_actions(&app, "user.passkey_counter%").await,
        ["user.passkey_counter_regressed"]
    );
    assert_eq!(stored_passkeys(&app).await, 1);
}

crate::on_both_backends!(the_last_way_to_sign_in_cannot_be_removed);

async fn the_last_way_to_sign_in_cannot_be_removed(app: TestApp) {
    app.signup("last@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    let first = register(&app, &app.client, &mut authenticator, Some("first")).await;
    // As a user who signed up with a provider and never set a password.
    app.drop_password("last@example.com").await;
    let first_id = first["id"].as_str().unwrap();
    let refused = app
        .delete(&format!("/api/v1/auth/passkeys/{first_id}"))
        .await;
    assert_eq!(
        error_code(refused).await,
        (
            reqwest::StatusCode::BAD_REQUEST,
            "LAST_SIGN_IN_METHOD".into()
        )
    );
    let unknown = app.delete("/api/v1/auth/passkeys/no-such-id").await;
    assert_eq!(unknown.status(), 404);

    // With a second passkey, the first can go; the user signs in with the second.
    let mut second_authenticator = Authenticator::new(FRONTEND);
    register(&app, &app.client, &mut second_authenticator, Some("second")).await;
    let removed = app
        .delete(&format!("/api/v1/auth/passkeys/{first_id}"))
        .await;
    assert_eq!(removed.status(), 204);
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let stale = authenticator.get(&options).unwrap();
    let response = app
        .post_with(&browser, SIGN_IN, json!({ "credential": stale }))
        .await;
    assert_eq!(error_code(response).await.1, "INVALID_CREDENTIALS");
    let options = request_options(&app, &browser, json!({})).await;
    let answer = second_authenticator.get(&options).unwrap();
    let response = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        audit_actions(&app, "user.passkey%").await,
        [
            "user.passkey_added",
            "user.passkey_added",
            "user.passkey_removed"
        ]
    );
}

crate::on_both_databases!(a_ceremony_started_on_one_instance_finishes_on_another);

async fn a_ceremony_started_on_one_instance_finishes_on_another(db: TestDb) {
    let shared = TestDb::reuse(&db);
    let first = TestApp::spawn_on(db, &[]).await;
    let second = TestApp::spawn_on(shared, &[]).await;
    first.signup("two-instances@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    // Options from the first instance, answered at the second (cookies do not care
    // about ports, as a load balancer in front of both would not).
    let options = creation_options(&first, &first.client).await;
    let credential = authenticator.create(&options);
    let added = second
        .post_with(&first.client, REGISTER, json!({ "credential": credential }))
        .await;
    assert_eq!(added.status(), 201);
    let browser = client();
    let options = request_options(&second, &browser, json!({})).await;
    let answer = authenticator.get(&options).unwrap();
    let signed_in = first
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(signed_in.status(), 200);
    // Spent on the first, so the second refuses the same answer.
    let replay = second
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(error_code(replay).await.1, "PASSKEY_FAILED");
}

crate::on_both_databases!(disabled_users_and_mails);

async fn disabled_users_and_mails(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(db, &smtp, &[]).await;
    app.signup("mailed@example.com").await;
    let mut old_phone = Authenticator::new(FRONTEND);
    let old = register(&app, &app.client, &mut old_phone, Some("Old phone")).await;
    let removed = app
        .delete(&format!(
            "/api/v1/auth/passkeys/{}",
            old["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(removed.status(), 204);
    let mut authenticator = Authenticator::new(FRONTEND);
    register(&app, &app.client, &mut authenticator, Some("Phone")).await;
    // A disabled account's passkey signs no one in (told only after the proof).
    app.disable_user("mailed@example.com").await;
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let answer = authenticator.get(&options).unwrap();
    let response = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(
        error_code(response).await,
        (reqwest::StatusCode::FORBIDDEN, "ACCOUNT_DISABLED".into())
    );

    // The user was told of each passkey added and of the one removed.
    let told = |mails: &[String]| {
        let count = |subject: &str| mails.iter().filter(|m| m.contains(subject)).count();
        (count("A passkey was added"), count("A passkey was removed"))
    };
    for _ in 0..50 {
        if told(&smtp.all_decoded()) == (2, 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = smtp.all_decoded();
    assert_eq!(told(&mails), (2, 1), "{mails:?}");
}

crate::on_both_backends!(a_ceremony_lives_five_minutes);

async fn a_ceremony_lives_five_minutes(app: TestApp) {
    app.signup("late@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    register(&app, &app.client, &mut authenticator, None).await;
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let answer = authenticator.get(&options).unwrap();
    // The five minutes pass between the options and the answer.
    app.with_db(|conn| {
        use sekisho::db::schema::single_use_tokens as c;
        let long_ago = sekisho::db::now() - chrono::TimeDelta::minutes(1);
        let ceremonies = c::table.filter(c::kind.eq("passkey_ceremony"));
        sekisho::db::update(ceremonies, c::expires_at.eq(long_ago))
            .execute_on(conn)
            .unwrap();
    })
    .await;
    let late = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(error_code(late).await.1, "PASSKEY_FAILED");
    assert_eq!(app.me_status(&browser).await, 401);
    // The ceremony row lasts exactly the five minutes the browser is told.
    let options = request_options(&app, &client(), json!({})).await;
    assert_eq!(options["timeout"], 300_000);
    let lifetime = app
        .with_db(|conn| {
            use sekisho::db::schema::single_use_tokens as c;
            c::table
                .filter(c::kind.eq("passkey_ceremony"))
                .select((c::created_at, c::expires_at))
                .first_on::<(chrono::NaiveDateTime, chrono::NaiveDateTime)>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(lifetime.1 - lifetime.0, chrono::TimeDelta::minutes(5));
}

#[tokio::test]
async fn without_a_possible_relying_party_passkeys_are_off() {
    let Some(app) = TestApp::spawn_with(
        crate::helpers::Backend::Sqlite,
        &[
            ("FRONTEND_URL", "http://127.0.0.1:3000"),
            ("CORS_ORIGINS", "http://127.0.0.1:3000"),
        ],
    )
    .await
    else {
        return;
    };
    let response = app
        .client
        .post(app.url(SIGN_IN_OPTIONS))
        .header("Origin", "http://127.0.0.1:3000")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response).await,
        (reqwest::StatusCode::BAD_REQUEST, "PASSKEY_FAILED".into())
    );
}

#[tokio::test]
async fn sign_in_options_and_answers_are_rate_limited_per_address() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    // Answers: 60 in five minutes (each spends no ceremony here: none is held).
    let mut statuses = Vec::new();
    for _ in 0..61 {
        let response = app
            .post_with(&client(), SIGN_IN, json!({ "credential": { "id": "x" } }))
            .await;
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..60].iter().all(|s| *s == 400), "{statuses:?}");
    assert_eq!(statuses[60], 429);
    // Options have their own, larger budget (a login page asks as it loads).
    let mut first_refused = None;
    for n in 1..=301 {
        let status = app
            .post_with(&client(), SIGN_IN_OPTIONS, json!({}))
            .await
            .status();
        if status == 429 {
            first_refused = Some(n);
            break;
        }
    }
    assert_eq!(first_refused, Some(301));
}

crate::on_both_backends!(an_operator_sees_and_deletes_a_users_passkey);

/// A user reports a stolen laptop: the operator finds its passkey on the user's page
/// and deletes it (confirmed, behind the form token, audited); the user is signed out
/// everywhere and the passkey signs no one in.
async fn an_operator_sees_and_deletes_a_users_passkey(app: TestApp) {
    let operator = app.operator().await;
    app.signup("stolen@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    let passkey = register(
        &app,
        &app.client,
        &mut authenticator,
        Some("Stolen <laptop>"),
    )
    .await;
    let passkey_id = passkey["id"].as_str().unwrap();
    let id = app.user_id("stolen@example.com").await;
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("Passkeys (1)"), "{page}");
    assert!(page.contains("Stolen &#60;laptop&#62;"), "escaped: {page}");
    let delete = format!("/admin/users/{id}/passkeys/{passkey_id}/delete");
    assert!(page.contains(&delete), "{page}");

    let forged = operator
        .post(&delete, &[("confirm", "yes"), ("csrf_token", "forged")])
        .await;
    assert_eq!(forged.status(), 403);
    let unconfirmed = operator.submit(&delete, &[]).await;
    assert_eq!(unconfirmed.status(), 303);
    assert_eq!(
        stored_passkeys(&app).await,
        1,
        "nothing happens unconfirmed"
    );
    let unknown = operator
        .submit(
            &format!("/admin/users/{id}/passkeys/no-such-passkey/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(unknown.status(), 404);

    let deleted = operator.submit(&delete, &[("confirm", "yes")]).await;
    assert_eq!(deleted.status(), 303);
    assert_eq!(stored_passkeys(&app).await, 0);
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "signed out everywhere"
    );
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(
        page.contains("Passkeys (0)") && page.contains("No passkeys."),
        "{page}"
    );
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let answer = authenticator.get(&options).unwrap();
    let response = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(error_code(response).await.1, "INVALID_CREDENTIALS");
    let entry = app
        .with_db(|conn| {
            sekisho::db::audit::list(conn, None, 50)
                .unwrap()
                .into_iter()
                .find(|e| e.action.as_str() == "admin.passkey_deleted")
                .map(|e| (e.actor_email, e.details))
        })
        .await;
    assert_eq!(
        entry,
        Some((
            Some(crate::helpers::OPERATOR.to_owned()),
            Some(format!(
                r#"{{"removal":{{"passkey":"{passkey_id}","name":"Stolen <laptop>","sessions_ended":1}}}}"#
            ))
        ))
    );
}

crate::on_both_backends!(the_passkey_table_keeps_what_sign_ins_rely_on);

/// What the use case relies on the database for, on both backends: a counter is
/// recorded only against the count it was read with (two sign-ins racing with one
/// passkey: the second is refused), and a credential id belongs to one passkey.
async fn the_passkey_table_keeps_what_sign_ins_rely_on(app: TestApp) {
    app.signup("table@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    let passkey = register(&app, &app.client, &mut authenticator, None).await;
    let id = passkey["id"].as_str().unwrap().to_owned();
    let user_id = app.user_id("table@example.com").await;
    let (first, raced, duplicate) = app
        .with_db(move |conn| {
            use sekisho::db::passkeys::{self, NewPasskey};
            let credential_id = passkeys::credential_ids_of(conn, &user_id).unwrap()[0].clone();
            let stored = passkeys::find_by_credential_id(conn, &credential_id)
                .unwrap()
                .unwrap();
            let now = sekisho::db::now();
            let read = stored.sign_count;
            let first =
                passkeys::record_use(conn, &id, read, &stored.credential, read + 1, now).unwrap();
            let raced =
                passkeys::record_use(conn, &id, read, &stored.credential, read + 1, now).unwrap();
            let duplicate = passkeys::insert(
                conn,
                &NewPasskey {
                    id: "another",
                    user_id: &user_id,
                    credential_id: &credential_id,
                    credential: &stored.credential,
                    sign_count: 0,
                    name: "copy",
                },
                now,
            );
            (
                first,
                raced,
                duplicate.is_err_and(|e| sekisho::db::is_unique_violation(&e)),
            )
        })
        .await;
    assert!(first, "the sign-in that read the count records it");
    assert!(!raced, "the one that read the same count is refused");
    assert!(duplicate, "a credential id is registered once");
}

crate::on_both_backends!(a_passkey_sign_in_whose_session_fails_changes_nothing);

/// The ceremony's spend, the passkey's counter, the session and the audit entry are
/// one transaction: when the session cannot be written, the counter has not moved,
/// no sign-in is audited and the ceremony is still there, so the same answer then
/// signs in.
async fn a_passkey_sign_in_whose_session_fails_changes_nothing(app: TestApp) {
    app.signup("pk-atomic@example.com").await;
    let mut authenticator = Authenticator::new(FRONTEND);
    register(&app, &app.client, &mut authenticator, None).await;
    let browser = client();
    let options = request_options(&app, &browser, json!({})).await;
    let answer = authenticator.get(&options).unwrap();
    let state = || {
        app.with_db(|conn| {
            use sekisho::db::schema::{audit_log as a, passkeys as p};
            let count: i64 = p::table.select(p::sign_count).first_on(conn).unwrap();
            let logins: i64 = a::table
                .filter(a::action.eq("user.login"))
                .count()
                .get_result_on(conn)
                .unwrap();
            (count, logins)
        })
    };
    let before = state().await;
    app.sessions_refused(true).await;
    let killed = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(killed.status(), 500);
    assert_eq!(state().await, before, "nothing committed");
    app.sessions_refused(false).await;
    let signed_in = app
        .post_with(&browser, SIGN_IN, json!({ "credential": answer }))
        .await;
    assert_eq!(
        signed_in.status(),
        200,
        "the same answer, once the failure is gone"
    );
    let after = state().await;
    assert!(
        after.0 > before.0 && after.1 == before.1 + 1,
        "{before:?} -> {after:?}"
    );
}
