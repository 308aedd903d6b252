//! What operators of other auth servers' consoles expect: a ban with a reason and an
//! end, role changes that never leave the panel without an operator, users created
//! with a link to choose their password, the audit log exported as CSV. Each action is
//! audited and behind the form token (and the confirmation box where it is one).

use chrono::TimeDelta;
use sekisho::admin::Actor;
use sekisho::admin::users::{ActionOutcome, UserCommand};
use sekisho::domain::Role;
use serde_json::json;

use crate::helpers::{OPERATOR, PASSWORD, TestApp, client, envelope, reset_link, token_of};

crate::on_both_backends!(
    a_ban_has_a_reason_the_user_sees_and_an_end_that_lifts_it,
    a_ban_needs_a_reason_and_a_future_end,
    roles_change_and_the_last_operator_stays,
    an_operator_creates_a_user_who_chooses_a_password,
    the_audit_log_exports_as_csv,
    the_new_forms_need_the_form_token,
    an_operator_resets_a_lost_second_factor,
    an_invitation_is_sent_again_and_only_the_newest_works,
);

async fn audit_actions(app: &TestApp) -> Vec<(String, Option<String>)> {
    app.with_db(|conn| {
        sekisho::db::audit::list(conn, None, 500)
            .unwrap()
            .into_iter()
            .map(|e| (e.action.to_string(), e.details))
            .collect()
    })
    .await
}

/// The browser's `datetime-local` value of a UTC time (the operator's zone is UTC).
fn local_input(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

async fn a_ban_has_a_reason_the_user_sees_and_an_end_that_lifts_it(app: TestApp) {
    let operator = app.operator().await;
    app.signup("banned@example.com").await;
    let id = app.user_id("banned@example.com").await;
    let until = chrono::Utc::now() + TimeDelta::days(2);
    let banned = operator
        .submit(
            &format!("/admin/users/{id}/disable"),
            &[
                ("confirm", "yes"),
                ("reason", "spam"),
                ("note", "sold watches in every thread"),
                ("until", &local_input(until)),
            ],
        )
        .await;
    assert_eq!(banned.status(), 303);
    assert_eq!(app.me_status(&app.client).await, 401, "sessions revoked");

    // The user learns the reason's code and the end, never the operator's note.
    let refused = app.attempt_login("banned@example.com", PASSWORD).await;
    let body = envelope(refused, reqwest::StatusCode::FORBIDDEN, "ACCOUNT_DISABLED").await;
    assert_eq!(body["error"]["details"]["reason"], "spam");
    let shown_until = body["error"]["details"]["until"].as_str().unwrap();
    assert!(shown_until.starts_with(&until.format("%Y-%m-%dT%H:%M").to_string()));
    assert!(!body.to_string().contains("watches"));

    // The panel shows all of it; the audit entry names reason and end.
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("sold watches in every thread"), "{page}");
    assert!(page.contains("<code>spam</code>"));
    let (_, details) = audit_actions(&app)
        .await
        .into_iter()
        .find(|(action, _)| action == "admin.user_disabled")
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&details.unwrap()).unwrap();
    assert_eq!(details["reason"], "spam");
    assert!(
        details["until"].as_str().unwrap().ends_with('Z'),
        "{details}"
    );

    // Once the end has passed, the ban is lifted by itself: the user signs in...
    let past = sekisho::db::now() - TimeDelta::minutes(1);
    let user = id.clone();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use sekisho::db::RunOn;
        use sekisho::db::schema::users;
        sekisho::db::update(
            users::table.find(&user),
            users::disabled_until.eq(Some(past)),
        )
        .execute_on(conn)
        .unwrap()
    })
    .await;
    let after = app.attempt_login("banned@example.com", PASSWORD).await;
    assert_eq!(after.status(), 200);
    // ...and the housekeeping tidies the row and records the end.
    let lifted = sekisho::admin::users::lift_ended_bans(&app.pool)
        .await
        .unwrap();
    assert_eq!(lifted, 1);
    let user = app.user_by_email("banned@example.com").await;
    assert!(user.disabled_at.is_none() && user.disabled_reason.is_none());
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|(action, _)| action == "user.ban_ended")
    );

    // A ban without an end lasts until an operator enables the account.
    operator
        .submit(
            &format!("/admin/users/{id}/disable"),
            &[("confirm", "yes"), ("reason", "terms")],
        )
        .await;
    let refused = app.attempt_login("banned@example.com", PASSWORD).await;
    let body = envelope(refused, reqwest::StatusCode::FORBIDDEN, "ACCOUNT_DISABLED").await;
    assert_eq!(body["error"]["details"]["reason"], "terms");
    assert!(body["error"]["details"]["until"].is_null());
    let users = operator.page("/admin/users?status=disabled").await;
    assert!(users.contains("banned@example.com"));
}

