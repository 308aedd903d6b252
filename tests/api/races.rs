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
