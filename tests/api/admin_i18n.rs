//! The panel in both languages: every page in English and in Japanese, chosen by
//! Accept-Language or by the header's switch, with no word missing from the catalog,
//! and dates in the operator's time zone.

use crate::helpers::{AdminBrowser, OPERATOR, TestApp, client, csrf_of};

crate::on_both_backends!(
    audit_events_are_shown_in_the_operators_language,
    every_page_reads_whole_in_both_languages,
    the_switch_is_remembered_and_dates_follow_the_zone,
    the_japanese_audit_log_has_no_english_word,
);

/// Every page an operator can reach, with data on it.
async fn pages(app: &TestApp, operator: &AdminBrowser) -> Vec<String> {
    app.signup("reader@example.com").await;
    let id = app.user_id("reader@example.com").await;
    let operator_id = app.user_id(OPERATOR).await;
    let _ = operator;
    vec![
        "/admin".into(),
        "/admin/users".into(),
        "/admin/users?q=nobody".into(),
        format!("/admin/users/{id}"),
        format!("/admin/users/{operator_id}"),
        "/admin/sessions".into(),
        "/admin/sessions?kind=bearer".into(),
        "/admin/audit".into(),
        "/admin/audit?action=nothing".into(),
        "/admin/users/no-such-user".into(),
    ]
}

fn assert_whole(html: &str, path: &str) {
    assert!(
        !html.contains('⟦'),
        "{path}: a word is missing from the catalog:\n{html}"
    );
}

