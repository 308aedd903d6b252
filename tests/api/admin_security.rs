//! The panel's sign-in keeps nothing for strangers: no session row for an anonymous
//! visitor, a new form token at sign-in, 403 for a form without its token.

use sekisho::db::RunOn;

use crate::helpers::{OPERATOR, OPERATOR_PASSWORD, TestApp, client, csrf_of};

crate::on_both_backends!(
    anonymous_visitors_store_nothing_and_sign_in_starts_a_recorded_session,
    forms_without_any_token_are_403,
    control_characters_in_addresses_are_400,
    a_login_form_works_once,
    sign_ins_refused_by_a_limit_are_not_written_one_by_one,
    a_second_sign_in_gets_a_new_form_token,
);

/// The `name=value` of the cookie `name` a response sets.
fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

async fn a_login_form_works_once(app: TestApp) {
    app.create_operator().await;
    let browser = client();
    let token = token_on(&app, &browser, "/admin/login").await;
    let post = |password: &'static str| {
        browser
            .post(app.url("/admin/login"))
            .form(&[
                ("email", OPERATOR),
                ("password", password),
                ("csrf_token", token.as_str()),
            ])
            .send()
    };
    // The first use is answered (a wrong password: the form again, with a new token).
    let first = post("wrong password").await.unwrap();
    assert_eq!(first.status(), 401);
    // The same form again, even with the right password, is a replay: 403.
    let replayed = post(OPERATOR_PASSWORD).await.unwrap();
    assert_eq!(replayed.status(), 403);
    // The form the answer carried works.
    let fresh = csrf_of(&first.text().await.unwrap());
    let signed_in = browser
        .post(app.url("/admin/login"))
        .form(&[
            ("email", OPERATOR),
            ("password", OPERATOR_PASSWORD),
            ("csrf_token", fresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
}

async fn sign_ins_refused_by_a_limit_are_not_written_one_by_one(app: TestApp) {
    app.create_operator().await;
    let failed_rows = || async {
        app.with_db(|conn| {
            sekisho::db::audit::list(conn, None, 1000)
                .unwrap()
                .into_iter()
                .filter(|e| e.action.as_str() == "admin.login_failed")
                .count()
        })
        .await
    };
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let (_, response) = app.admin_login(OPERATOR, "wrong password").await;
        statuses.push(response.status().as_u16());
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused >= 5, "{statuses:?}");
    // Only the attempts that reached the password check are in the log.
    assert_eq!(
        failed_rows().await,
        statuses.len() - refused,
        "{statuses:?}"
    );
}

async fn a_second_sign_in_gets_a_new_form_token(app: TestApp) {
    app.create_operator().await;
    // A browser managed by hand, so that one request can carry both cookies.
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |session: Option<String>| {
        let raw = raw.clone();
        let app_url = app.url("/admin/login");
        async move {
            let form = raw.get(&app_url).send().await.unwrap();
            let login_cookie = set_cookie(&form, "sekisho_admin_login");
            let token = csrf_of(&form.text().await.unwrap());
            let cookies = match session {
                Some(session) => format!("{login_cookie}; {session}"),
                None => login_cookie,
            };
            let response = raw
                .post(&app_url)
                .header("cookie", cookies)
                .form(&[
                    ("email", OPERATOR),
                    ("password", OPERATOR_PASSWORD),
                    ("csrf_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303);
            set_cookie(&response, "sekisho_admin")
        }
    };
    let page_token = |session: String| {
        let raw = raw.clone();
        let url = app.url("/admin");
        async move {
            let page = raw.get(url).header("cookie", session).send().await.unwrap();
            csrf_of(&page.text().await.unwrap())
        }
    };
    let first_session = sign_in(None).await;
    let before = page_token(first_session.clone()).await;
    // Signing in again over the live session: a new session key and a new token.
    let second_session = sign_in(Some(first_session)).await;
    let after = page_token(second_session.clone()).await;
    assert_ne!(before, after);
    let stale = raw
        .post(app.url("/admin/logout"))
        .header("cookie", second_session)
        .form(&[("csrf_token", before.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        stale.status(),
        403,
        "the token from before the sign-in is dead"
    );
}

/// The hidden csrf_token of a panel page, as `browser` sees it.
async fn token_on(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    let html = browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    csrf_of(&html)
}

async fn panel_rows(app: &TestApp) -> Vec<(Option<String>, Option<String>, Option<String>)> {
    app.with_db(|conn| {
        use diesel::prelude::*;
        use sekisho::db::schema::sessions::dsl::*;
        sessions
            .filter(kind.eq("admin"))
            .select((user_id, ip, user_agent))
            .load_on(conn)
            .unwrap()
    })
    .await
}

async fn anonymous_visitors_store_nothing_and_sign_in_starts_a_recorded_session(app: TestApp) {
    app.create_operator().await;
    for _ in 0..5 {
        let page = client().get(app.url("/admin/login")).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    assert!(panel_rows(&app).await.is_empty(), "a visit stores nothing");

    // A browser with the form's cookie: a wrong password stores nothing either.
    let browser = client();
    let login_token = token_on(&app, &browser, "/admin/login").await;
    let wrong = browser
        .post(app.url("/admin/login"))
        .form(&[
            ("email", OPERATOR),
            ("password", "wrong password"),
            ("csrf_token", &login_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(panel_rows(&app).await.is_empty());

    // The form's token is good only with this browser's cookie.
    let stranger = client()
        .post(app.url("/admin/login"))
        .form(&[
            ("email", OPERATOR),
            ("password", OPERATOR_PASSWORD),
            ("csrf_token", &login_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 403);

    let retry_token = token_on(&app, &browser, "/admin/login").await;
    let signed_in = browser
        .post(app.url("/admin/login"))
        .header("User-Agent", "Operator's browser/1.0")
        .form(&[
            ("email", OPERATOR),
            ("password", OPERATOR_PASSWORD),
            ("csrf_token", &retry_token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let rows = panel_rows(&app).await;
    assert_eq!(rows.len(), 1, "one row, made at sign-in");
    assert!(rows[0].0.is_some());
    assert_eq!(rows[0].1.as_deref(), Some("127.0.0.1"));
    assert_eq!(rows[0].2.as_deref(), Some("Operator's browser/1.0"));

    // The signed-in session has a token of its own, not the login form's.
    let panel_token = token_on(&app, &browser, "/admin").await;
    assert_ne!(panel_token, retry_token);
    assert_ne!(panel_token, login_token);

    // Signing out is audited with the operator's name.
    let out = browser
        .post(app.url("/admin/logout"))
        .form(&[("csrf_token", panel_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let logout_actor: Option<String> = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use sekisho::db::schema::audit_log::dsl::*;
            audit_log
                .filter(action.eq("admin.logout"))
                .select(actor_email)
                .first_on(conn)
                .unwrap()
        })
        .await;
    assert_eq!(logout_actor.as_deref(), Some(OPERATOR));
}

async fn forms_without_any_token_are_403(app: TestApp) {
    let operator = app.operator().await;
    app.signup("someone@example.com").await;
    let id = app.user_id("someone@example.com").await;
    for path in [
        "/admin/login".to_owned(),
        "/admin/logout".to_owned(),
        format!("/admin/users/{id}/disable"),
        format!("/admin/sessions/{id}/revoke"),
    ] {
        // No body at all, so no csrf_token field.
        let bare = operator.client.post(app.url(&path)).send().await.unwrap();
        assert_eq!(bare.status(), 403, "{path}");
        assert!(
            bare.text().await.unwrap().contains("Form expired"),
            "{path}"
        );
    }
    assert_eq!(
        operator.get("/admin").await.status(),
        200,
        "still signed in: nothing happened"
    );
}

/// A CR/LF (or any control character) in a path id or a return address is a 400
/// page, never a 500 or a header of the attacker's choosing.
async fn control_characters_in_addresses_are_400(app: TestApp) {
    let operator = app.operator().await;
    app.signup("plain@example.com").await;
    let id = app.user_id("plain@example.com").await;
    let page = operator.get("/admin/users/abc%0D%0Aevil").await;
    assert_eq!(page.status(), 400);
    for path in [
        "/admin/users/abc%0D%0ASet-Cookie:%20x=1/disable",
        "/admin/sessions/abc%0D%0A/revoke",
    ] {
        let response = operator.submit(path, &[("confirm", "yes")]).await;
        assert_eq!(response.status(), 400, "{path}");
        assert!(response.text().await.unwrap().contains("Bad request"));
    }
    let injected = operator
        .submit(
            &format!("/admin/sessions/{id}/revoke"),
            &[("return_to", "/admin/sessions\r\nSet-Cookie: stolen=1")],
        )
        .await;
    assert_eq!(injected.status(), 400);
    assert!(injected.headers().get("location").is_none());
}

/// The panel's unsafe routes, read from where they are registered.
fn panel_post_routes() -> Vec<String> {
    let source = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes/admin/mod.rs"),
    )
    .unwrap();
    let mut routes = Vec::new();
    let mut rest = source.as_str();
    while let Some(at) = rest.find("web::resource(\"") {
        rest = &rest[at + "web::resource(\"".len()..];
        let path = &rest[..rest.find('"').unwrap()];
        let until_next = rest.find("web::resource(").unwrap_or(rest.len());
        if rest[..until_next].contains("web::post()") {
            let concrete = crate::helpers::concrete_path(path);
            routes.push(format!("/admin{concrete}"));
        }
    }
    routes
}

crate::on_both_backends!(every_panel_form_route_refuses_foreign_origins_and_missing_tokens);

/// Walks every POST route of the panel as a signed-in operator: a foreign Origin is
/// refused before anything runs (even with the session's form token), and so is a
/// form without its token; the operator is still signed in afterwards.
async fn every_panel_form_route_refuses_foreign_origins_and_missing_tokens(app: TestApp) {
    let operator = app.operator().await;
    let routes = panel_post_routes();
    assert!(routes.len() >= 7, "{routes:?}");
    let token = operator.csrf().await;
    let mut unguarded = Vec::new();
    for route in &routes {
        let foreign = operator
            .client
            .post(app.url(route))
            .header("Origin", "https://evil.example.net")
            .form(&[("csrf_token", token.as_str()), ("confirm", "on")])
            .send()
            .await
            .unwrap();
        if foreign.status() != 403 {
            unguarded.push(format!(
                "{route} from a foreign origin: {}",
                foreign.status()
            ));
        }
        let tokenless = operator
            .client
            .post(app.url(route))
            .form(&[("confirm", "on")])
            .send()
            .await
            .unwrap();
        if tokenless.status() != 403 {
            unguarded.push(format!("{route} without its token: {}", tokenless.status()));
        }
    }
    assert!(unguarded.is_empty(), "{unguarded:#?}");
    // An Origin that names no origin at all ("null", from a sandboxed frame) is
    // refused too, as is a Referer that is not a URL.
    for (header, value) in [("Origin", "null"), ("Referer", "not a url")] {
        let unreadable = operator
            .client
            .post(app.url("/admin/logout"))
            .header(header, value)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(unreadable.status(), 403, "{header}: {value}");
    }
    // Nothing reached a handler: still signed in.
    assert_eq!(operator.get("/admin").await.status(), 200);
    // The panel's own origin is accepted (a browser's form post names it).
    let own = operator
        .client
        .post(app.url("/admin/audit/export"))
        .header("Origin", app.address.as_str())
        .form(&[
            ("csrf_token", token.as_str()),
            ("from", "2026-01-01"),
            ("to", "2026-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
}
