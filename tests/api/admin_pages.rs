//! What the panel's pages show: the audit log's filters and links, user agents in
//! short, dates that do not wrap, the icon.

use sekisho::db::RunOn;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, client};

crate::on_both_backends!(
    the_audit_log_filters_by_action_actor_and_target,
    session_rows_show_a_short_user_agent_with_the_full_one_on_hover,
    operators_see_verification_and_linked_accounts_and_can_resend_the_mail,
);

/// The sessions the panel lists for `email`, as revoke-form ids.
async fn session_ids(operator: &crate::helpers::AdminBrowser, email: &str) -> Vec<String> {
    let list = operator
        .page(&format!(
            "/admin/sessions?user={}",
            email.replace('@', "%40")
        ))
        .await;
    list.match_indices("action=\"/admin/sessions/")
        .map(|(i, m)| list[i + m.len()..].split('/').next().unwrap().to_owned())
        .collect()
}

async fn the_audit_log_filters_by_action_actor_and_target(app: TestApp) {
    let operator = app.operator().await;
    app.signup("alice@example.com").await;
    app.signup("bob@example.com").await;
    let (alice, bob) = (
        app.user_id("alice@example.com").await,
        app.user_id("bob@example.com").await,
    );
    let disabled = operator
        .submit(
            &format!("/admin/users/{alice}/disable"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(disabled.status(), 303);
    let bob_session = session_ids(&operator, "bob@example.com").await;
    assert_eq!(bob_session.len(), 1);
    let revoked = operator
        .submit(&format!("/admin/sessions/{}/revoke", bob_session[0]), &[])
        .await;
    assert_eq!(revoked.status(), 303);

    // Unfiltered: everything, targets linked to their users, the operator's name too.
    let all = operator.page("/admin/audit").await;
    assert!(all.contains("<title>Audit log · Sekisho admin</title>"));
    for action in [
        "user.signup",
        "admin.login",
        "admin.user_disabled",
        "admin.session_revoked",
    ] {
        assert!(all.contains(action), "{action} missing");
    }
    let operator_id = app.user_id(crate::helpers::OPERATOR).await;
    assert!(all.contains(&format!("href=\"/admin/users/{operator_id}\"")));
    // The revoked session's entry links to its user.
    let session_entry = all
        .split("<tr>")
        .find(|row| row.contains("admin.session_revoked"))
        .unwrap();
    assert!(
        session_entry.contains(&format!("href=\"/admin/users/{bob}\"")),
        "{session_entry}"
    );

    // By action, as a prefix.
    let admin_only = operator.page("/admin/audit?action=admin.user_").await;
    assert!(admin_only.contains("admin.user_disabled"));
    assert!(!admin_only.contains("user.signup") && !admin_only.contains("admin.session_revoked"));

    // By actor: part of the operator's email.
    let by_operator = operator.page("/admin/audit?actor=ops%40").await;
    assert!(by_operator.contains("admin.user_disabled"));
    assert!(!by_operator.contains(r#"title="user.signup""#));

    // By target: a user's email finds entries about the user and about its sessions.
    let about_bob = operator.page("/admin/audit?target=bob%40example").await;
    assert!(about_bob.contains("admin.session_revoked"));
    assert!(about_bob.contains(r#"title="user.signup""#));
    assert!(!about_bob.contains("admin.user_disabled"), "that was Alice");
    // And by id.
    let by_id = operator.page(&format!("/admin/audit?target={alice}")).await;
    assert!(by_id.contains("admin.user_disabled"));
    assert!(!by_id.contains("admin.session_revoked"));
    // The filters are kept in the form, and an empty result says so.
    let nothing = operator.page("/admin/audit?action=no.such.action").await;
    assert!(nothing.contains("No entry matches these filters."));
    assert!(nothing.contains("value=\"no.such.action\""));
    // LIKE wildcards are text: `%` does not match everything.
    let wildcard = operator.page("/admin/audit?action=%25").await;
    assert!(wildcard.contains("No entry matches these filters."));
}

async fn session_rows_show_a_short_user_agent_with_the_full_one_on_hover(app: TestApp) {
    const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.73 Safari/537.36";
    let operator = app.operator().await;
    app.signup("carol@example.com").await;
    let browser = client();
    let login = browser
        .post(app.url("/api/v1/auth/login"))
        .header("Origin", crate::helpers::FRONTEND)
        .header("User-Agent", CHROME)
        .json(&json!({ "email": "carol@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let carol = app.user_id("carol@example.com").await;
    for page in [
        operator.page("/admin/sessions").await,
        operator.page(&format!("/admin/users/{carol}")).await,
    ] {
        assert!(page.contains(">Chrome 156 on Linux</td>"), "{page}");
        assert!(page.contains(&format!("title=\"{CHROME}\"")));
        // Dates are marked so that they never wrap at their hyphens.
        assert!(page.contains("class=\"when\""));
    }

    // The icon the pages name is served, from the binary.
    assert!(
        operator
            .page("/admin")
            .await
            .contains("href=\"/static/favicon.svg\"")
    );
    let icon = client()
        .get(app.url("/static/favicon.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));
}

async fn operators_see_verification_and_linked_accounts_and_can_resend_the_mail(app: TestApp) {
    let operator = app.operator().await;
    app.signup("unverified@example.com").await;
    // The sign-up's mail is sent after the answer; its minute starts when it is.
    app.wait_for_outbox_to("verify-email", 1).await;
    let id = app.user_id("unverified@example.com").await;
    let user_id = id.clone();
    app.with_db(move |conn| {
        use sekisho::db::schema::auth_throttles as t;
        sekisho::db::identities::insert(
            conn,
            &sekisho::db::identities::NewAccount {
                provider: "acme",
                subject: "acme-subject",
                user_id: &user_id,
                email: Some("at-acme@example.org"),
                created_at: sekisho::db::now(),
            },
        )
        .unwrap();
        // The sign-up's mail went out within the minute: let the minute pass.
        diesel::delete(t::table).execute_on(conn).unwrap();
    })
    .await;

    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("data-verified=\"no\""), "{page}");
    assert!(page.contains("Linked accounts (1)"));
    assert!(page.contains("at-acme@example.org"));
    assert!(page.contains("Resend the verification mail"));

    let unverified = operator.page("/admin/users?verified=no").await;
    assert!(unverified.contains("unverified@example.com"));
    let verified = operator.page("/admin/users?verified=yes").await;
    assert!(!verified.contains("unverified@example.com"));
    assert!(verified.contains("value=\"yes\" selected"));

    let sent = operator
        .submit(&format!("/admin/users/{id}/resend-verification"), &[])
        .await;
    assert_eq!(sent.status(), 303);
    app.wait_for_outbox_to("verify-email", 2).await;
    let audit = operator
        .page("/admin/audit?action=admin.verification_resent")
        .await;
    assert!(audit.contains("admin.verification_resent"), "{audit}");

    // Without the panel's form token: refused, nothing sent.
    let forged = operator
        .post(&format!("/admin/users/{id}/resend-verification"), &[])
        .await;
    assert_eq!(forged.status(), 403);
}