async fn a_ban_needs_a_reason_and_a_future_end(app: TestApp) {
    let operator = app.operator().await;
    app.signup("kept@example.com").await;
    let id = app.user_id("kept@example.com").await;
    let yesterday = local_input(chrono::Utc::now() - TimeDelta::days(1));
    let long_note = "n".repeat(501);
    for (fields, message) in [
        (
            vec![("confirm", "yes"), ("reason", "gossip")],
            "Choose the reason",
        ),
        (
            vec![
                ("confirm", "yes"),
                ("reason", "spam"),
                ("until", &yesterday),
            ],
            "must be in the future",
        ),
        (
            vec![("confirm", "yes"), ("reason", "spam"), ("until", "soon")],
            "not a date and time",
        ),
        (vec![("reason", "spam")], "Tick the confirmation box"),
        (
            vec![("confirm", "yes"), ("reason", "spam"), ("note", &long_note)],
            "longer than 500 characters",
        ),
    ] {
        let response = operator
            .submit(&format!("/admin/users/{id}/disable"), &fields)
            .await;
        assert_eq!(response.status(), 303);
        let page = operator.page(&format!("/admin/users/{id}")).await;
        assert!(page.contains(message), "{fields:?}: {page}");
        assert_eq!(app.me_status(&app.client).await, 200, "{fields:?}");
    }
}

