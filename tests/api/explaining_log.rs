//! What the server's log tells a developer whose app does not work yet: a CSRF
//! refusal names the origin it refused and the ones allowed (once a minute per
//! origin), a preflight from an origin not allowed is warned of, and without SMTP_URL
//! a mail's link is logged whole and its outbox file reads as text.

use std::time::Duration;

use crate::cli::{Serving, sekisho, serve};
use crate::helpers::TestDb;

/// Reads the log until a line holds `needle` (ten seconds at most).
fn wait_for_line(serving: &mut Serving, needle: &str) -> String {
    if let Some(line) = serving.log.iter().find(|l| l.contains(needle)) {
        return line.clone();
    }
    loop {
        let line = serving
            .lines
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no log line with {needle}:\n{}", serving.log.join("\n")));
        serving.log.push(line.clone());
        if line.contains(needle) {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_and_mails_are_explained_in_the_log() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let mut serving = serve(sekisho(&db).env("RUST_LOG", "warn,sekisho=info"));
    let base = format!("http://127.0.0.1:{}", serving.port);
    let client = reqwest::Client::new();

    // Start-up names the settings in force.
    for expected in [
        "FRONTEND_URL: http://localhost:3000/",
        "FRONTEND_ROUTES: login=/login,",
        "PUBLIC_ORIGIN: not set",
        "TRUSTED_PROXIES: none",
        "cookies: COOKIE_NAME=access_token COOKIE_SECURE=false",
    ] {
        wait_for_line(&mut serving, expected);
    }

    // A sign-up from the wrong loopback name: CSRF_FAILED, and the log says why.
    let refused = || {
        client
            .post(format!("{base}/api/v1/auth/signup"))
            .header("Origin", "http://127.0.0.1:3000")
            .json(&serde_json::json!({"email": "log@example.com", "password": "long enough password"}))
            .send()
    };
    assert_eq!(refused().await.unwrap().status(), 403);
    let line = wait_for_line(&mut serving, "CSRF_FAILED: POST /api/v1/auth/signup");
    assert!(
        line.contains("it names Origin http://127.0.0.1:3000"),
        "{line}"
    );
    assert!(
        line.contains("CORS_ORIGINS (http://localhost:3000)"),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "own origin {base} (the Host header; PUBLIC_ORIGIN is not set)"
        )),
        "{line}"
    );

    // A preflight from that origin: no grant, and a warning naming CORS_ORIGINS.
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/api/v1/auth/login"),
        )
        .header("Origin", "http://127.0.0.1:3000")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert!(
        !preflight
            .headers()
            .contains_key("access-control-allow-origin")
    );
    let line = wait_for_line(&mut serving, "CORS: a preflight from http://127.0.0.1:3000");
    assert!(
        line.contains("is not in CORS_ORIGINS (http://localhost:3000)"),
        "{line}"
    );

    // The same refusals again within the minute: not logged again.
    assert_eq!(refused().await.unwrap().status(), 403);

    // A sign-up that passes: its verification mail's link, logged whole.
    let signed_up = client
        .post(format!("{base}/api/v1/auth/signup"))
        .header("Origin", "http://localhost:3000")
        .json(&serde_json::json!({"email": "log@example.com", "password": "long enough password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 201);
    let line = wait_for_line(
        &mut serving,
        "verification mail to log@example.com written to",
    );
    let link = line
        .split("its link: ")
        .nth(1)
        .expect("the link")
        .trim_end_matches('"')
        .to_owned();
    assert!(
        link.starts_with("http://localhost:3000/verify-email?token="),
        "{line}"
    );
    let file = line
        .split("written to ")
        .nth(1)
        .and_then(|rest| rest.split(" (no SMTP_URL)").next())
        .expect("the file");
    let eml = std::fs::read_to_string(file).unwrap();
    assert!(eml.contains(&format!("\r\n{link}\r\n")), "{eml}");
    assert!(!eml.contains("quoted-printable"), "{eml}");

    let _ = serving.child.kill();
    let _ = serving.child.wait();
    serving.log.extend(serving.lines.try_iter());
    let text = serving.log.join("\n");
    assert_eq!(
        text.matches("CSRF_FAILED: POST /api/v1/auth/signup")
            .count(),
        1,
        "once a minute per origin:\n{text}"
    );
}

/// In production a filed mail's live link never reaches the log.
#[tokio::test(flavor = "multi_thread")]
async fn production_logs_no_link() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let mut serving = serve(
        sekisho(&db)
            .env("RUST_LOG", "warn,sekisho=info")
            .env("APP_ENV", "production"),
    );
    let base = format!("http://127.0.0.1:{}", serving.port);
    let signed_up = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/signup"))
        .json(
            &serde_json::json!({"email": "quiet@example.com", "password": "long enough password"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 201);
    let line = wait_for_line(&mut serving, "verification mail written to");
    assert!(!line.contains("token="), "{line}");
    let _ = serving.child.kill();
    let _ = serving.child.wait();
    serving.log.extend(serving.lines.try_iter());
    assert!(
        !serving.log.iter().any(|l| l.contains("token=")),
        "{}",
        serving.log.join("\n")
    );
}
