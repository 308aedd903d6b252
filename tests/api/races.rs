//! Requests racing for the same rows, across instances: a double-clicked submit, two
//! tabs, two servers. Whatever the interleaving, the answers are the contract's
//! (never a 5xx).

use std::collections::BTreeMap;

use sekisho::db::RunOn;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, TestDb, client};

crate::on_both_databases!(
    racing_signups_of_one_address_over_two_instances,
    instances_starting_together_make_one_operator,
    operators_removing_each_other_at_once_leave_one,
    the_last_two_ways_to_sign_in_removed_at_once_leave_one,
    sign_ins_racing_past_the_session_cap_stay_under_it,
);

async fn racing_signups_of_one_address_over_two_instances(db: TestDb) {
    // Each request comes from its own address (through the trusted proxy) so that the
    // per-IP limits stay out of the way and the per-address row is what races.
    let vars = [("TRUSTED_PROXIES", "127.0.0.1")];
    let first = TestApp::spawn_on(TestDb::reuse(&db), &vars).await;
    let second = TestApp::spawn_on(db, &vars).await;
    for round in 0..10 {
        let email = format!("twice{round}@example.com");
        let requests = (0..20).map(|n| {
            let app = if n % 2 == 0 { &first } else { &second };
            let request = client()
                .post(app.url("/api/v1/auth/signup"))
                .header("Origin", crate::helpers::FRONTEND)
                .header("X-Forwarded-For", format!("198.51.{round}.{n}"))
                .json(&json!({ "email": email, "password": PASSWORD }));
            async move { request.send().await.unwrap() }
        });
        let mut answers: BTreeMap<String, usize> = BTreeMap::new();
        for response in futures_util::future::join_all(requests).await {
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
            *answers.entry(format!("{status} {code}")).or_default() += 1;
        }
        assert_eq!(answers.get("201 "), Some(&1), "round {round}: {answers:?}");
        assert!(
            answers
                .keys()
                .all(|k| k == "201 " || k == "400 EMAIL_TAKEN" || k == "429 RATE_LIMITED"),
            "round {round}: {answers:?}"
        );
    }
}

/// Two instances starting at once with ADMIN_EMAIL both look for the operator, find
/// none and insert one: the loser must not fail to start. Five fresh databases.
async fn instances_starting_together_make_one_operator(db: TestDb) {
    let vars = [
        ("ADMIN_EMAIL", "ops-at-start@example.com"),
        ("ADMIN_PASSWORD", "operator password 1"),
    ];
    let backend = db.backend();
    let mut databases = vec![db];
    for _ in 1..5 {
        databases.push(TestDb::create(backend).await.unwrap());
    }
    for db in &databases {
        let (first, second) = tokio::join!(
            TestApp::spawn_on(TestDb::reuse(db), &vars),
            TestApp::spawn_on(TestDb::reuse(db), &vars),
        );
        let operators: i64 = first
            .with_db(|conn| {
                use diesel::prelude::*;
                use sekisho::db::schema::users::dsl::*;
                users
                    .filter(email.eq("ops-at-start@example.com"))
                    .filter(role.eq("admin"))
                    .count()
                    .get_result_on(conn)
                    .unwrap()
            })
            .await;
        assert_eq!(operators, 1);
        assert_eq!(second.get("/api/health").await.status(), 200);
    }
}

/// Operators who can sign in to the panel, as the database says.
async fn operators(app: &TestApp) -> i64 {
    app.with_db(|conn| sekisho::db::users::count_operators(conn, sekisho::db::now()).unwrap())
        .await
}

async fn user_id_of(app: &TestApp, email: &str) -> String {
    let email = email.to_owned();
    app.with_db(move |conn| {
        sekisho::db::users::find_by_email(conn, &email)
            .unwrap()
            .unwrap()
            .id
            .to_string()
    })
    .await
}

