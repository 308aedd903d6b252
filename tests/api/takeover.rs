//! A pre-made account cannot capture its owner's social sign-in: someone signs up
//! with another person's address (never proven), sets up a second factor, a passkey,
//! their own provider and a bearer token, and waits. When the owner signs in with a
//! provider that vouches for the address, the account becomes the owner's alone:
//! everything its maker set up is removed, on every instance at once, audited and
//! mailed.

use serde_json::{Value, json};

use crate::helpers::oidc::{FakeProvider, Plan};
use crate::helpers::smtp::SmtpListener;
use crate::helpers::{FRONTEND, PASSWORD, TestApp, TestDb, client, error_code};
use crate::social::{location, sets_session, sign_in, wait_for_providers};

crate::on_both_databases!(
    the_owner_takes_a_pre_made_account_over_cleanly_across_instances,
    with_verification_required_the_makers_password_stays_useless,
    a_password_sign_in_racing_the_takeover_keeps_no_session,
);

const VICTIM: &str = "victim@example.com";

async fn spawn_with(
    db: TestDb,
    provider: &FakeProvider,
    smtp: &SmtpListener,
    extra: &[(&str, &str)],
) -> TestApp {
    let env = provider.env();
    let mut vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend_from_slice(extra);
    let app = TestApp::spawn_with_smtp(db, smtp, &vars).await;
    wait_for_providers(&app, 1).await;
    app
}

/// Rows of `table` whose `user_id` is `id`.
async fn rows_of(app: &TestApp, table: &'static str, id: &str) -> i64 {
    let id = id.to_owned();
    app.with_db(move |conn| {
        use diesel::sql_types::{BigInt, Text};
        use sekisho::db::RunOn;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE user_id = $1"
        ))
        .bind::<Text, _>(id)
        .load_on::<Count>(conn)
        .unwrap()[0]
            .n
    })
    .await
}

