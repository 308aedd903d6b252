//! The panel's own sign-in and second factors: an operator who turned one on gives
//! the code after the password (the form asks for it), a wrong code is refused and
//! audited, and with ADMIN_REQUIRE_TWO_FACTOR an operator without one is kept out
//! with a page that says how to turn it on.

use crate::helpers::two_factor::code;

use crate::helpers::{OPERATOR, OPERATOR_PASSWORD, TestApp, TestDb, client, csrf_of};

crate::on_both_databases!(
    an_operator_with_a_second_factor_gives_the_code,
    admin_require_two_factor_keeps_operators_without_one_out,
);

/// Turns the operator's second factor on through the API; returns its secret.
async fn operator_with_a_second_factor(app: &TestApp) -> Vec<u8> {
    app.create_operator().await;
    enable_for_operator(app).await
}

async fn enable_for_operator(app: &TestApp) -> Vec<u8> {
    let api = app.login_elsewhere_with(OPERATOR, OPERATOR_PASSWORD).await;
    app.enable_totp(&api, OPERATOR_PASSWORD).await.secret
}

/// One submission of the panel's login form by `browser` (a fresh form each time).
pub(crate) async fn panel_login(
    app: &TestApp,
    browser: &reqwest::Client,
    code: Option<&str>,
) -> reqwest::Response {
    let page = browser
        .get(app.url("/admin/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_of(&page);
    let mut form = vec![
        ("email", OPERATOR),
        ("password", OPERATOR_PASSWORD),
        ("csrf_token", token.as_str()),
    ];
    if let Some(code) = code {
        form.push(("code", code));
    }
    browser
        .post(app.url("/admin/login"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn signed_in(app: &TestApp, browser: &reqwest::Client) -> bool {
    let dashboard = browser.get(app.url("/admin")).send().await.unwrap();
    dashboard.status() == 200
}

async fn an_operator_with_a_second_factor_gives_the_code(db: TestDb) {
    let app = TestApp::spawn_on(db, &[]).await;
    let secret = operator_with_a_second_factor(&app).await;
    let browser = client();

    let asked = panel_login(&app, &browser, None).await;
    assert_eq!(asked.status(), 200);
    let page = asked.text().await.unwrap();
    assert!(
        page.contains("name=\"code\""),
        "the form asks for the code: {page}"
    );
    assert!(!signed_in(&app, &browser).await);

    let stale = code(&secret, -300);
    let wrong = panel_login(&app, &browser, Some(&stale)).await;
    assert_eq!(wrong.status(), 401);
    assert!(!signed_in(&app, &browser).await);

    let next = code(&secret, 30);
    let passed = panel_login(&app, &browser, Some(&next)).await;
    assert_eq!(passed.status(), 303);
    assert!(signed_in(&app, &browser).await);

    // The same code again: used once.
    let again = panel_login(&app, &client(), Some(&next)).await;
    assert_eq!(again.status(), 401);
    let actions: Vec<String> = app
        .with_db(|conn| {
            sekisho::db::audit::list(conn, None, 100)
                .unwrap()
                .into_iter()
                .map(|e| e.action.to_string())
                .filter(|a| a.starts_with("admin.login"))
                .collect()
        })
        .await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "admin.login_failed")
            .count(),
        2,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "admin.login"), "{actions:?}");
}

async fn admin_require_two_factor_keeps_operators_without_one_out(db: TestDb) {
    let app = TestApp::spawn_on(db, &[("ADMIN_REQUIRE_TWO_FACTOR", "true")]).await;
    app.create_operator().await;
    let browser = client();
    let refused = panel_login(&app, &browser, None).await;
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(page.contains("ADMIN_REQUIRE_TWO_FACTOR"), "{page}");
    assert!(page.contains("/api/v1/auth/two-factor/setup"), "{page}");
    assert!(!signed_in(&app, &browser).await);

    // Turned on: the code step, then the panel.
    let secret = enable_for_operator(&app).await;
    let code = code(&secret, 30);
    let passed = panel_login(&app, &browser, Some(&code)).await;
    assert_eq!(passed.status(), 303);
    assert!(signed_in(&app, &browser).await);
}
