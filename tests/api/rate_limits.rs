//! 429 RATE_LIMITED with Retry-After, and who can be blocked by whom: failures count
//! per (account, client IP), so a stranger's failures never lock the owner out; an
//! account attacked from many clients slows down instead. Account-level state is in
//! the database, so every instance agrees. Clients are told apart by
//! X-Forwarded-For from a trusted proxy (the test client, on 127.0.0.1).

use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR, OPERATOR_PASSWORD, PASSWORD, TestApp, TestDb, client};
use crate::metrics;

crate::on_both_backends!(confirmations_are_limited_per_session);

crate::on_both_databases!(
    failed_logins_block_only_the_failing_client_across_instances,
    many_clients_slow_an_account_down_but_never_lock_the_owner_out,
    reset_mails_go_once_a_minute_per_address_and_are_never_refused,
    signups_are_limited_per_ip,
    per_ip_budgets_are_shared_by_every_instance,
    the_switch_turns_limits_off,
    an_ipv6_network_is_one_client,
    parallel_guesses_from_one_address_cost_at_most_five_hashes,
    a_flood_from_many_addresses_takes_turns_and_the_owner_gets_in,
    the_owner_on_a_new_device_gets_in_through_the_reset_mail_during_a_flood,
    attempts_the_hashing_queue_turns_away_are_not_counted,
);