async fn the_owner_takes_a_pre_made_account_over_cleanly_across_instances(db: TestDb) {
    let provider = FakeProvider::start().await;
    let smtp = SmtpListener::start().await;
    let attackers = spawn_with(TestDb::reuse(&db), &provider, &smtp, &[]).await;
    let owners = spawn_with(db, &provider, &smtp, &[]).await;

    // The maker, on one instance: a password, a session, a second factor, a bearer
    // pair, a passkey and their own provider identity, all on an unproven address.
    let maker = attackers.signup(VICTIM).await;
    assert_eq!(maker["emailVerified"], false);
    let id = maker["id"].as_str().unwrap().to_owned();
    let secret = attackers
        .enable_totp(&attackers.client, PASSWORD)
        .await
        .secret;
    let challenged: Value = client()
        .post(attackers.url("/api/v1/auth/token"))
        .json(&json!({ "email": VICTIM, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pair: Value = client()
        .post(attackers.url("/api/v1/auth/token/two-factor"))
        .json(&json!({
            "challenge": challenged["challenge"],
            "code": crate::helpers::two_factor::code(&secret, 30),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh_token = pair["refreshToken"].as_str().expect("a pair").to_owned();
    let linked = sign_in(
        &attackers,
        &attackers.client,
        &provider,
        Plan::person("acme-maker", "maker@evil.example"),
    )
    .await;
    assert_eq!(location(&linked), format!("{FRONTEND}/dashboard"));
    let owner_id = id.clone();
    attackers
        .with_db(move |conn| {
            sekisho::db::passkeys::insert(
                conn,
                &sekisho::db::passkeys::NewPasskey {
                    id: "makers-passkey",
                    user_id: &owner_id,
                    credential_id: "makers-credential",
                    credential: "{}",
                    sign_count: 0,
                    name: "Maker's key",
                },
                sekisho::db::now(),
            )
            .unwrap();
        })
        .await;
    assert_eq!(attackers.me_status(&attackers.client).await, 200);

    // The owner, on the other instance, with a provider that vouches for the address.
    let browser = client();
    let mut plan = Plan::person("acme-owner", VICTIM);
    plan.name = Some("The Owner".into());
    let done = sign_in(&owners, &browser, &provider, plan).await;
    assert_eq!(location(&done), format!("{FRONTEND}/dashboard"));
    assert!(sets_session(&done), "signed in at once, no code asked");
    let me: Value = owners.json_as(&browser, "/api/v1/auth/me").await;
    assert_eq!(me["user"]["id"], id.as_str(), "the same account");
    assert_eq!(me["user"]["emailVerified"], true);
    assert_eq!(me["user"]["twoFactorEnabled"], false);
    assert_eq!(me["user"]["name"], "The Owner");

    // Nothing of the maker's works any more, on the maker's instance.
    assert_eq!(
        attackers.me_status(&attackers.client).await,
        401,
        "their cookie"
    );
    let refreshed = client()
        .post(attackers.url("/api/v1/auth/refresh"))
        .json(&json!({ "refreshToken": refresh_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 401, "their refresh token");
    let password = attackers.attempt_login(VICTIM, PASSWORD).await;
    assert_eq!(
        error_code(password).await.1,
        "INVALID_CREDENTIALS",
        "their password"
    );
    let makers_provider = client();
    let elsewhere = sign_in(
        &attackers,
        &makers_provider,
        &provider,
        Plan::person("acme-maker", "maker@evil.example"),
    )
    .await;
    assert!(sets_session(&elsewhere));
    let theirs: Value = attackers.json_as(&makers_provider, "/api/v1/auth/me").await;
    assert_eq!(
        theirs["user"]["email"], "maker@evil.example",
        "their provider now signs in to an account of its own"
    );
    for table in ["passkeys", "recovery_codes", "two_factor_secrets"] {
        assert_eq!(rows_of(&owners, table, &id).await, 0, "{table}");
    }
    let accounts: Value = owners.json_as(&browser, "/api/v1/auth/accounts").await;
    assert_eq!(accounts["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(accounts["accounts"][0]["email"], VICTIM);

    // Audited with what was removed, and mailed.
    let details = owners
        .with_db(|conn| {
            sekisho::db::audit::list(conn, None, 100)
                .unwrap()
                .into_iter()
                .find(|e| e.action.as_str() == "user.account_reclaimed")
                .and_then(|e| e.details)
        })
        .await
        .expect("the takeover's audit entry");
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["provider"], "acme", "{details}");
    let removed = &details["removed"];
    assert_eq!(removed["password"], true, "{details}");
    assert_eq!(removed["second_factor"], true, "{details}");
    assert_eq!(removed["passkeys"], 1, "{details}");
    assert_eq!(removed["identities"], 1, "{details}");
    for _ in 0..100 {
        if smtp
            .all_decoded()
            .iter()
            .any(|m| m.contains("Your account is now yours alone") && m.contains(VICTIM))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no notice to the owner: {:?}", smtp.all_decoded());
}

/// With REQUIRE_EMAIL_VERIFICATION the maker could not sign in before (403); after
/// the owner's provider sign-in the maker's password is simply wrong (401), never 200.
async fn with_verification_required_the_makers_password_stays_useless(db: TestDb) {
    let provider = FakeProvider::start().await;
    let smtp = SmtpListener::start().await;
    let app = spawn_with(
        db,
        &provider,
        &smtp,
        &[("REQUIRE_EMAIL_VERIFICATION", "true")],
    )
    .await;
    let signup = app
        .post(
            "/api/v1/auth/signup",
            json!({ "email": VICTIM, "password": PASSWORD }),
        )
        .await;
    assert_eq!(signup.status(), 201);
    let before = app.attempt_login(VICTIM, PASSWORD).await;
    assert_eq!(error_code(before).await.1, "EMAIL_NOT_VERIFIED");
    let done = sign_in(
        &app,
        &client(),
        &provider,
        Plan::person("acme-owner", VICTIM),
    )
    .await;
    assert!(sets_session(&done));
    let after = app.attempt_login(VICTIM, PASSWORD).await;
    assert_eq!(error_code(after).await.1, "INVALID_CREDENTIALS");
}

/// The maker keeps signing in with the password on one instance while the owner takes
/// the account over on another: whatever the interleaving, no session of the maker's
/// is alive afterwards (a sign-in whose password was checked before the takeover and
/// whose session would start after it is refused).
async fn a_password_sign_in_racing_the_takeover_keeps_no_session(db: TestDb) {
    let provider = FakeProvider::start().await;
    let smtp = SmtpListener::start().await;
    let proxied = [("TRUSTED_PROXIES", "127.0.0.1")];
    let attackers = spawn_with(TestDb::reuse(&db), &provider, &smtp, &proxied).await;
    let owners = spawn_with(db, &provider, &smtp, &proxied).await;
    attackers.signup(VICTIM).await;
    let racing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let loops: Vec<_> = (0..4)
        .map(|n| {
            let (url, racing) = (attackers.url("/api/v1/auth/login"), racing.clone());
            tokio::spawn(async move {
                let mut sent = 0u32;
                while racing.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = client()
                        .post(&url)
                        .header("Origin", FRONTEND)
                        .header("X-Forwarded-For", format!("198.51.{n}.{}", sent % 250 + 1))
                        .json(&json!({ "email": VICTIM, "password": PASSWORD }))
                        .send()
                        .await;
                    sent += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let browser = client();
    let done = sign_in(
        &owners,
        &browser,
        &provider,
        Plan::person("acme-owner", VICTIM),
    )
    .await;
    assert!(sets_session(&done), "{}", location(&done));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    racing.store(false, std::sync::atomic::Ordering::Relaxed);
    for task in loops {
        task.await.unwrap();
    }
    let sessions: Value = owners.json_as(&browser, "/api/v1/auth/sessions").await;
    let methods: Vec<&str> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["signInMethod"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        methods,
        ["provider:acme"],
        "only the owner's session is alive"
    );
}
