//! FRONTEND_ROUTES: every link a mail carries and every redirect into the app follows
//! the configured pages (under FRONTEND_URL's own path), and a bad value stops the
//! start naming the variable.

use serde_json::json;

use sekisho::domain::ManagementScope;

use crate::helpers::oidc::{FakeProvider, Plan};
use crate::helpers::smtp::decoded;
use crate::helpers::{PASSWORD, SmtpListener, TestApp, TestDb, client};
use crate::social::{location, sign_in};

crate::on_both_databases!(every_link_and_redirect_follows_the_configured_routes);

const APP: &str = "http://localhost:3000/shop";
const ROUTES: &str = "login=/auth/login,verify-email=/auth/verify,reset-password=/auth/reset,\
                      two-factor=/auth/code,settings=/account,sign-in-email=/auth/email";

/// The first `{APP}{path}…` link in any mail so far, waiting up to ten seconds.
async fn link_in_mails(smtp: &SmtpListener, path: &str, nth: usize) -> String {
    let prefix = format!("{APP}{path}");
    for _ in 0..100 {
        let links: Vec<String> = smtp
            .all_decoded()
            .iter()
            .filter_map(|mail| {
                let at = mail.find(&prefix)?;
                mail[at..]
                    .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
                    .next()
                    .map(str::to_owned)
            })
            .collect();
        if let Some(link) = links.get(nth - 1) {
            return link.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no mail linked to {prefix} (mail {nth})");
}

async fn every_link_and_redirect_follows_the_configured_routes(db: TestDb) {
    let smtp = SmtpListener::start().await;
    let provider = FakeProvider::start().await;
    let provider_env = provider.env();
    let mut vars: Vec<(&str, &str)> = provider_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    vars.extend([("FRONTEND_URL", APP), ("FRONTEND_ROUTES", ROUTES)]);
    let app = TestApp::spawn_with_smtp(db, &smtp, &vars).await;
    crate::social::wait_for_providers(&app, 1).await;

    // Sign-up's verification mail.
    app.signup("routes@example.com").await;
    let verify = link_in_mails(&smtp, "/auth/verify?token=", 1).await;
    let token = verify.split("token=").nth(1).unwrap();
    let verified = app
        .post("/api/v1/auth/verify-email", json!({ "token": token }))
        .await;
    assert_eq!(verified.status(), 200, "the routed link's token works");

    // The reset mail.
    let forgot = app
        .post(
            "/api/v1/auth/forgot-password",
            json!({ "email": "routes@example.com" }),
        )
        .await;
    assert_eq!(forgot.status(), 200);
    link_in_mails(&smtp, "/auth/reset?token=", 1).await;

    // An operator's invitation: the same set-your-password page.
    let key = sekisho::admin::management_keys::create(
        &app.pool,
        None,
        "routes",
        vec![ManagementScope::UsersWrite],
        None,
    )
    .await
    .expect("a key")
    .key;
    let invited = app
        .client
        .post(app.url("/api/v1/admin/users"))
        .header("authorization", format!("Bearer {key}"))
        .json(&json!({ "email": "invited@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(invited.status(), 201);
    let invitation = link_in_mails(&smtp, "/auth/reset?token=", 2).await;
    assert!(
        smtp.all_decoded()
            .iter()
            .any(|m| m.contains("To: invited@example.com") && m.contains(&invitation)),
        "the invitation goes to the invited address"
    );

    // A security notice's "review your account" link (turning TOTP on sends one).
    let enrolled = app.enable_totp(&app.client, PASSWORD).await;
    let settings = link_in_mails(&smtp, "/account", 1).await;
    assert_eq!(settings, format!("{APP}/account"));

    // The email sign-in mail, with the callback after the token.
    let asked = app
        .post(
            "/api/v1/auth/sign-in/email",
            json!({ "email": "routes@example.com", "callbackURL": "/dashboard" }),
        )
        .await;
    assert_eq!(asked.status(), 200);
    let sign_in_link = link_in_mails(&smtp, "/auth/email?token=", 1).await;
    assert!(
        sign_in_link.contains("&callbackURL=http%3A%2F%2Flocalhost%3A3000%2Fdashboard"),
        "{sign_in_link}"
    );

    // A social sign-in of the TOTP user lands on the routed code page.
    let browser = client();
    let landed = sign_in(
        &app,
        &browser,
        &provider,
        Plan::person("acme-routes", "routes@example.com"),
    )
    .await;
    assert_eq!(landed.status(), 302);
    assert_eq!(
        location(&landed),
        format!("{APP}/auth/code?next=%2Fdashboard")
    );
    drop(enrolled);

    // A callback nobody started goes to the routed login page with its code.
    let stray = client()
        .get(app.url("/api/v1/auth/callback/acme?code=x&state=nobody-started-this"))
        .send()
        .await
        .unwrap();
    assert_eq!(stray.status(), 302);
    let to = location(&stray);
    assert!(to.starts_with(&format!("{APP}/auth/login?error=")), "{to}");

    // No mail anywhere names a default page.
    for mail in smtp.all_decoded() {
        for default in [
            "/verify-email?",
            "/reset-password?",
            "/settings",
            "/sign-in/email?",
        ] {
            assert!(!mail.contains(default), "{default} in\n{}", decoded(&mail));
        }
    }
}
