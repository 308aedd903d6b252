//! Changing and resetting passwords, with the reset mail going through a real SMTP
//! listener or into the outbox.

use sekisho::db::RunOn;
use serde_json::{Value, json};

use crate::helpers::smtp::link_to;
use crate::helpers::{PASSWORD, SmtpListener, TestApp, TestDb, client, error_code, reset_link};

crate::on_both_backends!(
    change_password_checks_the_current_one_and_revokes_others,
    outbox_receives_reset_mails_without_smtp,
    reset_tokens_are_hashed_single_use_and_expire,
    junk_reset_tokens_cost_no_hash_and_are_limited_per_ip,
);

crate::on_both_databases!(
    reset_mail_arrives_by_smtp_and_its_link_works,
    a_reset_asks_for_the_second_factor_and_only_from_allowed_origins,
    a_disabled_account_is_reset_but_nobody_is_signed_in,
    a_failed_smtp_send_is_kept_not_lost,
);

async fn change_password_checks_the_current_one_and_revokes_others(app: TestApp) {
    let anonymous = app
        .post_with(
            &client(),
            "/api/v1/auth/change-password",
            json!({ "currentPassword": PASSWORD, "newPassword": "brand new password" }),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
    app.signup("change@example.com").await;
    let foreign = app
        .client
        .post(app.url("/api/v1/auth/change-password"))
        .header("Origin", "https://evil.example.net")
        .json(&json!({ "currentPassword": PASSWORD, "newPassword": "brand new password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403, "CSRF_FAILED for a foreign origin");
    let phone = app.login_elsewhere("change@example.com").await;
    let wrong = app
        .post(
            "/api/v1/auth/change-password",
            json!({ "currentPassword": "not my password", "newPassword": "brand new password" }),
        )
        .await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(error_code(wrong).await.1, "INVALID_PASSWORD");

    let weak = app
        .post(
            "/api/v1/auth/change-password",
            json!({ "currentPassword": PASSWORD, "newPassword": "short" }),
        )
        .await;
    let body: Value = weak.json().await.unwrap();
    assert_eq!(
        body["error"]["details"]["fields"]["newPassword"],
        "must be at least 8 characters"
    );

    let ok = app
        .post(
            "/api/v1/auth/change-password",
            json!({ "currentPassword": PASSWORD, "newPassword": "brand new password" }),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(app.me_status(&phone).await, 401, "other sessions revoked");
    assert_eq!(app.me_status(&app.client).await, 200, "this one kept");

    let old = app.attempt_login("change@example.com", PASSWORD).await;
    assert_eq!(old.status(), 401);
    let new = app
        .attempt_login("change@example.com", "brand new password")
        .await;
    assert_eq!(new.status(), 200);
}

async fn reset_mail_arrives_by_smtp_and_its_link_works(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let app =
        TestApp::spawn_with_smtp(db, &smtp, &[("FRONTEND_URL", "https://app.example.com")]).await;
    app.signup("reset@example.com").await;
    let phone = app.login_elsewhere("reset@example.com").await;

    let response = app
        .post_with(
            &client(),
            "/api/v1/auth/forgot-password",
            json!({ "email": "Reset@Example.com" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let known: Value = response.json().await.unwrap();
    assert_eq!(known["success"], true);

    let mail = smtp.wait_for_link_to("reset-password", 1).await;
    assert!(mail.contains("To: reset@example.com"), "{mail}");
    assert!(mail.contains("From: Sekisho <auth@example.com>"), "{mail}");
    let link = reset_link(&mail);
    assert!(
        link.starts_with("https://app.example.com/reset-password?token="),
        "{link}"
    );
    let token = link.split("token=").nth(1).unwrap().to_owned();

    // An unknown address gets the same answer and no mail.
    let unknown = app
        .post_with(
            &client(),
            "/api/v1/auth/forgot-password",
            json!({ "email": "nobody@example.com" }),
        )
        .await;
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(unknown, known);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.mails_to("reset-password").len(), 1);

    // Following the link: the front-end posts the token with the new password, and
    // that browser is signed in.
    let resetting = client();
    let reset = app
        .post_with(
            &resetting,
            "/api/v1/auth/reset-password",
            json!({ "token": token, "newPassword": "a fresh password" }),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let body: Value = reset.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert_eq!(body["user"]["email"], "reset@example.com");
    assert_eq!(body["user"]["emailVerified"], true);
    assert_eq!(app.me_status(&resetting).await, 200, "signed in");
    let sessions: Value = app.json_as(&resetting, "/api/v1/auth/sessions").await;
    assert_eq!(sessions["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(sessions["sessions"][0]["signInMethod"], "password_reset");
    assert_eq!(app.me_status(&phone).await, 401, "every session revoked");
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "every session revoked"
    );
    let login = app
        .attempt_login("reset@example.com", "a fresh password")
        .await;
    assert_eq!(login.status(), 200);

    let reused = app
        .post_with(
            &client(),
            "/api/v1/auth/reset-password",
            json!({ "token": token, "new_password": "yet another one" }),
        )
        .await;
    assert_eq!(reused.status(), 400);
    assert_eq!(error_code(reused).await.1, "INVALID_TOKEN");
}

async fn outbox_receives_reset_mails_without_smtp(app: TestApp) {
    app.signup("outbox@example.com").await;
    let response = app
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": "outbox@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mail = app.wait_for_outbox_to("reset-password", 1).await.remove(0);
    assert!(reset_link(&mail).starts_with("http://localhost:3000/reset-password?token="));
}

async fn reset_tokens_are_hashed_single_use_and_expire(app: TestApp) {
    let user = app.signup("expire@example.com").await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    let token = sekisho::crypto::tokens::new_secret();
    let hash = sekisho::crypto::tokens::hash_secret(&token);
    let expired_token = sekisho::crypto::tokens::new_secret();
    let expired_hash = sekisho::crypto::tokens::hash_secret(&expired_token);
    app.with_db(move |conn| {
        let now = sekisho::db::now();
        store_reset_link(
            conn,
            &user_id,
            &hash,
            now,
            now + chrono::TimeDelta::minutes(30),
        );
        store_reset_link(
            conn,
            &user_id,
            &expired_hash,
            now - chrono::TimeDelta::minutes(31),
            now - chrono::TimeDelta::minutes(1),
        );
    })
    .await;
    let expired = app
        .post_with(
            &client(),
            "/api/v1/auth/reset-password",
            json!({ "token": expired_token, "newPassword": "password after expiry" }),
        )
        .await;
    assert_eq!(error_code(expired).await.1, "INVALID_TOKEN");
    let unknown = app
        .post_with(
            &client(),
            "/api/v1/auth/reset-password",
            json!({ "token": "made-up", "newPassword": "password after expiry" }),
        )
        .await;
    assert_eq!(unknown.status(), 400);

    // Two resets racing with one token: exactly one wins.
    let (first, second) = (client(), client());
    let (a, b) = tokio::join!(
        app.post_with(
            &first,
            "/api/v1/auth/reset-password",
            json!({ "token": token, "newPassword": "racing password 1" })
        ),
        app.post_with(
            &second,
            "/api/v1/auth/reset-password",
            json!({ "token": token, "newPassword": "racing password 2" })
        ),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 400]);

    // Only hashes are stored.
    let stored: Vec<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::single_use_tokens::dsl::*;
            single_use_tokens
                .filter(kind.eq("password_reset"))
                .select(token_hash)
                .load_on(conn)
                .unwrap()
        })
        .await;
    assert!(!stored.contains(&token));
}

/// /reset-password looks at the token before it hashes anything, so junk tokens
/// cannot make everyone's logins wait for argon2; and one client gets 30 tries an hour.
async fn junk_reset_tokens_cost_no_hash_and_are_limited_per_ip(app: TestApp) {
    let attacker = client();
    let before = app.hasher.jobs_accepted();
    for n in 0..30 {
        let response = app
            .post_with(
                &attacker,
                "/api/v1/auth/reset-password",
                json!({ "token": format!("junk-{n}"), "newPassword": "a long new password" }),
            )
            .await;
        assert_eq!(error_code(response).await.1, "INVALID_TOKEN");
    }
    assert_eq!(
        app.hasher.jobs_accepted(),
        before,
        "no junk token was hashed"
    );
    let limited = app
        .post_with(
            &attacker,
            "/api/v1/auth/reset-password",
            json!({ "token": "junk-31", "newPassword": "a long new password" }),
        )
        .await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
}

async fn a_failed_smtp_send_is_kept_not_lost(db: TestDb) {
    // Nothing listens on this port: the send fails after the response went out.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let app = TestApp::spawn_on(
        db,
        &[
            ("SMTP_URL", url.as_str()),
            ("MAIL_FROM", "auth@example.com"),
            // One retry a second later, then the mail is kept.
            ("MAIL_RETRY_SCHEDULE", "1"),
        ],
    )
    .await;
    app.signup("unlucky@example.com").await;
    let started = std::time::Instant::now();
    let response = app
        .post_with(
            &client(),
            "/api/v1/auth/forgot-password",
            json!({ "email": "unlucky@example.com" }),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the response did not wait for SMTP"
    );
    let failed = app.db.data_dir().join("outbox").join("failed");
    for _ in 0..100 {
        // The sign-up's verification mail failed too, and is kept beside it.
        let kept = std::fs::read_dir(&failed).ok().and_then(|mut dir| {
            dir.find_map(|e| {
                let e = e.ok()?;
                if !e.file_name().to_string_lossy().ends_with(".eml") {
                    return None;
                }
                let mail = std::fs::read_to_string(e.path()).ok()?;
                link_to(&mail, "reset-password")
            })
        });
        if kept.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the failed mail was not kept in outbox/failed/ after its retry");
}

/// /forgot-password does its per-address work after the answer, so the answer costs
/// the same whether or not the address has an account. Shown by holding SQLite's
/// write lock from another connection: both addresses are answered while it is held
/// (the old code waited on it first), and once it is released the known address, and
/// only it, gets its mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_answers_before_any_per_address_work() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let app = TestApp::spawn_on(db, &[]).await;
    app.signup("known@example.com").await;

    let lock = crate::helpers::WriteLock::take(&app);
    for email in ["known@example.com", "unknown@example.com"] {
        let answered = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            app.post_with(
                &client(),
                "/api/v1/auth/forgot-password",
                json!({ "email": email }),
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("{email}: the answer waited for the database"));
        assert_eq!(answered.status(), 200);
    }
    lock.release();

    app.wait_for_outbox_to("reset-password", 1).await;
    // Time for a second mail to show up, were one (wrongly) on its way.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = app.outbox_mails_to("reset-password");
    assert_eq!(mails.len(), 1, "one mail");
    assert!(mails[0].contains("To: known@example.com"), "{}", mails[0]);
}

/// With the second factor on, a completed reset signs nobody in yet: it answers as a
/// login's password does (the challenge cookie), and the code finishes the sign-in.
/// Another site cannot post the form (it would sign its visitor in to an account of
/// its choosing).
async fn a_reset_asks_for_the_second_factor_and_only_from_allowed_origins(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    app.signup("careful@example.com").await;
    let secret = app.enable_totp(&app.client, PASSWORD).await.secret;
    let tokens: Vec<String> = (0..2)
        .map(|_| sekisho::crypto::tokens::new_secret())
        .collect();
    let hashes: Vec<String> = tokens
        .iter()
        .map(|t| sekisho::crypto::tokens::hash_secret(t))
        .collect();
    app.with_db(move |conn| {
        let user = sekisho::db::users::find_by_email(conn, "careful@example.com")
            .unwrap()
            .unwrap();
        let now = sekisho::db::now();
        for hash in &hashes {
            store_reset_link(
                conn,
                &user.id,
                hash,
                now,
                now + chrono::TimeDelta::minutes(30),
            );
        }
    })
    .await;

    let foreign = client()
        .post(app.url("/api/v1/auth/reset-password"))
        .header("Origin", "https://evil.example")
        .json(&json!({ "token": tokens[0], "newPassword": "a fresh password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(foreign).await.1, "CSRF_FAILED");

    let browser = client();
    let reset = app
        .post_with(
            &browser,
            "/api/v1/auth/reset-password",
            json!({ "token": tokens[0], "newPassword": "a fresh password" }),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let cookies = crate::helpers::set_cookies(&reset);
    assert!(
        cookies.iter().any(|c| c.starts_with("two_factor=")),
        "{cookies:?}"
    );
    assert!(
        !cookies.iter().any(|c| c.starts_with("access_token=")),
        "{cookies:?}"
    );
    let body: Value = reset.json().await.unwrap();
    assert_eq!(body["twoFactorRequired"], true);
    assert!(body.get("user").is_none(), "{body}");
    assert_eq!(app.me_status(&browser).await, 401);
    let code = crate::helpers::two_factor::code(&secret, 30);
    let verified = app
        .post_with(
            &browser,
            "/api/v1/auth/two-factor/verify",
            json!({ "code": code }),
        )
        .await;
    assert_eq!(verified.status(), 200);
    assert_eq!(app.me_status(&browser).await, 200);
}

/// A reset link from before a ban still sets the password, and signs nobody in.
async fn a_disabled_account_is_reset_but_nobody_is_signed_in(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    app.signup("banned@example.com").await;
    let token = sekisho::crypto::tokens::new_secret();
    let hash = sekisho::crypto::tokens::hash_secret(&token);
    app.with_db(move |conn| {
        let user = sekisho::db::users::find_by_email(conn, "banned@example.com")
            .unwrap()
            .unwrap();
        let now = sekisho::db::now();
        store_reset_link(
            conn,
            &user.id,
            &hash,
            now,
            now + chrono::TimeDelta::minutes(30),
        );
    })
    .await;
    app.disable_user("banned@example.com").await;
    let browser = client();
    let reset = app
        .post_with(
            &browser,
            "/api/v1/auth/reset-password",
            json!({ "token": token, "newPassword": "a fresh password" }),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let cookies = crate::helpers::set_cookies(&reset);
    assert!(cookies.is_empty(), "{cookies:?}");
    let body: Value = reset.json().await.unwrap();
    assert_eq!(body["success"], true);
    assert!(
        body.get("user").is_none() && body.get("twoFactorRequired").is_none(),
        "{body}"
    );
    assert_eq!(app.me_status(&browser).await, 401);
    let login = app
        .attempt_login("banned@example.com", "a fresh password")
        .await;
    assert_eq!(
        error_code(login).await.1,
        "ACCOUNT_DISABLED",
        "the password was set"
    );
}

/// A reset link for `user_id` stored as `hash`, made at `created` and ending at
/// `expires`, as `/forgot-password` stores one.
fn store_reset_link(
    conn: &mut sekisho::db::DbConnection,
    user_id: &str,
    hash: &str,
    created: chrono::NaiveDateTime,
    expires: chrono::NaiveDateTime,
) {
    use sekisho::db::single_use::{self, Nothing, PasswordReset};
    single_use::insert(
        conn,
        PasswordReset,
        hash,
        Some(user_id),
        &Nothing {},
        created,
        expires,
    )
    .unwrap();
}
