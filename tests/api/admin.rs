//! The admin panel over HTTP: access rules, login, CSRF, search, actions and their
//! audit entries, and revocations that the API honours at once.

use sekisho::db::RunOn;
use serde_json::json;

use crate::helpers::{OPERATOR, OPERATOR_PASSWORD, PASSWORD, TestApp, client};

crate::on_both_backends!(
    anonymous_visitors_are_sent_to_the_login_page,
    non_operators_get_403,
    operators_log_in_and_out,
    forms_without_a_valid_csrf_token_get_403,
    search_filters_and_pagination,
    user_actions_take_effect_and_are_audited,
    a_session_revoked_in_the_panel_is_rejected_by_the_api,
    pages_send_security_headers,
    a_change_is_undone_when_its_audit_entry_cannot_be_written,
);

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        sekisho::db::audit::list(conn, None, 500)
            .unwrap()
            .into_iter()
            .map(|e| e.action.to_string())
            .collect()
    })
    .await
}

async fn anonymous_visitors_are_sent_to_the_login_page(app: TestApp) {
    let anonymous = client();
    for path in [
        "/admin",
        "/admin/users",
        "/admin/users/x",
        "/admin/sessions",
        "/admin/audit",
    ] {
        let response = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location(&response), "/admin/login", "{path}");
    }
    let post = anonymous
        .post(app.url("/admin/users/x/disable"))
        .form(&[("csrf_token", "x"), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 303);
    let login = anonymous.get(app.url("/admin/login")).send().await.unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("name=\"csrf_token\""));
}

async fn non_operators_get_403(app: TestApp) {
    app.signup("member@example.com").await;
    let (_, response) = app.admin_login("member@example.com", PASSWORD).await;
    assert_eq!(response.status(), 403);
    assert!(
        audit_actions(&app)
            .await
            .contains(&"admin.login_refused".to_owned())
    );

    // An operator demoted while signed in is refused on the next page.
    let operator = app.operator().await;
    assert_eq!(operator.get("/admin").await.status(), 200);
    let id = app.user_id(OPERATOR).await;
    app.with_db(move |conn| {
        sekisho::db::users::set_role(conn, &id, sekisho::domain::Role::User).unwrap()
    })
    .await;
    assert_eq!(operator.get("/admin").await.status(), 403);
    assert_eq!(operator.get("/admin/users").await.status(), 403);
}

async fn operators_log_in_and_out(app: TestApp) {
    app.create_operator().await;
    let (_, wrong) = app.admin_login(OPERATOR, "wrong password").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Incorrect email or password")
    );

    let (browser, response) = app.admin_login(OPERATOR, OPERATOR_PASSWORD).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sekisho_admin="))
        .expect("the panel's session cookie");
    for attribute in [
        "sekisho_admin=",
        "HttpOnly",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=1800",
    ] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(!cookie.contains("Secure"));
    let dashboard = browser.get("/admin").await;
    assert_eq!(dashboard.status(), 200);
    let html = dashboard.text().await.unwrap();
    assert!(
        html.contains(OPERATOR) && html.contains("Signed in as"),
        "{html}"
    );

    // The panel's session lives in the shared table, kind admin, key hashed.
    let rows = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::sessions::dsl::*;
            sessions
                .filter(kind.eq("admin"))
                .filter(revoked_at.is_null())
                .filter(user_id.is_not_null())
                .select((user_id.is_not_null(), token_hash))
                .load_on::<(bool, Option<String>)>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(
        rows.len(),
        1,
        "one signed-in panel session (the failed attempt's stays anonymous)"
    );
    assert!(rows[0].0);
    let cookie_value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sekisho_admin=");
    assert_ne!(rows[0].1.as_deref(), Some(cookie_value));

    // Idle past the deadline (the store's expiry, moved back as if time had passed):
    // the next page asks for a login again.
    let (idle, _) = app.admin_login(OPERATOR, OPERATOR_PASSWORD).await;
    assert_eq!(idle.get("/admin").await.status(), 200);
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::sessions::dsl::*;
        let latest: String = sessions
            .filter(kind.eq("admin"))
            .filter(user_id.is_not_null())
            .order(created_at.desc())
            .select(id)
            .first_on(conn)
            .unwrap();
        sekisho::db::update(
            sessions.find(latest),
            expires_at.eq(sekisho::db::now() - chrono::TimeDelta::seconds(1)),
        )
        .execute_on(conn)
        .unwrap();
    })
    .await;
    assert_eq!(
        idle.get("/admin").await.status(),
        303,
        "expired after inactivity"
    );
    assert_eq!(
        browser.get("/admin").await.status(),
        200,
        "the other session is untouched"
    );

    let logout = browser.submit("/admin/logout", &[]).await;
    assert_eq!(logout.status(), 303);
    assert_eq!(location(&logout), "/admin/login");
    assert_eq!(browser.get("/admin").await.status(), 303);
    let actions = audit_actions(&app).await;
    for action in ["admin.login_failed", "admin.login", "admin.logout"] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action} in {actions:?}"
        );
    }
}