async fn every_page_reads_whole_in_both_languages(app: TestApp) {
    let operator = app.operator().await;
    for path in pages(&app, &operator).await {
        let english = operator.get(&path).await.text().await.unwrap();
        assert_whole(&english, &path);
        assert!(english.contains("<html lang=\"en\">"), "{path}");

        let japanese = operator.page_in(&path, "ja-JP,ja;q=0.9,en;q=0.5").await;
        assert_whole(&japanese, &path);
        assert!(japanese.contains("<html lang=\"ja\">"), "{path}");
        // The navigation (or the error page's way back) is in Japanese.
        assert!(
            japanese.contains("ダッシュボード"),
            "{path} is not in Japanese:\n{japanese}"
        );
    }
    // The sign-in page and a refused sign-in, signed out.
    let anonymous = client();
    let form = anonymous
        .get(app.url("/admin/login"))
        .header("accept-language", "ja")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_whole(&form, "/admin/login");
    assert!(form.contains("運用者専用です"));
    let refused = anonymous
        .post(app.url("/admin/login"))
        .header("accept-language", "ja")
        .form(&[
            ("email", OPERATOR),
            ("password", "wrong password"),
            ("csrf_token", &csrf_of(&form)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let refused = refused.text().await.unwrap();
    assert_whole(&refused, "refused sign-in");
    assert!(refused.contains("メールアドレスまたはパスワードが正しくありません"));
}

async fn the_switch_is_remembered_and_dates_follow_the_zone(app: TestApp) {
    let operator = app.operator().await;
    let english = operator.page("/admin/users").await;
    assert!(english.contains("Created (UTC)"), "{english}");

    let switched = operator
        .get("/admin/preferences?lang=ja&tz=Asia%2FTokyo&back=%2Fadmin%2Fusers")
        .await;
    assert_eq!(switched.status(), 303);
    assert_eq!(switched.headers()["location"], "/admin/users");

    // Remembered without any Accept-Language, over a browser's English one too.
    let japanese = operator.page_in("/admin/users", "en").await;
    assert!(japanese.contains("<html lang=\"ja\">"));
    assert!(japanese.contains("作成（Asia/Tokyo）"), "{japanese}");

    // The operator's own row was created moments ago: shown nine hours ahead of UTC.
    let now_tokyo = (chrono::Utc::now() + chrono::TimeDelta::hours(9))
        .format("%Y-%m-%d")
        .to_string();
    assert!(japanese.contains(&now_tokyo), "{japanese}");

    // A flash after an action is in the operator's language.
    app.signup("flash@example.com").await;
    let id = app.user_id("flash@example.com").await;
    operator
        .submit(&format!("/admin/users/{id}/disable"), &[])
        .await;
    let page = operator.page(&format!("/admin/users/{id}")).await;
    assert!(page.contains("確認のチェックボックス"), "{page}");

    // Unknown values change nothing; a foreign return address is not followed.
    let odd = operator
        .get("/admin/preferences?lang=fr&tz=Mars%2FOlympus&back=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(odd.headers()["location"], "/admin");
    let preference_cookies = odd
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter(|c| c.to_str().unwrap().starts_with("sekisho_admin_"))
        .filter(|c| !c.to_str().unwrap().starts_with("sekisho_admin="))
        .count();
    assert_eq!(preference_cookies, 0);
    assert!(operator.page("/admin").await.contains("<html lang=\"ja\">"));

    // Back to English.
    operator.get("/admin/preferences?lang=en&tz=UTC").await;
    assert!(operator.page("/admin").await.contains("<html lang=\"en\">"));
}

/// The audit log names each event and its details in the operator's language, from
/// the typed details stored as JSON; the stored name stays beside it (what the
/// filter takes).
async fn audit_events_are_shown_in_the_operators_language(app: TestApp) {
    let operator = app.operator().await;
    app.signup("typed@example.com").await;
    let english = operator
        .get("/admin/audit?action=user.signup")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        english.contains(r#"title="user.signup">Signed up</a>"#),
        "{english}"
    );
    assert!(english.contains("method: password"), "{english}");
    let japanese = operator
        .page_in("/admin/audit?action=user.signup", "ja")
        .await;
    assert!(
        japanese.contains(r#"title="user.signup">サインアップ</a>"#),
        "{japanese}"
    );
    assert!(japanese.contains("方法: パスワード"), "{japanese}");
}

/// The audit log in Japanese, Tokyo time: actions, targets and details in Japanese
/// words (codes only in links and titles), a ban's end in the operator's zone, no ASCII
/// parentheses, and the CSV's headers in Japanese naming the zone.
async fn the_japanese_audit_log_has_no_english_word(app: TestApp) {
    let operator = app.operator().await;
    let switched = operator
        .get("/admin/preferences?lang=ja&tz=Asia%2FTokyo&back=%2Fadmin%2Faudit")
        .await;
    assert_eq!(switched.status(), 303);
    app.signup("audited@example.com").await;
    let _ = app
        .attempt_login("audited@example.com", crate::helpers::PASSWORD)
        .await;
    let id = app.user_id("audited@example.com").await;
    // Ends at 2030-01-02 09:00 in Tokyo: 00:00 UTC.
    let banned = operator
        .submit(
            &format!("/admin/users/{id}/disable"),
            &[
                ("confirm", "yes"),
                ("reason", "spam"),
                ("note", "メモ"),
                ("until", "2030-01-02T09:00"),
            ],
        )
        .await;
    assert_eq!(banned.status(), 303);
    let page = operator.page_in("/admin/audit", "ja").await;
    let body = page
        .split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .expect("the audit table");
    // The text a reader sees: tags and their attributes dropped.
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    assert!(text.contains("2030-01-02 09:00（Asia/Tokyo）"), "{text}");
    assert!(text.contains("スパム"), "{text}");
    assert!(text.contains("パスワード"), "{text}");
    // What may stay in Latin letters: addresses, ids, the zone's name, and acronyms.
    let allowed = [
        "IP", "ID", "TOTP", "URL", "API", "JSON", "Webhook", "Asia", "Tokyo",
    ];
    let english: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || "（）:：·,、/".contains(c))
        .filter(|word| !word.contains('@') && !word.contains('-') && !word.contains('.'))
        // The start of an id (hex digits and an ellipsis).
        .filter(|word| {
            !word
                .trim_end_matches('…')
                .chars()
                .all(|c| c.is_ascii_hexdigit())
        })
        .filter(|word| word.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .filter(|word| !allowed.contains(word))
        .collect();
    assert!(english.is_empty(), "English words {english:?} in\n{text}");
    assert!(!text.contains('(') && !text.contains(')'), "{text}");

    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let export = operator
        .submit(
            "/admin/audit/export",
            &[("from", &today), ("to", &today), ("action", "")],
        )
        .await
        .text()
        .await
        .unwrap();
    let header = export.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("ID,日時（Asia/Tokyo）,実行者ID,"),
        "{header}"
    );
    assert!(
        export.contains("+09:00,"),
        "times in Tokyo, with the offset: {export}"
    );
}