/// Thirty wrong passwords at once from one new address, split over two instances: the
/// attempt is counted before the hash, so five are checked (401) and the rest refused
/// (429) without one.
async fn parallel_guesses_from_one_address_cost_at_most_five_hashes(db: TestDb) {
    let app = TestApp::spawn_on(TestDb::reuse(&db), BEHIND_PROXY).await;
    let second = TestApp::spawn_on(db, BEHIND_PROXY).await;
    app.signup("racy@example.com").await;
    let hashes = || app.hasher.jobs_accepted() + second.hasher.jobs_accepted();
    let before = hashes();
    let attempts = (0..30).map(|n| {
        let instance = if n % 2 == 0 { &app } else { &second };
        login_from(instance, ATTACKER, "racy@example.com", "wrong password")
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
    assert_eq!(hashes() - before, 5);
}

/// An account that has had fifteen wrong passwords takes strangers' guesses one per
/// five seconds across every instance: forty guesses at once from forty addresses
/// cost at most two hashes (the turn now and the one five seconds on), the rest are
/// 429. The owner, from an address they signed in from before, is not made to wait.
async fn a_flood_from_many_addresses_takes_turns_and_the_owner_gets_in(db: TestDb) {
    let app = TestApp::spawn_on(TestDb::reuse(&db), BEHIND_PROXY).await;
    let second = TestApp::spawn_on(db, BEHIND_PROXY).await;
    app.signup("famous@example.com").await;
    let owner = login_from(&app, OWNER, "famous@example.com", PASSWORD).await;
    assert_eq!(owner.status(), 200);
    // Fifteen failures within the window, as a stranger's earlier guesses leave them.
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::auth_throttles::dsl::*;
        diesel::insert_into(auth_throttles)
            .values((
                key.eq("login:famous@example.com"),
                attempts.eq(15_i64),
                window_started_at.eq(sekisho::db::now()),
                blocked_until.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute_on(conn)
            .unwrap();
    })
    .await;

    let hashes = || app.hasher.jobs_accepted() + second.hasher.jobs_accepted();
    let before = hashes();
    let flood = (0..40).map(|n| {
        let instance = if n % 2 == 0 { &app } else { &second };
        let ip = format!("203.0.113.{}", n + 100);
        async move { login_from(instance, &ip, "famous@example.com", "guess").await }
    });
    let owner_again = async {
        // Sent while the flood's turns are taken.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
        let started = std::time::Instant::now();
        let status = login_from(&second, OWNER, "famous@example.com", PASSWORD)
            .await
            .status();
        (status, started.elapsed())
    };
    let (responses, (owner_status, owner_took)) =
        tokio::join!(futures_util::future::join_all(flood), owner_again);
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!((1..=2).contains(&checked), "{statuses:?}");
    assert_eq!(checked + refused, 40, "{statuses:?}");
    assert!(hashes() - before <= 3, "two turns and the owner's login");
    assert_eq!(owner_status, 200);
    assert!(
        owner_took < std::time::Duration::from_secs(4),
        "the owner did not wait for a turn: {owner_took:?}"
    );
    // A refusal says when to come back.
    let refusal = responses.into_iter().find(|r| r.status() == 429).unwrap();
    assert_limited(refusal).await;
}

/// Each attempt from a fresh address of one /64 (what one subscriber holds): one
/// client's budget, not a fresh one per address; another /64 keeps its own.
async fn an_ipv6_network_is_one_client(db: TestDb) {
    let app = TestApp::spawn_on(db, BEHIND_PROXY).await;
    app.signup("six@example.com").await;
    for n in 1..=5 {
        let response = login_from(
            &app,
            &format!("2001:db8:1:2::{n:x}"),
            "six@example.com",
            "wrong password",
        )
        .await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    assert_limited(login_from(&app, "2001:db8:1:2:ffff::9", "six@example.com", PASSWORD).await)
        .await;
    let elsewhere = login_from(&app, "2001:db8:1:3::1", "six@example.com", PASSWORD).await;
    assert_eq!(elsewhere.status(), 200);
}

const BEHIND_PROXY: &[(&str, &str)] = &[("TRUSTED_PROXIES", "127.0.0.1")];
const ATTACKER: &str = "203.0.113.66";
const OWNER: &str = "198.51.100.7";

async fn assert_limited(response: reqwest::Response) {
    assert_eq!(response.status(), 429);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
}

/// A JSON POST from the client at `ip`, as the trusted proxy forwards it.
async fn post_from(app: &TestApp, ip: &str, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(app.url(path))
        .header("X-Forwarded-For", ip)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> reqwest::Response {
    post_from(
        app,
        ip,
        "/api/v1/auth/login",
        json!({ "email": email, "password": password }),
    )
    .await
}

async fn failed_logins_block_only_the_failing_client_across_instances(db: TestDb) {
    let app = TestApp::spawn_on(db, BEHIND_PROXY).await;
    app.create_operator().await;
    app.signup("target@example.com").await;
    for _ in 0..5 {
        let wrong = login_from(&app, ATTACKER, "target@example.com", "wrong password").await;
        assert_eq!(wrong.status(), 401);
    }
    // The attacker is blocked, even with the right password, on /login and /token.
    assert_limited(login_from(&app, ATTACKER, "target@example.com", PASSWORD).await).await;
    let token = post_from(
        &app,
        ATTACKER,
        "/api/v1/auth/token",
        json!({ "email": "target@example.com", "password": PASSWORD }),
    )
    .await;
    assert_limited(token).await;
    // A second instance on the same database blocks the attacker too.
    let second = TestApp::spawn_on(TestDb::reuse(&app.db), BEHIND_PROXY).await;
    assert_limited(login_from(&second, ATTACKER, "target@example.com", PASSWORD).await).await;

    // The owner, from their own address, signs in on both instances.
    assert_eq!(
        login_from(&app, OWNER, "target@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(
        login_from(&second, OWNER, "target@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    // Another account is not affected, even from the attacker's address.
    app.signup("bystander@example.com").await;
    assert_eq!(
        login_from(&app, ATTACKER, "bystander@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    // Operators likewise: a stranger's failures do not keep them out of the panel.
    for _ in 0..6 {
        login_from(&app, ATTACKER, OPERATOR, "wrong password").await;
    }
    let (_, panel) = app.admin_login(OPERATOR, OPERATOR_PASSWORD).await;
    assert_eq!(panel.status(), 303, "the operator signs in");
}

async fn many_clients_slow_an_account_down_but_never_lock_the_owner_out(db: TestDb) {
    let app = TestApp::spawn_on(db, BEHIND_PROXY).await;
    app.signup("popular@example.com").await;
    // Twelve failures from six addresses: none of them is blocked yet…
    for n in 0..12 {
        let ip = format!("203.0.113.{}", n % 6 + 1);
        let wrong = login_from(&app, &ip, "popular@example.com", "wrong password").await;
        assert_eq!(wrong.status(), 401, "attempt {n} from {ip}");
    }
    // …and the account-wide count is on record, so every attempt now waits first; the
    // owner is slowed down, not refused.
    let failures: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::auth_throttles::dsl::*;
            auth_throttles
                .find("login:popular@example.com")
                .select(attempts)
                .first_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(failures, 12);
    assert_eq!(
        login_from(&app, OWNER, "popular@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}

async fn reset_mails_go_once_a_minute_per_address_and_are_never_refused(db: TestDb) {
    let app = TestApp::spawn_on(db, BEHIND_PROXY).await;
    let user = app.signup("forgetful@example.com").await;
    let owner = user["id"].as_str().unwrap().to_owned();
    // A stranger asks three times, then the owner: every answer is the same 200…
    for ip in [ATTACKER, ATTACKER, "203.0.113.9", OWNER] {
        let response = post_from(
            &app,
            ip,
            "/api/v1/auth/forgot-password",
            json!({ "email": "forgetful@example.com" }),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    // …and one link went out: to the owner's inbox, whoever asked. The work happens
    // after the answer, so wait until all four requests are counted.
    for _ in 0..100 {
        let counted: Option<i64> = app
            .with_db(|conn| {
                use diesel::prelude::*;
                use sekisho::db::schema::auth_throttles::dsl::*;
                auth_throttles
                    .find("forgot:forgetful@example.com")
                    .select(attempts)
                    .first_on(conn)
                    .optional()
                    .unwrap()
            })
            .await;
        if counted == Some(4) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let issued: i64 = app
        .with_db(move |conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::single_use_tokens::dsl::*;
            single_use_tokens
                .filter(kind.eq("password_reset"))
                .filter(user_id.eq(&owner))
                .count()
                .get_result_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(issued, 1);
    // The requester's address is what gets refused after ten requests an hour.
    for n in 0..10 {
        let response = post_from(
            &app,
            "203.0.113.77",
            "/api/v1/auth/forgot-password",
            json!({ "email": format!("someone{n}@example.com") }),
        )
        .await;
        assert_eq!(response.status(), 200);
    }
    // The answer never waits for the database: the eleventh is counted after it (and
    // sends nothing); from then on the address is refused at once.
    for _ in 0..40 {
        let response = post_from(
            &app,
            "203.0.113.77",
            "/api/v1/auth/forgot-password",
            json!({ "email": "forgetful@example.com" }),
        )
        .await;
        if response.status() == 429 {
            assert_limited(response).await;
            return;
        }
        assert_eq!(response.status(), 200);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the eleventh request did not spend the address's budget");
}

async fn confirmations_are_limited_per_session(app: TestApp) {
    app.signup("careful@example.com").await;
    for _ in 0..5 {
        let wrong = app
            .post(
                "/api/v1/auth/change-password",
                json!({ "currentPassword": "wrong password", "newPassword": "a new password" }),
            )
            .await;
        assert_eq!(wrong.status(), 400);
    }
    assert_limited(
        app.post(
            "/api/v1/auth/change-password",
            json!({ "currentPassword": PASSWORD, "newPassword": "a new password" }),
        )
        .await,
    )
    .await;
    assert_limited(
        app.post(
            "/api/v1/user/withdraw",
            json!({ "confirmPassword": PASSWORD }),
        )
        .await,
    )
    .await;
    // Another session of the same user is not blocked by this one's failures.
    let other = app.login_elsewhere("careful@example.com").await;
    let response = app
        .post_with(
            &other,
            "/api/v1/auth/change-password",
            json!({ "currentPassword": PASSWORD, "newPassword": "a new password" }),
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn signups_are_limited_per_ip(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    for n in 0..10 {
        let response = app
            .post_with(
                &client(),
                "/api/v1/auth/signup",
                json!({ "email": format!("user{n}@example.com"), "password": PASSWORD }),
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    assert_limited(
        app.post_with(
            &client(),
            "/api/v1/auth/signup",
            json!({ "email": "one-more@example.com", "password": PASSWORD }),
        )
        .await,
    )
    .await;
}

/// Two instances on one database: the per-IP budget (10 sign-ups an hour) is one
/// budget, not one per instance; other addresses and other actions keep theirs.
async fn per_ip_budgets_are_shared_by_every_instance(db: TestDb) {
    let second_db = TestDb::reuse(&db);
    let vars = [BEHIND_PROXY, &[("METRICS_TOKEN", metrics::TOKEN)]].concat();
    let first = TestApp::spawn_on(db, &vars).await;
    let second = TestApp::spawn_on(second_db, &vars).await;
    let signup = |n: &str| json!({ "email": format!("{n}@example.com"), "password": PASSWORD });
    for n in 0..10 {
        let instance = if n % 2 == 0 { &first } else { &second };
        let response = post_from(
            instance,
            ATTACKER,
            "/api/v1/auth/signup",
            signup(&format!("u{n}")),
        )
        .await;
        assert_eq!(response.status(), 201, "sign-up {n}");
    }
    for instance in [&first, &second, &first] {
        assert_limited(post_from(instance, ATTACKER, "/api/v1/auth/signup", signup("more")).await)
            .await;
    }
    // Once an instance has seen the address run out, refusing it costs no query.
    let queries = |text: String| metrics::sample(&text, "sekisho_db_queries_total");
    let before = queries(metrics::scrape(&second).await);
    assert_limited(post_from(&second, ATTACKER, "/api/v1/auth/signup", signup("more")).await).await;
    assert_eq!(queries(metrics::scrape(&second).await), before);
    let elsewhere = post_from(&second, OWNER, "/api/v1/auth/signup", signup("owner")).await;
    assert_eq!(elsewhere.status(), 201);
    let login = login_from(&second, ATTACKER, "u0@example.com", PASSWORD).await;
    assert_eq!(login.status(), 200, "another action's budget is untouched");
}

async fn the_switch_turns_limits_off(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("RATE_LIMIT_ENABLED", "false")]).await;
    app.signup("bench@example.com").await;
    for _ in 0..7 {
        let response = app
            .attempt_login("bench@example.com", "wrong password")
            .await;
        assert_eq!(response.status(), 401);
    }
    let ok = app.attempt_login("bench@example.com", PASSWORD).await;
    assert_eq!(ok.status(), 200);
}

/// The attempts `ip` has on record against `email`'s account (0 when none).
async fn client_attempts(app: &TestApp, email: &str, ip: &str) -> i64 {
    let client_key = format!("login:{email}:{ip}");
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::auth_throttles::dsl::*;
        auth_throttles
            .find(client_key)
            .select(attempts)
            .first_on(conn)
            .optional()
            .unwrap()
            .unwrap_or(0)
    })
    .await
}

/// Strangers flood an account from many addresses, on two instances, for as long as
/// the test lasts. The owner, on a device that never signed in: their password
/// attempts are refused for want of a turn but not counted against their address;
/// the reset mail gets them in, and signs that device in, so it is known: their next
/// login, with the flood still on, takes no turn.
async fn the_owner_on_a_new_device_gets_in_through_the_reset_mail_during_a_flood(db: TestDb) {
    let smtp = crate::helpers::SmtpListener::start().await;
    let app = TestApp::spawn_with_smtp(TestDb::reuse(&db), &smtp, BEHIND_PROXY).await;
    let second = TestApp::spawn_with_smtp(db, &smtp, BEHIND_PROXY).await;
    let email = "besieged@example.com";
    app.signup(email).await;
    const NEW_DEVICE: &str = "198.51.100.200";

    let flooding = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flood: Vec<_> = (0..12)
        .map(|n| {
            let urls = [
                app.url("/api/v1/auth/login"),
                second.url("/api/v1/auth/login"),
            ];
            let flooding = flooding.clone();
            tokio::spawn(async move {
                let mut sent = 0u32;
                while flooding.load(std::sync::atomic::Ordering::Relaxed) {
                    // A fresh address for every guess: no address limit stops them.
                    let ip = format!("203.0.{}.{}", 100 + n, sent % 250 + 1);
                    let _ = client()
                        .post(&urls[(sent % 2) as usize])
                        .header("X-Forwarded-For", ip)
                        .json(&json!({ "email": "besieged@example.com", "password": "guess" }))
                        .send()
                        .await;
                    sent += 1;
                }
            })
        })
        .collect();
    // Until the account takes strangers' guesses in turns, five seconds apart.
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let failures: i64 = app
            .with_db(|conn| {
                use diesel::prelude::*;
                use sekisho::db::schema::auth_throttles::dsl::*;
                auth_throttles
                    .find("login:besieged@example.com")
                    .select(attempts)
                    .first_on(conn)
                    .optional()
                    .unwrap()
                    .unwrap_or(0)
            })
            .await;
        if failures >= 16 {
            break;
        }
    }

    // The owner tries the right password from the new device: turned away while the
    // strangers hold the turns, and none of that counts against the device.
    let mut refused = 0;
    let mut let_in = 0;
    for _ in 0..8 {
        let attempt = login_from(&app, NEW_DEVICE, email, PASSWORD).await;
        match attempt.status().as_u16() {
            429 => refused += 1,
            200 => let_in += 1,
            other => panic!("the owner's attempt answered {other}"),
        }
    }
    assert!(
        refused >= 5,
        "the flood held the turns: {refused} refused, {let_in} let in"
    );
    assert_eq!(
        client_attempts(&app, email, NEW_DEVICE).await,
        0,
        "refused attempts are not counted against the owner's address"
    );

    // The reset mail: asked for and spent from the new device, which is signed in.
    let asked = post_from(
        &app,
        NEW_DEVICE,
        "/api/v1/auth/forgot-password",
        json!({ "email": email }),
    )
    .await;
    assert_eq!(asked.status(), 200);
    let mail = smtp.wait_for_link_to("reset-password", 1).await;
    let token = crate::helpers::token_of(&crate::helpers::reset_link(&mail));
    let device = client();
    let reset = device
        .post(second.url("/api/v1/auth/reset-password"))
        .header("Origin", crate::helpers::FRONTEND)
        .header("X-Forwarded-For", NEW_DEVICE)
        .json(&json!({ "token": token, "newPassword": "a brand new password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(app.me_status(&device).await, 200, "signed in by the reset");

    // The flood goes on; the device is known now: its login takes no turn.
    let started = std::time::Instant::now();
    let again = login_from(&app, NEW_DEVICE, email, "a brand new password").await;
    assert_eq!(again.status(), 200);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the known device waited {:?}",
        started.elapsed()
    );
    flooding.store(false, std::sync::atomic::Ordering::Relaxed);
    for task in flood {
        let _ = task.await;
    }
}

/// Twenty right passwords at once for one account, from twenty addresses: the
/// account's hashing lane takes nine, and turns the rest away (429) without a hash;
/// those attempts are given back to their addresses, which have nothing on record.
async fn attempts_the_hashing_queue_turns_away_are_not_counted(db: TestDb) {
    let app = TestApp::spawn_on(db, BEHIND_PROXY).await;
    let email = "queued@example.com";
    app.signup(email).await;
    let attempts = (0..20).map(|n| {
        let ip = format!("198.51.100.{}", n + 1);
        let app = &app;
        async move {
            (
                login_from(app, &ip, email, PASSWORD)
                    .await
                    .status()
                    .as_u16(),
                ip,
            )
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let turned_away: Vec<&String> = answers
        .iter()
        .filter(|(status, _)| *status == 429)
        .map(|(_, ip)| ip)
        .collect();
    assert!(
        !turned_away.is_empty(),
        "the lane took them all: {answers:?}"
    );
    assert!(
        answers.iter().all(|(s, _)| *s == 200 || *s == 429),
        "{answers:?}"
    );
    for ip in turned_away {
        assert_eq!(client_attempts(&app, email, ip).await, 0, "{ip}");
    }
}
