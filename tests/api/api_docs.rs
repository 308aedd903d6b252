//! GET /api/docs: the API reference page works from the binary alone, in a real
//! browser, under a CSP that allows no inline script and nothing from elsewhere.

use std::time::Duration;

use crate::helpers::{Backend, Browser, TestApp, TestDb};

#[tokio::test]
async fn the_reference_page_and_its_assets_are_served_from_the_binary() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let page = app.get("/api/docs").await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let script_src = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap();
    assert_eq!(script_src, "script-src 'self'", "{policy}");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "no inline script: {html}");

    for (path, kind) in [
        ("/api/docs/swagger-ui-bundle.js", "text/javascript"),
        ("/api/docs/init.js", "text/javascript"),
        ("/api/docs/swagger-ui.css", "text/css"),
    ] {
        let asset = app.get(path).await;
        assert_eq!(asset.status(), 200, "{path}");
        assert!(
            asset.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{path}"
        );
        assert!(!asset.text().await.unwrap().is_empty(), "{path}");
    }
    // Still the API's JSON 404 beside it.
    let unknown = app.get("/api/docs/nothing.js").await;
    assert_eq!(unknown.status(), 404);
}

/// Chromium renders every operation of the document, having loaded nothing from
/// another origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_renders_in_a_browser_under_its_csp() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else {
        return;
    };
    let Some(browser) = Browser::start("API reference browser test").await else {
        return;
    };
    let app = TestApp::spawn_on(db, &[]).await;
    let b = &browser.client;
    b.goto(&app.url("/api/docs")).await.unwrap();
    let mut rendered = 0;
    for _ in 0..100 {
        rendered = b
            .execute(
                "return document.querySelectorAll('.opblock-summary-path').length",
                vec![],
            )
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(0);
        if rendered >= 16 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(rendered >= 16, "operations rendered: {rendered}");
    let text = b
        .execute("return document.body.innerText", vec![])
        .await
        .unwrap();
    assert!(
        text.as_str().unwrap().contains("/api/v1/auth/login"),
        "{text}"
    );
    let foreign = b
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(foreign, serde_json::json!([]), "loaded from elsewhere");
    crate::browser::save_screenshot(&browser, "api-docs").await;
    browser.close().await;
}
