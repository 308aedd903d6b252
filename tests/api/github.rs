//! GitHub sign-in against a stand-in of GitHub's authorize page, token endpoint and
//! REST API (an Enterprise layout: GITHUB_URL and GITHUB_API_URL): OAuth 2.0 with
//! state and PKCE, the account from /user, the address from /user/emails (primary, and
//! verified only when GitHub says so), the same linking rules as the OpenID providers.

use serde_json::{Value, json};

use crate::helpers::github::{CLIENT_ID, FakeGitHub, GitHubUser};
use crate::helpers::{FRONTEND, TestApp, TestDb, client};
use crate::social::{callback, location, sets_session, wait_for_providers};

crate::on_both_databases!(
    a_github_sign_in_makes_a_verified_user_from_user_and_emails,
    an_unverified_primary_address_never_joins_an_existing_account,
    a_refused_code_is_oauth_failed,
);

async fn spawn(db: TestDb, github: &FakeGitHub) -> TestApp {
    let env = github.env();
    let vars: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_on(db, &vars).await;
    wait_for_providers(&app, 1).await;
    app
}

/// Starts a GitHub sign-in on `browser` and lets GitHub consent; the URL GitHub sends
/// the browser back to.
async fn to_github_and_back(
    app: &TestApp,
    browser: &reqwest::Client,
    github: &FakeGitHub,
    user: GitHubUser,
) -> String {
    github.next(user);
    let started = app
        .post_with(
            browser,
            "/api/v1/auth/sign-in/social",
            json!({ "provider": "github", "callbackURL": "/dashboard" }),
        )
        .await;
    assert_eq!(started.status(), 200);
    let body: Value = started.json().await.unwrap();
    let at_github = browser
        .get(body["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(at_github.status(), 302);
    location(&at_github)
}

async fn a_github_sign_in_makes_a_verified_user_from_user_and_emails(db: TestDb) {
    let github = FakeGitHub::start().await;
    let app = spawn(db, &github).await;
    let listed = wait_for_providers(&app, 1).await;
    assert_eq!(
        listed,
        json!({ "providers": [{ "id": "github", "name": "GitHub" }] })
    );

    let browser = client();
    let back = to_github_and_back(
        &app,
        &browser,
        &github,
        GitHubUser::with_primary(4242, "Octo.Cat@Example.com", true),
    )
    .await;
    let asked = github.last_authorization();
    assert_eq!(asked["client_id"], CLIENT_ID);
    assert_eq!(asked["scope"], "read:user user:email");
    assert_eq!(asked["code_challenge_method"], "S256");
    assert!(asked["code_challenge"].len() >= 43);
    assert!(asked["state"].len() >= 16);
    assert_eq!(
        asked["redirect_uri"],
        app.url("/api/v1/auth/callback/github")
    );

    let done = callback(&browser, &back).await;
    assert_eq!(done.status(), 302);
    assert_eq!(location(&done), format!("{FRONTEND}/dashboard"));
    assert!(sets_session(&done));
    let me: Value = app.json_as(&browser, "/api/v1/auth/me").await;
    // The primary address, not the first one listed.
    assert_eq!(me["user"]["email"], "octo.cat@example.com");
    assert_eq!(me["user"]["emailVerified"], true);
    assert_eq!(me["user"]["name"], "Octo Cat");
    assert_eq!(me["user"]["image"], "https://avatars.example.com/u/4242");
    let accounts: Value = app.json_as(&browser, "/api/v1/auth/accounts").await;
    assert_eq!(accounts["accounts"][0]["provider"], "github");
    let sessions: Value = app.json_as(&browser, "/api/v1/auth/sessions").await;
    assert_eq!(sessions["sessions"][0]["signInMethod"], "provider:github");

    // The same GitHub account (its numeric id) signs in the same user, whatever its
    // address says now.
    let again = client();
    let mut renamed = GitHubUser::with_primary(4242, "other@example.com", true);
    renamed.name = None;
    let back = to_github_and_back(&app, &again, &github, renamed).await;
    let done = callback(&again, &back).await;
    assert!(sets_session(&done));
    let me_again: Value = app.json_as(&again, "/api/v1/auth/me").await;
    assert_eq!(me_again["user"]["id"], me["user"]["id"]);
}

async fn an_unverified_primary_address_never_joins_an_existing_account(db: TestDb) {
    let github = FakeGitHub::start().await;
    let app = spawn(db, &github).await;
    app.signup("taken@example.com").await;
    app.mark_verified("taken@example.com").await;
    let browser = client();
    let back = to_github_and_back(
        &app,
        &browser,
        &github,
        GitHubUser::with_primary(7, "taken@example.com", false),
    )
    .await;
    let done = callback(&browser, &back).await;
    assert_eq!(done.status(), 302);
    assert!(
        location(&done).contains("error=ACCOUNT_NOT_LINKED"),
        "{}",
        location(&done)
    );
    assert!(!sets_session(&done));

    // Verified at GitHub, the address joins the account.
    let back = to_github_and_back(
        &app,
        &browser,
        &github,
        GitHubUser::with_primary(7, "taken@example.com", true),
    )
    .await;
    let done = callback(&browser, &back).await;
    assert!(sets_session(&done));
    let accounts: Value = app.json_as(&browser, "/api/v1/auth/accounts").await;
    assert_eq!(accounts["accounts"][0]["provider"], "github");
}

async fn a_refused_code_is_oauth_failed(db: TestDb) {
    let github = FakeGitHub::start().await;
    let app = spawn(db, &github).await;
    let browser = client();
    let back = to_github_and_back(
        &app,
        &browser,
        &github,
        GitHubUser::with_primary(9, "nine@example.com", true),
    )
    .await;
    // The code, spent once by another (a replay): GitHub refuses the second exchange.
    let mut url = url::Url::parse(&back).unwrap();
    let state: String = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    url.query_pairs_mut()
        .clear()
        .append_pair("code", "not-a-code")
        .append_pair("state", &state);
    let done = callback(&browser, url.as_str()).await;
    assert_eq!(done.status(), 302);
    assert!(
        location(&done).contains("error=OAUTH_FAILED"),
        "{}",
        location(&done)
    );
    assert!(!sets_session(&done));
}