async fn roles_change_and_the_last_operator_stays(app: TestApp) {
    let operator = app.operator().await;
    app.signup("helper@example.com").await;
    let id = app.user_id("helper@example.com").await;

    let unknown_role = operator
        .submit(
            &format!("/admin/users/{id}/role"),
            &[("role", "root"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(unknown_role.status(), 303);
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("Choose a role"), "{page}");

    let unconfirmed = operator
        .submit(&format!("/admin/users/{id}/role"), &[("role", "admin")])
        .await;
    assert_eq!(unconfirmed.status(), 303);
    assert!(!app.user_by_email("helper@example.com").await.is_admin());

    let promoted = operator
        .submit(
            &format!("/admin/users/{id}/role"),
            &[("role", "admin"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(promoted.status(), 303);
    assert!(app.user_by_email("helper@example.com").await.is_admin());
    assert!(audit_actions(&app).await.contains(&(
        "admin.role_changed".into(),
        Some(r#"{"role":"admin"}"#.into())
    )));
    // The helper now gets into the panel.
    let (_, helper) = app.admin_login("helper@example.com", PASSWORD).await;
    assert_eq!(helper.status(), 303);

    // Nobody changes their own role here.
    let operator_id = app.user_id(OPERATOR).await;
    operator
        .submit(
            &format!("/admin/users/{operator_id}/role"),
            &[("role", "user"), ("confirm", "yes")],
        )
        .await;
    assert!(app.user_by_email(OPERATOR).await.is_admin());

    // Demoting ends the helper's panel sessions with the role.
    let demoted = operator
        .submit(
            &format!("/admin/users/{id}/role"),
            &[("role", "user"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(demoted.status(), 303);
    assert!(!app.user_by_email("helper@example.com").await.is_admin());

    // Two operators demoting each other at once: the one who comes second is no
    // operator any more and is refused (the use case checks, after taking its turn,
    // inside its transaction); `races` runs it over two instances.
    let helper_actor = Actor::operator(id.clone().into(), "helper@example.com".into(), None);
    for command in [
        UserCommand::SetRole(Role::User),
        UserCommand::Delete,
        UserCommand::Disable(sekisho::db::users::Ban {
            reason: sekisho::domain::BanReason::Other,
            note: None,
            until: None,
        }),
    ] {
        let outcome = sekisho::admin::users::act(
            &app.state,
            helper_actor.clone(),
            operator_id.clone().into(),
            command,
            true,
        )
        .await
        .unwrap();
        assert_eq!(outcome, ActionOutcome::ActorNotOperator);
    }
    assert!(app.user_by_email(OPERATOR).await.is_admin());
    assert_eq!(operator.get("/admin").await.status(), 200);
}

async fn an_operator_creates_a_user_who_chooses_a_password(app: TestApp) {
    let operator = app.operator().await;
    let form = operator.page("/admin/users/new").await;
    assert!(form.contains("name=\"email\""));

    let unconfirmed = operator
        .submit(
            "/admin/users/new",
            &[("email", "invited@example.com"), ("role", "user")],
        )
        .await;
    assert_eq!(unconfirmed.status(), 400);
    let bad = operator
        .submit(
            "/admin/users/new",
            &[
                ("email", "not an address"),
                ("role", "user"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 400);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("Enter a valid email address") && bad.contains("not an address"));

    let long_name = "名".repeat(101);
    let bad_name = operator
        .submit(
            "/admin/users/new",
            &[
                ("email", "named@example.com"),
                ("name", &long_name),
                ("role", "user"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(bad_name.status(), 400);
    assert!(
        bad_name
            .text()
            .await
            .unwrap()
            .contains("longer than 100 characters")
    );
    let bad_role = operator
        .submit(
            "/admin/users/new",
            &[
                ("email", "named@example.com"),
                ("role", "root"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(bad_role.status(), 400);
    assert!(bad_role.text().await.unwrap().contains("Choose a role"));

    let created = operator
        .submit(
            "/admin/users/new",
            &[
                ("email", "Invited@Example.com"),
                ("name", "招待された人"),
                ("role", "user"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let id = app.user_id("invited@example.com").await;
    assert_eq!(created.headers()["location"], format!("/admin/users/{id}"));
    let user = app.user_by_email("invited@example.com").await;
    assert!(user.password_hash.is_none() && !user.email_verified);
    assert!(audit_actions(&app).await.contains(&(
        "admin.user_created".into(),
        Some(r#"{"role":"user"}"#.into())
    )));

    // The same address again is refused, nothing created twice.
    let again = operator
        .submit(
            "/admin/users/new",
            &[
                ("email", "invited@example.com"),
                ("role", "user"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(again.status(), 400);
    assert!(again.text().await.unwrap().contains("exists"));

    // The mail's link sets the first password; the address is then verified.
    let mail = app.wait_for_outbox_to("reset-password", 1).await.remove(0);
    assert!(mail.contains("Your new account") || mail.contains("Choose my password"));
    let token = token_of(&reset_link(&mail));
    let set = app
        .post_with(
            &client(),
            "/api/v1/auth/reset-password",
            json!({ "token": token, "newPassword": "my first password" }),
        )
        .await;
    assert_eq!(set.status(), 200);
    let login = app
        .attempt_login("invited@example.com", "my first password")
        .await;
    assert_eq!(login.status(), 200);
    assert!(
        app.user_by_email("invited@example.com")
            .await
            .email_verified
    );
}

async fn the_audit_log_exports_as_csv(app: TestApp) {
    let operator = app.operator().await;
    // An address that a spreadsheet would run as a formula.
    app.signup("=cmd@example.com").await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let export = operator
        .submit(
            "/admin/audit/export",
            &[("from", &today), ("to", &today), ("action", "")],
        )
        .await;
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        export.headers()["content-disposition"],
        format!("attachment; filename=\"audit-{today}-{today}.csv\"")
    );
    let csv = export.text().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "id,When (UTC),actor id,actor email,Action,action code,target type,target id,IP,\"details (JSON, times in UTC)\""
    );
    assert!(
        csv.contains(",'=cmd@example.com,Signed up,user.signup,"),
        "{csv}"
    );
    assert!(csv.contains("admin.login"));

    // Filtered by action, and nothing from another day.
    let only_signups = operator
        .submit(
            "/admin/audit/export",
            &[("from", &today), ("to", &today), ("action", "user.")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(only_signups.contains("user.signup") && !only_signups.contains("admin.login"));
    let long_ago = operator
        .submit(
            "/admin/audit/export",
            &[("from", "2001-01-01"), ("to", "2001-01-31")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(long_ago.lines().count(), 1, "{long_ago}");

    // Each export is audited.
    let exports = audit_actions(&app)
        .await
        .into_iter()
        .filter(|(action, _)| action == "admin.audit_exported")
        .count();
    assert_eq!(exports, 3);

    // Dates that are not dates, or in the wrong order: back to the log with a message.
    for (from, to) in [("yesterday", "today"), ("2026-12-03", "2026-12-01")] {
        let refused = operator
            .submit("/admin/audit/export", &[("from", from), ("to", to)])
            .await;
        assert_eq!(refused.status(), 303);
        let page = operator.page("/admin/audit").await;
        assert!(page.contains("class=\"flash error\""), "{from} {to}");
    }
}

async fn the_new_forms_need_the_form_token(app: TestApp) {
    let operator = app.operator().await;
    app.signup("target@example.com").await;
    let id = app.user_id("target@example.com").await;
    for (path, fields) in [
        (
            format!("/admin/users/{id}/role"),
            vec![("role", "admin"), ("confirm", "yes")],
        ),
        (
            format!("/admin/users/{id}/disable"),
            vec![("reason", "spam"), ("confirm", "yes")],
        ),
        (
            "/admin/users/new".to_owned(),
            vec![
                ("email", "x@example.com"),
                ("role", "user"),
                ("confirm", "yes"),
            ],
        ),
        (
            "/admin/audit/export".to_owned(),
            vec![("from", "2026-01-01"), ("to", "2026-12-31")],
        ),
    ] {
        let mut forged = fields.clone();
        forged.push(("csrf_token", "forged"));
        let response = operator.post(&path, &forged).await;
        assert_eq!(response.status(), 403, "{path}");
    }
    assert!(!app.user_by_email("target@example.com").await.is_admin());
    assert_eq!(app.me_status(&app.client).await, 200);
}

/// A user who lost their phone and their recovery codes: the operator sees the
/// factor on the user's page, resets it (confirmed, audited), and the user is signed
/// out everywhere and signs in with the password alone.
async fn an_operator_resets_a_lost_second_factor(app: TestApp) {
    let operator = app.operator().await;
    app.signup("lostphone@example.com").await;
    app.enable_totp(&app.client, PASSWORD).await;
    let id = app.user_id("lostphone@example.com").await;
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("Two-step verification"), "{page}");
    assert!(page.contains("id=\"reset-two-factor\""), "{page}");

    let unconfirmed = operator
        .submit(&format!("/admin/users/{id}/reset-two-factor"), &[])
        .await;
    assert_eq!(unconfirmed.status(), 303);
    assert_eq!(
        app.me_status(&app.client).await,
        200,
        "nothing happens unconfirmed"
    );
    let reset = operator
        .submit(
            &format!("/admin/users/{id}/reset-two-factor"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(reset.status(), 303);
    assert_eq!(
        app.me_status(&app.client).await,
        401,
        "signed out everywhere"
    );
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(!page.contains("id=\"reset-two-factor\""));
    let login = app.attempt_login("lostphone@example.com", PASSWORD).await;
    assert_eq!(login.status(), 200);
    let body: serde_json::Value = login.json().await.unwrap();
    assert_eq!(body["user"]["twoFactorEnabled"], false);
    let actions = audit_actions(&app).await;
    assert!(
        actions.iter().any(|(a, _)| a == "admin.two_factor_reset"),
        "{actions:?}"
    );
}

/// An invited user lost the mail: the operator sends it again; the new link sets the
/// password, the old one no longer does, and a user with a password gets no invitation.
async fn an_invitation_is_sent_again_and_only_the_newest_works(app: TestApp) {
    let operator = app.operator().await;
    let created = operator
        .submit(
            "/admin/users/new",
            &[
                ("email", "again@example.com"),
                ("role", "user"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let first = token_of(&reset_link(
        &app.wait_for_outbox_to("reset-password", 1).await.remove(0),
    ));
    let id = app.user_id("again@example.com").await;
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(
        page.contains("resend-invitation"),
        "offered to a user without a password"
    );

    let resent = operator
        .submit(&format!("/admin/users/{id}/resend-invitation"), &[])
        .await;
    assert_eq!(resent.status(), 303);
    let mails = app.wait_for_outbox_to("reset-password", 2).await;
    let newest = mails
        .iter()
        .map(|mail| token_of(&reset_link(mail)))
        .find(|token| *token != first)
        .expect("a second link");
    assert!(mails.iter().all(|m| m.contains("To: again@example.com")));

    let old = app
        .post_with(
            &client(),
            "/api/v1/auth/reset-password",
            json!({ "token": first, "newPassword": "an old link password" }),
        )
        .await;
    let (status, code) = crate::helpers::error_code(old).await;
    assert_eq!((status.as_u16(), code.as_str()), (400, "INVALID_TOKEN"));
    let set = app
        .post_with(
            &client(),
            "/api/v1/auth/reset-password",
            json!({ "token": newest, "newPassword": "the newest link" }),
        )
        .await;
    assert_eq!(set.status(), 200);
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|(action, _)| action == "admin.invitation_resent")
    );

    // Now the user has a password: nothing is sent, the operator is told why.
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(!page.contains("resend-invitation"));
    let refused = operator
        .submit(&format!("/admin/users/{id}/resend-invitation"), &[])
        .await;
    assert_eq!(refused.status(), 303);
    let shown = operator.page(&format!("/admin/users/{id}")).await;
    assert!(shown.contains("has a password already"), "{shown}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.outbox_mails_to("reset-password").len(), 2);
}
