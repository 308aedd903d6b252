//! The real Next.js development setup in a real browser: a page on
//! http://localhost:PORT_A signs up and reads /me from the API on
//! http://localhost:PORT_B with `credentials: "include"`; a page on an origin that is
//! not allowed is refused by the browser.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use fantoccini::Locator;

use crate::helpers::{Backend, Browser, TestApp, TestDb, client};

/// A page that runs `script` (with API set to the API's base URL) and writes the
/// outcome into #result, marking it done.
fn page(api: &str, script: &str) -> String {
    format!(
        r#"<!doctype html><html><body><pre id="result"></pre><script>
const API = "{api}";
const out = document.getElementById("result");
(async () => {{ {script} }})()
  .then(text => {{ out.textContent = text; }})
  .catch(e => {{ out.textContent = "error: " + e; }})
  .finally(() => out.setAttribute("data-done", "1"));
</script></body></html>"#
    )
}

const SIGNUP_THEN_ME: &str = r#"
const signup = await fetch(API + "/api/v1/auth/signup", {
  method: "POST", credentials: "include",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ email: "browser@example.com", password: "correct horse battery", name: "Browser" }),
});
const me = await fetch(API + "/api/v1/auth/me", { credentials: "include" });
const body = await me.json();
return "signup " + signup.status + "; me " + me.status + " " + body.user.email;
"#;

const ME_ONLY: &str = r#"
const me = await fetch(API + "/api/v1/auth/me", { credentials: "include" });
return "me " + me.status;
"#;