async fn forms_without_a_valid_csrf_token_get_403(app: TestApp) {
    let operator = app.operator().await;
    app.signup("victim@example.com").await;
    let id = app.user_id("victim@example.com").await;
    let path = format!("/admin/users/{id}/disable");
    let missing = operator.post(&path, &[("confirm", "yes")]).await;
    assert_eq!(missing.status(), 403);
    let wrong = operator
        .post(&path, &[("confirm", "yes"), ("csrf_token", "forged")])
        .await;
    assert_eq!(wrong.status(), 403);
    // Another operator session's token is no good here either.
    let other = app.admin_login(OPERATOR, OPERATOR_PASSWORD).await.0;
    let foreign_token = other.csrf().await;
    let foreign = operator
        .post(&path, &[("confirm", "yes"), ("csrf_token", &foreign_token)])
        .await;
    assert_eq!(foreign.status(), 403);
    assert_eq!(
        app.me_status(&app.client).await,
        200,
        "nothing was disabled"
    );
    let login = client()
        .post(app.url("/admin/login"))
        .form(&[("email", OPERATOR), ("password", OPERATOR_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
}

async fn search_filters_and_pagination(app: TestApp) {
    let operator = app.operator().await;
    app.with_db(|conn| {
        for n in 0..30 {
            crate::helpers::insert_user(conn, &format!("member{n:02}@example.com"));
        }
        crate::helpers::insert_user(conn, "someone@else.org");
    })
    .await;
    let count = |html: &str| html.matches("href=\"/admin/users/").count();
    let page1 = operator.page("/admin/users?q=member").await;
    assert_eq!(count(&page1), 25);
    assert!(page1.contains("Next →"));
    let page2 = operator.page("/admin/users?q=member&page=2").await;
    assert_eq!(count(&page2), 5);
    assert!(!page2.contains("Next →") && page2.contains("← Previous"));

    let exact = operator.page("/admin/users?q=ELSE.ORG").await;
    assert_eq!(count(&exact), 1);
    assert!(exact.contains("someone@else.org"));
    let by_name = operator.page("/admin/users?q=田中").await;
    assert_eq!(
        count(&by_name),
        25,
        "a full page: insert_user names everyone 田中太郎"
    );
    assert!(by_name.contains("Next →"));
    let wildcard = operator.page("/admin/users?q=%25").await;
    assert!(
        wildcard.contains("No user matches"),
        "% is searched literally"
    );

    let id = app.user_id("member00@example.com").await;
    app.with_db(move |conn| {
        sekisho::db::users::set_disabled(
            conn,
            &id,
            Some(&sekisho::db::users::Ban {
                reason: sekisho::domain::BanReason::Other,
                note: None,
                until: None,
            }),
            sekisho::db::now(),
        )
        .unwrap()
    })
    .await;
    let disabled = operator.page("/admin/users?status=disabled").await;
    assert_eq!(count(&disabled), 1);
    assert!(disabled.contains("member00@example.com"));
    let active = operator.page("/admin/users?status=active&q=member").await;
    assert!(!active.contains("member00@example.com"));
    let none = operator.page("/admin/users?q=nobody-at-all").await;
    assert!(none.contains("No user matches this search"));
}

async fn user_actions_take_effect_and_are_audited(app: TestApp) {
    let operator = app.operator().await;
    app.signup("target@example.com").await;
    let id = app.user_id("target@example.com").await;
    let page = operator.get(&format!("/admin/users/{id}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("target@example.com") && html.contains("browser"));

    // Without the confirmation box nothing happens.
    let unconfirmed = operator
        .submit(&format!("/admin/users/{id}/disable"), &[])
        .await;
    assert_eq!(unconfirmed.status(), 303);
    let html = operator
        .get(&format!("/admin/users/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Tick the confirmation box"));
    assert_eq!(app.me_status(&app.client).await, 200);

    let disabled = operator
        .submit(&format!("/admin/users/{id}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(disabled.status(), 303);
    assert_eq!(location(&disabled), format!("/admin/users/{id}"));
    let html = operator
        .get(&format!("/admin/users/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Account disabled"));
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "sessions revoked by disabling"
    );
    let login = app.attempt_login("target@example.com", PASSWORD).await;
    assert_eq!(login.status(), 403);

    let enabled = operator
        .submit(&format!("/admin/users/{id}/enable"), &[])
        .await;
    assert_eq!(enabled.status(), 303);
    let browser = app.login_elsewhere("target@example.com").await;
    assert_eq!(app.me_status(&browser).await, 200);

    let revoked = operator
        .submit(
            &format!("/admin/users/{id}/revoke-sessions"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(revoked.status(), 303);
    assert_eq!(app.me_status(&browser).await, 401);

    let deleted = operator
        .submit(&format!("/admin/users/{id}/delete"), &[("confirm", "yes")])
        .await;
    assert_eq!(deleted.status(), 303);
    let deleted_users = operator.page("/admin/users?status=deleted").await;
    assert!(deleted_users.contains("withdrawn.invalid"));
    let again = app
        .post_with(
            &client(),
            "/api/v1/auth/signup",
            json!({ "email": "target@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(again.status(), 201, "the address is free again");

    // An operator cannot lock themselves out.
    let me = app.user_id(OPERATOR).await;
    operator
        .submit(&format!("/admin/users/{me}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(operator.get("/admin").await.status(), 200);

    let unknown = operator
        .submit("/admin/users/no-such-user/enable", &[])
        .await;
    assert_eq!(unknown.status(), 404);

    let actions = audit_actions(&app).await;
    for action in [
        "admin.user_disabled",
        "admin.user_enabled",
        "admin.sessions_revoked",
        "admin.user_deleted",
    ] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action} missing from {actions:?}"
        );
    }
    let audit_page = operator.page("/admin/audit").await;
    assert!(audit_page.contains("admin.user_deleted") && audit_page.contains(OPERATOR));
    assert!(audit_page.contains("127.0.0.1"));
}

async fn a_session_revoked_in_the_panel_is_rejected_by_the_api(app: TestApp) {
    let operator = app.operator().await;
    app.signup("api@example.com").await;
    let token = app.issue_tokens("api@example.com").await;
    let bearer = token["token"].as_str().unwrap().to_owned();
    let me_bearer = || {
        client()
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(&bearer)
            .send()
    };
    assert_eq!(me_bearer().await.unwrap().status(), 200);

    let list = operator
        .page("/admin/sessions?user=api%40example.com")
        .await;
    let ids: Vec<String> = list
        .match_indices("action=\"/admin/sessions/")
        .map(|(i, m)| list[i + m.len()..].split('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2, "a browser and a bearer session");
    let bearer_only = operator.page("/admin/sessions?kind=bearer").await;
    assert_eq!(bearer_only.matches("action=\"/admin/sessions/").count(), 1);

    for id in &ids {
        let response = operator
            .submit(
                &format!("/admin/sessions/{id}/revoke"),
                &[("return_to", "/admin/sessions")],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/admin/sessions");
    }
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "cookie session rejected at once"
    );
    assert_eq!(
        me_bearer().await.unwrap().status(),
        401,
        "bearer session rejected at once"
    );
    assert!(
        audit_actions(&app)
            .await
            .contains(&"admin.session_revoked".to_owned())
    );

    // An open redirect is not on offer.
    let (other, _) = app.admin_login(OPERATOR, OPERATOR_PASSWORD).await;
    let response = other
        .submit(
            "/admin/sessions/whatever/revoke",
            &[("return_to", "https://evil.example.net/")],
        )
        .await;
    assert_eq!(location(&response), "/admin/sessions");

    // Revoking an operator's own panel session from another browser signs it out.
    let admin_sessions = other.page("/admin/sessions?kind=admin").await;
    let first_admin = admin_sessions
        .match_indices("action=\"/admin/sessions/")
        .map(|(i, m)| {
            admin_sessions[i + m.len()..]
                .split('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect::<Vec<_>>();
    assert_eq!(first_admin.len(), 2);
    for id in first_admin {
        other
            .submit(&format!("/admin/sessions/{id}/revoke"), &[])
            .await;
    }
    assert_eq!(operator.get("/admin").await.status(), 303);
}

async fn pages_send_security_headers(app: TestApp) {
    let operator = app.operator().await;
    for response in [
        operator.get("/admin").await,
        client().get(app.url("/admin/login")).send().await.unwrap(),
    ] {
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "same-origin");
    }
    let css = client()
        .get(app.url("/static/admin.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let html = operator.page("/admin").await;
    assert!(!html.contains("<script"), "the panel needs no JavaScript");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing loaded from outside"
    );
}

/// Makes every insert into the audit log fail, as a full disk or a broken constraint
/// would, from a connection of the app's pool.
async fn refuse_audit_entries(app: &TestApp) {
    app.with_db(|conn| {
        let statements: &[&str] = match conn {
            sekisho::db::DbConnection::Sqlite(_) => {
                &["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit refused'); END"]
            }
            sekisho::db::DbConnection::Postgres(_) => &[
                "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            ],
        };
        for statement in statements {
            diesel::sql_query(*statement).execute_on(conn).unwrap();
        }
    })
    .await;
}

async fn a_change_is_undone_when_its_audit_entry_cannot_be_written(app: TestApp) {
    let operator = app.operator().await;
    app.signup("kept@example.com").await;
    let id = app.user_id("kept@example.com").await;
    let session_page = operator.page("/admin/sessions?kind=browser").await;
    let session_id = session_page
        .split("id=\"revoke-")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    refuse_audit_entries(&app).await;

    for action in ["disable", "delete", "revoke-sessions"] {
        let response = operator
            .submit(
                &format!("/admin/users/{id}/{action}"),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(response.status(), 500, "{action}");
        // Nothing happened: the user still signs in with the session they had.
        assert_eq!(app.me_status(&app.client).await, 200, "{action}");
    }
    let revoke = operator
        .submit(&format!("/admin/sessions/{session_id}/revoke"), &[])
        .await;
    assert_eq!(revoke.status(), 500);
    assert_eq!(app.me_status(&app.client).await, 200);
    let user = app
        .with_db(move |conn| sekisho::db::users::find_by_id(conn, &id).unwrap().unwrap())
        .await;
    assert!(user.disabled_at.is_none() && user.deleted_at.is_none());
}