/// Two operators, each signed in to the panel of another instance, remove each other
/// at the same moment (demoting or disabling): in every round one of them is left. A
/// count, then a write, in each transaction would let both see two operators.
async fn operators_removing_each_other_at_once_leave_one(db: TestDb) {
    use crate::helpers::{OPERATOR, OPERATOR_PASSWORD};
    const OTHER: &str = "ops2@example.com";
    let first = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    let second = TestApp::spawn_on(db, &[]).await;
    first.create_operator().await;
    first
        .with_db(|conn| {
            sekisho::bootstrap::ensure_admin(
                conn,
                OTHER,
                None,
                OPERATOR_PASSWORD,
                sekisho::bootstrap::PasswordPolicy::Overwrite,
            )
            .unwrap();
        })
        .await;
    let (ops_id, other_id) = (
        user_id_of(&first, OPERATOR).await,
        user_id_of(&first, OTHER).await,
    );
    for round in 0..6 {
        let (a, response) = first.admin_login(OPERATOR, OPERATOR_PASSWORD).await;
        assert_eq!(response.status(), 303, "round {round}");
        let (b, response) = second.admin_login(OTHER, OPERATOR_PASSWORD).await;
        assert_eq!(response.status(), 303, "round {round}");
        let (a_token, b_token) = (a.csrf().await, b.csrf().await);
        let (action, extra): (&str, &[(&str, &str)]) = if round % 2 == 0 {
            ("role", &[("role", "user")])
        } else {
            ("disable", &[("reason", "other")])
        };
        let a_path = format!("/admin/users/{other_id}/{action}");
        let b_path = format!("/admin/users/{ops_id}/{action}");
        let mut a_form = vec![("csrf_token", a_token.as_str()), ("confirm", "on")];
        a_form.extend_from_slice(extra);
        let mut b_form = vec![("csrf_token", b_token.as_str()), ("confirm", "on")];
        b_form.extend_from_slice(extra);
        let (ra, rb) = tokio::join!(a.post(&a_path, &a_form), b.post(&b_path, &b_form));
        assert!(
            ra.status().as_u16() < 500 && rb.status().as_u16() < 500,
            "round {round}: {} {}",
            ra.status(),
            rb.status()
        );
        assert_eq!(operators(&first).await, 1, "round {round} ({action})");
        // Both operators again for the next round.
        let ids = [ops_id.clone(), other_id.clone()];
        first
            .with_db(move |conn| {
                for id in &ids {
                    sekisho::db::users::set_role(conn, id, sekisho::domain::Role::Admin).unwrap();
                    sekisho::db::users::set_disabled(conn, id, None, sekisho::db::now()).unwrap();
                }
            })
            .await;
        assert_eq!(operators(&first).await, 2);
    }
}