/// Serves one HTML page at / on `listener`; returns its port.
fn serve_page(html: String, listener: std::net::TcpListener) -> u16 {
    let port = listener.local_addr().expect("page address").port();
    let server = HttpServer::new(move || {
        let html = html.clone();
        App::new().route(
            "/",
            web::get().to(move || {
                let html = html.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(html)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    port
}

fn free_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind a page server")
}

async fn run_page(browser: &Browser, url: &str) -> String {
    browser.client.goto(url).await.expect("open the page");
    let result = browser
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#result[data-done]"))
        .await
        .expect("the page finished");
    result.text().await.expect("result text")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frontend_on_another_port_signs_up_and_reads_me() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::create(backend).await else {
            continue;
        };
        let Some(browser) = Browser::start("browser CORS test").await else {
            return;
        };

        // The front-end's port is known before the API starts: CORS_ORIGINS names it.
        let frontend_listener = free_listener();
        let frontend = format!(
            "http://localhost:{}",
            frontend_listener.local_addr().unwrap().port()
        );
        let app = TestApp::spawn_on(db, &[("CORS_ORIGINS", frontend.as_str())]).await;
        let api = app.address.replace("127.0.0.1", "localhost");
        serve_page(page(&api, SIGNUP_THEN_ME), frontend_listener);
        let result = run_page(&browser, &format!("{frontend}/")).await;
        assert_eq!(
            result, "signup 201; me 200 browser@example.com",
            "{backend:?}"
        );

        // A page on an origin that is not allowed: the browser refuses to hand it the
        // answer (no Access-Control-Allow-Origin), even though it has the cookie.
        let foreign_port = serve_page(page(&api, ME_ONLY), free_listener());
        let foreign = run_page(&browser, &format!("http://127.0.0.1:{foreign_port}/")).await;
        assert!(
            foreign.starts_with("error: TypeError"),
            "{backend:?}: {foreign}"
        );

        browser.close().await;
    }
}

/// An operator in a real browser: signs in, finds a user, revokes a session by
/// clicking, and the API rejects that session at once. Screenshots of the dashboard
/// and the user page are kept in target/screenshots/ (not committed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_revokes_a_session_by_clicking() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::create(backend).await else {
            continue;
        };
        let Some(browser) = Browser::start("admin browser test").await else {
            return;
        };
        let app = TestApp::spawn_on(db, &[]).await;
        app.create_operator().await;
        app.signup("customer@example.com").await;
        assert_eq!(app.me_status(&app.client).await, 200);
        let b = &browser.client;

        b.goto(&app.url("/admin")).await.unwrap();
        assert!(
            b.current_url()
                .await
                .unwrap()
                .path()
                .ends_with("/admin/login")
        );
        save_screenshot(&browser, &format!("admin-login-{backend:?}")).await;
        sign_in_as_operator(b).await;
        save_screenshot(&browser, &format!("admin-dashboard-{backend:?}")).await;

        // The sessions list fits a 1280 px window, Revoke column included, with a
        // long address and a browser's full user agent in it.
        let signup = client()
            .post(app.url("/api/v1/auth/signup"))
            .header("Origin", crate::helpers::FRONTEND)
            .json(&serde_json::json!({
                "email": "a-rather-long-customer-address-for-layout@example.com",
                "password": crate::helpers::PASSWORD,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(signup.status(), 201);
        let long_agent = client()
            .post(app.url("/api/v1/auth/login"))
            .header("Origin", crate::helpers::FRONTEND)
            .header(
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            )
            .json(&serde_json::json!({
                "email": "a-rather-long-customer-address-for-layout@example.com",
                "password": crate::helpers::PASSWORD,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(long_agent.status(), 200);
        b.goto(&app.url("/admin/sessions")).await.unwrap();
        b.wait()
            .for_element(Locator::Css("button[id^=revoke-]"))
            .await
            .unwrap();
        let fit = b
            .execute(
                "const wrap = document.querySelector('.table-wrap');
                 const rights = [...document.querySelectorAll('button[id^=revoke-]')]
                   .map(b => b.getBoundingClientRect().right);
                 return [window.innerWidth, wrap.scrollWidth, wrap.clientWidth, Math.max(...rights)];",
                vec![],
            )
            .await
            .unwrap();
        let fit: Vec<f64> = serde_json::from_value(fit).unwrap();
        let [viewport, scroll_width, client_width, rightmost] = fit[..] else {
            panic!("{fit:?}");
        };
        assert!(viewport >= 1200.0, "the window is 1280 px wide: {fit:?}");
        assert!(
            scroll_width <= client_width,
            "the table scrolls sideways: {fit:?}"
        );
        assert!(rightmost <= viewport, "a Revoke button is cut off: {fit:?}");
        save_screenshot(&browser, &format!("admin-sessions-{backend:?}")).await;

        click(b, Locator::LinkText("Users")).await;
        b.find(Locator::Css("input[name=q]"))
            .await
            .unwrap()
            .send_keys("customer")
            .await
            .unwrap();
        click(b, Locator::Css(".filters button")).await;
        wait_for_url(&browser, "q=customer").await;
        click_when_shown(b, Locator::LinkText("customer@example.com")).await;
        b.wait()
            .for_element(Locator::Css(".profile"))
            .await
            .unwrap();
        save_screenshot(&browser, &format!("admin-user-{backend:?}")).await;

        click(b, Locator::Css("button[id^=revoke-]")).await;
        let flash = b
            .wait()
            .for_element(Locator::Css(".flash.success"))
            .await
            .unwrap();
        assert_eq!(flash.text().await.unwrap(), "Session revoked.");
        assert_eq!(
            app.me_status(&app.client).await,
            401,
            "{backend:?}: the API rejects it at once"
        );

        // The audit log names the revocation; its target leads to the session's user.
        click(b, Locator::LinkText("Audit log")).await;
        wait_for_url(&browser, "/admin/audit").await;
        save_screenshot(&browser, &format!("admin-audit-{backend:?}")).await;
        click(
            b,
            Locator::XPath(
                "//tr[.//a[@title='admin.session_revoked']]//td[@data-label='Target']/a",
            ),
        )
        .await;
        b.wait()
            .for_element(Locator::Css(".profile"))
            .await
            .unwrap();
        let heading = b
            .find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(heading.starts_with("customer@example.com"), "{heading}");
        browser.close().await;
    }
}

/// Fills the panel's sign-in form (open in `b`) as the operator and waits for the
/// dashboard.
async fn sign_in_as_operator(b: &fantoccini::Client) {
    b.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(crate::helpers::OPERATOR)
        .await
        .unwrap();
    b.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(crate::helpers::OPERATOR_PASSWORD)
        .await
        .unwrap();
    click(b, Locator::Css("button.primary")).await;
    b.wait().for_element(Locator::Css(".tiles")).await.unwrap();
}

/// Clicks the element `locator` finds now.
async fn click(b: &fantoccini::Client, locator: Locator<'_>) {
    b.find(locator).await.unwrap().click().await.unwrap();
}

/// Clicks the element `locator` finds once it shows up.
async fn click_when_shown(b: &fantoccini::Client, locator: Locator<'_>) {
    b.wait()
        .for_element(locator)
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits until the browser has navigated to a URL containing `part`.
async fn wait_for_url(browser: &Browser, part: &str) {
    for _ in 0..100 {
        if browser
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains(part)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser never reached a URL with {part}");
}

pub async fn save_screenshot(browser: &Browser, name: &str) {
    let png = browser.client.screenshot().await.expect("screenshot");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
}

/// Sets a form field's value as the browser's own pickers would (date inputs take no
/// typing in headless Chromium).
async fn set_value(b: &fantoccini::Client, css: &str, value: &str) {
    b.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![css.into(), value.into()],
    )
    .await
    .unwrap();
}

/// Clicks a form's submit button and waits until the browser has left the page (its
/// old root element goes stale) and the next one has loaded.
async fn submit_and_wait(b: &fantoccini::Client, button: &str) {
    let old = b.find(Locator::Css("html")).await.unwrap();
    click(b, Locator::Css(button)).await;
    for _ in 0..100 {
        if old.tag_name().await.is_err() {
            b.wait().for_element(Locator::Css("main")).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("submitting {button} never left the page");
}

/// Waits for the flash message that says `expected` (the previous page's flash may
/// still be there, or go stale, while the form's answer loads).
async fn wait_for_flash(b: &fantoccini::Client, expected: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(flash) = b.find(Locator::Css(".flash")).await
            && let Ok(text) = flash.text().await
        {
            if text.contains(expected) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no flash saying {expected:?}; the last one said {last:?}");
}

/// An operator in Japanese, by clicking: switches the language, creates a user who
/// gets a link, makes them an operator and back, bans them with a reason and an end,
/// and exports the audit log; each step audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_works_the_panel_in_japanese() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::create(backend).await else {
            continue;
        };
        let Some(browser) = Browser::start("admin actions browser test").await else {
            return;
        };
        let app = TestApp::spawn_on(db, &[]).await;
        app.create_operator().await;
        let b = &browser.client;

        b.goto(&app.url("/admin/login")).await.unwrap();
        // The switch on the sign-in page: Japanese, dates in Tokyo.
        set_value(b, "select[name=lang]", "ja").await;
        set_value(b, "select[name=tz]", "Asia/Tokyo").await;
        click(b, Locator::Css(".preferences button")).await;
        b.wait()
            .for_element(Locator::Css("html[lang=ja]"))
            .await
            .unwrap();
        sign_in_as_operator(b).await;

        // A new user, invited by mail.
        click(b, Locator::LinkText("ユーザー")).await;
        click_when_shown(b, Locator::Css("#new-user-link")).await;
        b.wait()
            .for_element(Locator::Css("#new-user"))
            .await
            .unwrap();
        b.find(Locator::Css("#new-user input[name=email]"))
            .await
            .unwrap()
            .send_keys("invited@example.com")
            .await
            .unwrap();
        click(b, Locator::Css("#new-user input[name=confirm]")).await;
        submit_and_wait(b, "#new-user button").await;
        wait_for_flash(b, "ユーザーを作成しました").await;
        save_screenshot(&browser, &format!("admin-new-user-ja-{backend:?}")).await;
        app.wait_for_outbox_to("reset-password", 1).await;

        // Made an operator, then a user again.
        for role in ["admin", "user"] {
            set_value(b, "#role select[name=role]", role).await;
            click(b, Locator::Css("#role input[name=confirm]")).await;
            submit_and_wait(b, "#role button").await;
            wait_for_flash(b, "ロールを変更しました。").await;
            // The next form must be the new page's, not the one just submitted.
            wait_for_role(&app, "invited@example.com", role).await;
        }
        assert!(!app.user_by_email("invited@example.com").await.is_admin());

        // Banned for spam until a day from now (Tokyo time).
        let until = (chrono::Utc::now() + chrono::TimeDelta::hours(9 + 24))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        set_value(b, "#ban select[name=reason]", "spam").await;
        set_value(b, "#ban input[name=until]", &until).await;
        b.find(Locator::Css("#ban textarea[name=note]"))
            .await
            .unwrap()
            .send_keys("招待直後にスパム")
            .await
            .unwrap();
        click(b, Locator::Css("#ban input[name=confirm]")).await;
        submit_and_wait(b, "#ban button").await;
        wait_for_flash(b, "アカウントを無効にし").await;
        let reason = b
            .find(Locator::Css("#ban-reason code"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(reason, "spam");
        save_screenshot(&browser, &format!("admin-banned-ja-{backend:?}")).await;
        let banned = app.user_by_email("invited@example.com").await;
        let stored_until = banned.disabled_until.unwrap();
        let expected = chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(24);
        assert!(
            (stored_until - expected).num_minutes().abs() <= 2,
            "{stored_until}"
        );

        // The audit log's export: a download, recorded in the log itself.
        click(b, Locator::LinkText("監査ログ")).await;
        wait_for_url(&browser, "/admin/audit").await;
        let today = (chrono::Utc::now() + chrono::TimeDelta::hours(9))
            .format("%Y-%m-%d")
            .to_string();
        set_value(b, "#export input[name=from]", &today).await;
        set_value(b, "#export input[name=to]", &today).await;
        click(b, Locator::Css("#export button")).await;
        let mut exported = false;
        for _ in 0..50 {
            let actions = app
                .with_db(|conn| sekisho::db::audit::list(conn, None, 100).unwrap())
                .await;
            if actions
                .iter()
                .any(|e| e.action.as_str() == "admin.audit_exported")
            {
                exported = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(exported, "{backend:?}: the export was not recorded");
        b.goto(&app.url("/admin/audit")).await.unwrap();
        save_screenshot(&browser, &format!("admin-audit-ja-{backend:?}")).await;
        for action in [
            "admin.user_created",
            "admin.role_changed",
            "admin.user_disabled",
            "admin.audit_exported",
        ] {
            b.find(Locator::XPath(&format!("//a[@title='{action}']")))
                .await
                .unwrap_or_else(|_| panic!("{backend:?}: {action} is not in the log"));
        }
        browser.close().await;
    }
}

/// Waits until the user's stored role is `role`.
async fn wait_for_role(app: &TestApp, email: &str, role: &str) {
    for _ in 0..100 {
        if app.user_by_email(email).await.role.as_str() == role {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{email} never became {role}");
}

/// The panel in Japanese at 1280 px: no badge, button, table heading, menu entry or
/// email link breaks over two lines (in Japanese any break inside such a label splits
/// a word). Each element's text is measured by the lines its glyphs sit on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_japanese_panel_breaks_no_label_at_1280_px() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else {
        return;
    };
    let Some(browser) = Browser::start("panel line-break test").await else {
        return;
    };
    let app = TestApp::spawn_on(db, &[]).await;
    app.create_operator().await;
    let long = "a-rather-long-customer-address-for-layout@example.com";
    app.signup(long).await;
    app.signup("short@example.com").await;
    let id = app.user_id(long).await;
    let b = &browser.client;
    b.goto(&app.url("/admin/login")).await.unwrap();
    sign_in_as_operator(b).await;
    b.goto(&app.url("/admin/preferences?lang=ja&tz=Asia%2FTokyo&back=%2Fadmin"))
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("html[lang=ja]"))
        .await
        .unwrap();
    let pages = [
        "/admin".to_owned(),
        "/admin/users".to_owned(),
        format!("/admin/users/{id}"),
        "/admin/sessions".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/webhooks".to_owned(),
        "/admin/management-keys".to_owned(),
        "/admin/keys".to_owned(),
    ];
    let mut broken = Vec::new();
    for path in &pages {
        b.goto(&app.url(path)).await.unwrap();
        b.wait().for_element(Locator::Css("main")).await.unwrap();
        let found = b
            .execute(
                "const labels = document.querySelectorAll(
                   '.badge, .status, button, th, nav a, a[href^=\"/admin/users/\"], a[href^=\"mailto:\"]');
                 const out = [];
                 for (const el of labels) {
                   if (!el.getClientRects().length) continue;
                   const range = document.createRange();
                   range.selectNodeContents(el);
                   const lines = new Set([...range.getClientRects()]
                     .filter(r => r.width > 0 && r.height > 0)
                     .map(r => Math.round(r.top)));
                   if (lines.size > 1) out.push(el.tagName.toLowerCase() + ': ' + el.textContent.trim());
                 }
                 return [window.innerWidth, out];",
                vec![],
            )
            .await
            .unwrap();
        let (width, labels): (f64, Vec<String>) = serde_json::from_value(found).unwrap();
        assert!(width >= 1200.0, "the window is 1280 px wide: {width}");
        broken.extend(labels.into_iter().map(|label| format!("{path}: {label}")));
        save_screenshot(&browser, &format!("admin-ja{}", path.replace('/', "-"))).await;
    }
    browser.close().await;
    assert!(
        broken.is_empty(),
        "labels broken over two lines: {broken:#?}"
    );
}