/// A user whose only ways in are one passkey and one provider removes both at once,
/// from one browser, through two instances: one removal is refused
/// (LAST_SIGN_IN_METHOD) and one way in is left, in every round.
async fn the_last_two_ways_to_sign_in_removed_at_once_leave_one(db: TestDb) {
    let first = TestApp::spawn_on(TestDb::reuse(&db), &[]).await;
    let second = TestApp::spawn_on(db, &[]).await;
    let email = "two-ways@example.com";
    first.signup(email).await;
    let browser = first.login_elsewhere(email).await;
    first.drop_password(email).await;
    let user_id = user_id_of(&first, email).await;
    for round in 0..40 {
        let (owner, passkey_id) = (user_id.clone(), format!("passkey-{round}"));
        first
            .with_db(move |conn| {
                let now = sekisho::db::now();
                let credential_id = format!("credential-{passkey_id}");
                sekisho::db::passkeys::insert(
                    conn,
                    &sekisho::db::passkeys::NewPasskey {
                        id: &passkey_id,
                        user_id: &owner,
                        credential_id: &credential_id,
                        credential: "{}",
                        sign_count: 0,
                        name: "Laptop",
                    },
                    now,
                )
                .unwrap();
                if !sekisho::db::identities::has_provider(conn, &owner, "acme").unwrap() {
                    sekisho::db::identities::insert(
                        conn,
                        &sekisho::db::identities::NewAccount {
                            provider: "acme",
                            subject: "subject-1",
                            user_id: &owner,
                            email: None,
                            created_at: now,
                        },
                    )
                    .unwrap();
                }
            })
            .await;
        let passkey = browser
            .delete(first.url(&format!("/api/v1/auth/passkeys/passkey-{round}")))
            .header("Origin", crate::helpers::FRONTEND)
            .send();
        let provider = browser
            .delete(second.url("/api/v1/auth/accounts/acme"))
            .header("Origin", crate::helpers::FRONTEND)
            .send();
        let (passkey, provider) = tokio::join!(passkey, provider);
        let mut statuses = [
            passkey.unwrap().status().as_u16(),
            provider.unwrap().status().as_u16(),
        ];
        statuses.sort_unstable();
        assert_eq!(statuses, [204, 400], "round {round}");
        let owner = user_id.clone();
        let left = first
            .with_db(move |conn| {
                sekisho::db::passkeys::count_for_user(conn, &owner).unwrap()
                    + sekisho::db::identities::count_for_user(conn, &owner).unwrap()
            })
            .await;
        assert_eq!(left, 1, "round {round}: one way in is left");
        // The passkey of this round goes, whichever removal won.
        let owner = user_id.clone();
        first
            .with_db(move |conn| {
                for id in sekisho::db::passkeys::for_user(conn, &owner).unwrap() {
                    sekisho::db::passkeys::delete(conn, &owner, &id.id).unwrap();
                }
            })
            .await;
    }
}

/// A user with 96 live sessions signs in twelve times at once over two instances:
/// the cap of 100 holds (each sign-in ends the least recently used beyond it).
/// Password sign-ins of one account hash one at a time (the account's lane), so
/// their inserts seldom meet; the sessions' decision lock is what holds the cap when
/// sign-ins without a hash (passkeys, providers) start sessions at the same moment.
async fn sign_ins_racing_past_the_session_cap_stay_under_it(db: TestDb) {
    let vars = [("TRUSTED_PROXIES", "127.0.0.1")];
    let first = TestApp::spawn_on(TestDb::reuse(&db), &vars).await;
    let second = TestApp::spawn_on(db, &vars).await;
    let email = "everywhere@example.com";
    first.signup(email).await;
    let user_id = user_id_of(&first, email).await;
    let owner = user_id.clone();
    first
        .with_db(move |conn| {
            let now = sekisho::db::now();
            let method =
                sekisho::domain::SignInMethod::only(sekisho::domain::FirstFactor::Password);
            for n in 0..95 {
                let id = format!("old-session-{n}");
                sekisho::db::sessions::insert(
                    conn,
                    &sekisho::db::sessions::NewSession {
                        id: &id,
                        user_id: Some(&owner),
                        kind: sekisho::domain::SessionKind::Browser,
                        token_hash: None,
                        refresh_token_hash: None,
                        state: None,
                        created_at: now,
                        last_seen_at: now - chrono::TimeDelta::minutes(n + 1),
                        expires_at: now + chrono::TimeDelta::days(1),
                        ip: None,
                        user_agent: None,
                        sign_in_method: Some(&method),
                    },
                )
                .unwrap();
            }
        })
        .await;
    let live = || {
        let owner = user_id.clone();
        first.with_db(move |conn| {
            sekisho::db::sessions::count_active_for_user(conn, &owner, sekisho::db::now()).unwrap()
        })
    };
    assert_eq!(live().await, 96);
    let logins = (0..12).map(|n| {
        let app = if n % 2 == 0 { &first } else { &second };
        let request = client()
            .post(app.url("/api/v1/auth/login"))
            .header("Origin", crate::helpers::FRONTEND)
            .header("X-Forwarded-For", format!("198.51.100.{}", n + 1))
            .json(&json!({ "email": email, "password": PASSWORD }));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(logins).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(live().await, 100, "the cap holds");
}
