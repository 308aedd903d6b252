//! `sekisho doctor`, the binary against real things: a database file, an SMTP
//! listener, a running Sekisho with an OpenID provider, and an "app" that either is
//! Sekisho's own origin (as an app forwarding /api looks from outside) or a plain web
//! server that does not forward /api. Each finding is shown wrong, then right.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use crate::cli::{Serving, sekisho, serve};
use crate::helpers::oidc::FakeProvider;
use crate::helpers::smtp::SmtpListener;
use crate::helpers::{Backend, TestDb};

/// `doctor` with `args`: its exit status and what it printed.
fn doctor(command: &mut Command, args: &[&str]) -> (bool, String) {
    let output = command.arg("doctor").args(args).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (output.status.success(), text)
}

/// The line of `topic` at `level` ("ok", "WARNING", "ERROR"), with its fix line.
fn finding<'a>(report: &'a str, level: &str, topic: &str) -> Option<&'a str> {
    let start = report.find(&format!("{level:<7} {topic}:"))?;
    let rest = &report[start..];
    let end = rest
        .match_indices('\n')
        .map(|(at, _)| at)
        .find(|&at| !rest[at + 1..].starts_with("        fix:"))
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A web server that answers every request with a 404 HTML page: an app that does
/// not forward /api.
fn plain_app() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = "<html><body>404: This page could not be found.</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://localhost:{port}")
}

fn stop(mut serving: Serving) {
    let _ = serving.child.kill();
    let _ = serving.child.wait();
}

// Multi-threaded: the listener answers while the test waits for the binary.
#[tokio::test(flavor = "multi_thread")]
async fn the_database_and_smtp_are_checked_for_real() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let (passed, report) = doctor(&mut sekisho(&db), &[]);
    assert!(passed, "{report}");
    let missing = finding(&report, "WARNING", "DATABASE_URL").expect(&report);
    assert!(missing.contains("no database file"), "{missing}");
    assert!(missing.contains("fix: `sekisho migrate`"), "{missing}");
    assert!(
        sekisho(&db)
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    let (_, report) = doctor(&mut sekisho(&db), &[]);
    assert!(
        finding(&report, "ok", "DATABASE_URL")
            .expect(&report)
            .contains("every migration is applied")
    );

    // SMTP: nothing listening, then a real listener.
    let closed = format!("smtp://127.0.0.1:{}", free_port());
    let mail_from = "Sekisho <no-reply@example.com>";
    let (passed, report) = doctor(
        sekisho(&db)
            .env("SMTP_URL", &closed)
            .env("MAIL_FROM", mail_from),
        &[],
    );
    assert!(!passed, "{report}");
    let error = finding(&report, "ERROR", "SMTP_URL").expect(&report);
    assert!(error.contains("fix: check SMTP_URL"), "{error}");
    let smtp = SmtpListener::start().await;
    let (passed, report) = doctor(
        sekisho(&db)
            .env("SMTP_URL", smtp.url())
            .env("MAIL_FROM", mail_from),
        &[],
    );
    assert!(passed, "{report}");
    assert!(
        finding(&report, "ok", "SMTP_URL")
            .expect(&report)
            .contains("answers")
    );

    // A password in an SMTP or database URL is never printed.
    let (_, report) = doctor(
        sekisho(&db)
            .env(
                "SMTP_URL",
                format!("smtp://user:hunter2-secret@127.0.0.1:{}", free_port()),
            )
            .env("MAIL_FROM", mail_from),
        &[],
    );
    assert!(!report.contains("hunter2-secret"), "{report}");

    // The pages mails and redirects open, as the server would build them.
    let (_, report) = doctor(
        sekisho(&db)
            .env("FRONTEND_URL", "https://shop.example.com/app")
            .env("FRONTEND_ROUTES", "settings=/account,login=/auth/login"),
        &[],
    );
    let routes = finding(&report, "ok", "FRONTEND_ROUTES").expect(&report);
    for page in [
        "settings https://shop.example.com/app/account",
        "login https://shop.example.com/app/auth/login",
        "reset-password https://shop.example.com/app/reset-password",
        "two-factor https://shop.example.com/app/two-factor",
    ] {
        assert!(routes.contains(page), "{page}: {routes}");
    }
}

#[tokio::test]
async fn a_configuration_the_server_refuses_is_the_first_finding() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let (passed, report) = doctor(sekisho(&db).env("COOKIE_SAMESITE", "None"), &[]);
    assert!(!passed);
    let error = finding(&report, "ERROR", "COOKIE_SAMESITE").expect(&report);
    assert!(error.contains("COOKIE_SECURE=true"), "{error}");
    let (passed, report) = doctor(
        sekisho(&db)
            .env("COOKIE_SAMESITE", "None")
            .env("COOKIE_SECURE", "true"),
        &["--app", "https://app.example.com"],
    );
    // The app is not running: the round trip fails, and the cookie rules are read.
    assert!(!passed);
    assert!(
        finding(&report, "ERROR", "--app")
            .expect(&report)
            .contains("nothing answers")
    );
    assert!(
        finding(&report, "WARNING", "COOKIE_SAMESITE").is_some(),
        "{report}"
    );
    assert!(
        finding(&report, "ok", "COOKIE_SECURE").is_some(),
        "{report}"
    );
}

/// An app that forwards every request to Sekisho unchanged (a byte relay, as a
/// Next.js Route Handler looks from outside): its URL, and where to point it.
async fn forwarding_app() -> (String, Arc<AtomicU16>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let upstream = Arc::new(AtomicU16::new(0));
    let target = upstream.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let port = target.load(Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await
                {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    // `localhost`, while Sekisho listens on 127.0.0.1: two hosts to a browser.
    (format!("http://localhost:{port}"), upstream)
}

/// Discovery runs after the server listens: wait until the provider is offered.
fn wait_for_provider(port: u16, id: &str) {
    for _ in 0..100 {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = write!(
            stream,
            "GET /api/v1/auth/providers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        );
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        if answer.contains(&format!("\"{id}\"")) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the provider {id} was never offered");
}

/// The app forwards /api: TRUSTED_PROXIES must name it, and a social sign-in started
/// through it must come back to it, where its binding cookie is.
// Multi-threaded: the provider and the relay answer while the test waits for the binary.
#[tokio::test(flavor = "multi_thread")]
async fn through_an_app_that_forwards_api() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let provider = FakeProvider::start().await;
    let (app, upstream) = forwarding_app().await;
    // The server runs with `served`, the doctor reads `read` (the same, unless a
    // test edits the configuration without restarting the server).
    let run_apart = |served: &[(&str, &str)], read: &[(&str, &str)]| {
        let configure = |command: &mut Command, extra: &[(&str, &str)]| {
            for (name, value) in provider.env() {
                command.env(name, value);
            }
            for (name, value) in extra {
                command.env(name, value);
            }
        };
        let mut command = sekisho(&db);
        configure(&mut command, served);
        command.env("RUST_LOG", "warn,sekisho=info");
        let server = serve(&mut command);
        upstream.store(server.port, Ordering::SeqCst);
        wait_for_provider(server.port, "acme");
        let mut check = sekisho(&db);
        configure(&mut check, read);
        let outcome = doctor(&mut check, &["--app", &app]);
        stop(server);
        outcome
    };
    let run = |extra: &[(&str, &str)]| run_apart(extra, extra);

    // Wrong: no TRUSTED_PROXIES, no PUBLIC_ORIGIN (providers return to Sekisho's own
    // address, where the binding cookie set on the app's host is not).
    let (passed, report) = run(&[("FRONTEND_URL", &app)]);
    assert!(!passed, "{report}");
    assert!(
        finding(&report, "ok", "--app")
            .expect(&report)
            .contains("forwards /api")
    );
    let proxies = finding(&report, "ERROR", "TRUSTED_PROXIES").expect(&report);
    assert!(proxies.contains("fix: TRUSTED_PROXIES="), "{proxies}");
    let landing = finding(&report, "ERROR", "PUBLIC_ORIGIN").expect(&report);
    assert!(landing.contains("OAUTH_FAILED"), "{landing}");
    assert!(
        landing.contains(&format!("fix: PUBLIC_ORIGIN={app}")),
        "{landing}"
    );

    // Wrong the other way: PUBLIC_ORIGIN names the app's host as `127.0.0.1`, so
    // Sekisho refuses what the app forwards as cross-site.
    let twin = app.replace("localhost", "127.0.0.1");
    let (passed, report) = run(&[
        ("FRONTEND_URL", &app),
        ("PUBLIC_ORIGIN", &twin),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ]);
    assert!(!passed, "{report}");
    assert!(report.contains("(CSRF_FAILED)"), "{report}");
    let csrf = finding(&report, "ERROR", "CSRF").expect(&report);
    assert!(
        csrf.contains(&format!("fix: PUBLIC_ORIGIN={app}")),
        "{csrf}"
    );
    // The app forwards /api: the doctor speaks of the CSRF rule, not of CORS.
    assert!(
        finding(&report, "WARNING", "CORS_ORIGINS").is_none(),
        "{report}"
    );
    assert!(
        finding(&report, "ERROR", "CORS_ORIGINS").is_none(),
        "{report}"
    );
    assert!(
        finding(&report, "ERROR", "PUBLIC_ORIGIN")
            .expect(&report)
            .contains("forwards /api"),
        "{report}"
    );

    // Fixed in the configuration but the server not restarted: the doctor says so
    // instead of advising PUBLIC_ORIGIN, which is set already.
    let right = [
        ("FRONTEND_URL", app.as_str()),
        ("PUBLIC_ORIGIN", app.as_str()),
        ("TRUSTED_PROXIES", "127.0.0.1"),
    ];
    let (passed, report) = run_apart(
        &[
            ("FRONTEND_URL", &app),
            ("PUBLIC_ORIGIN", &twin),
            ("TRUSTED_PROXIES", "127.0.0.1"),
        ],
        &right,
    );
    assert!(!passed, "{report}");
    let stale = finding(&report, "ERROR", "CSRF").expect(&report);
    assert!(
        stale.contains("the running server was started with other settings"),
        "{stale}"
    );
    assert!(stale.contains("fix: restart Sekisho"), "{stale}");
    assert!(
        !report.contains(&format!("fix: PUBLIC_ORIGIN={app}")),
        "no advice to set what is set:\n{report}"
    );

    // Right: fixed as the doctor said.
    let (passed, report) = run(&right);
    assert!(passed, "{report}");
    assert!(
        finding(&report, "ok", "CSRF")
            .expect(&report)
            .contains("passes Sekisho's origin check"),
        "{report}"
    );
    assert!(
        finding(&report, "ok", "PUBLIC_ORIGIN")
            .expect(&report)
            .contains("no CORS is involved"),
        "{report}"
    );
    assert!(
        finding(&report, "ok", "TRUSTED_PROXIES").is_some(),
        "{report}"
    );
    let landing = report
        .lines()
        .find(|l| l.starts_with("ok      social sign-in: a sign-in with acme"))
        .expect(&report);
    assert!(
        landing.contains("sets its binding cookie on localhost (HttpOnly"),
        "{landing}"
    );
    assert!(
        landing.contains(&format!("returns to {app}/api/v1/auth/callback/acme")),
        "{landing}"
    );
    assert!(!report.contains("ERROR"), "{report}");
}

/// The app's pages call Sekisho directly: CORS must allow the app, and the doctor's
/// preflight shows whether it does.
#[tokio::test]
async fn through_an_app_that_calls_sekisho_directly() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let app = plain_app();
    let run = |cors: &str| {
        let mut command = sekisho(&db);
        command
            .env("CORS_ORIGINS", cors)
            .env("RUST_LOG", "warn,sekisho=info");
        let server = serve(&mut command);
        let api = format!("http://localhost:{}", server.port);
        let mut check = sekisho(&db);
        check.env("CORS_ORIGINS", cors).env("FRONTEND_URL", &app);
        let outcome = doctor(&mut check, &["--app", &app, "--api", &api]);
        stop(server);
        outcome
    };
    let twin = app.replace("localhost", "127.0.0.1");
    let (passed, report) = run(&twin);
    assert!(!passed, "{report}");
    assert!(
        finding(&report, "ok", "--app")
            .expect(&report)
            .contains("does not forward /api")
    );
    let listed = finding(&report, "ERROR", "CORS_ORIGINS").expect(&report);
    assert!(
        listed.contains("localhost and 127.0.0.1 are different origins"),
        "{listed}"
    );
    let preflight = finding(&report, "ERROR", "CORS").expect(&report);
    assert!(
        preflight.contains(&format!("fix: CORS_ORIGINS={app}")),
        "{preflight}"
    );

    // CORS_ORIGINS fixed in the configuration, the server not restarted.
    let server = serve(
        sekisho(&db)
            .env("CORS_ORIGINS", &twin)
            .env("RUST_LOG", "warn,sekisho=info"),
    );
    let api = format!("http://localhost:{}", server.port);
    let (passed, report) = doctor(
        sekisho(&db)
            .env("CORS_ORIGINS", &app)
            .env("FRONTEND_URL", &app),
        &["--app", &app, "--api", &api],
    );
    stop(server);
    assert!(!passed, "{report}");
    let stale = finding(&report, "ERROR", "CORS").expect(&report);
    assert!(
        stale.contains("the running server was started with other settings"),
        "{stale}"
    );
    assert!(!stale.contains("fix: CORS_ORIGINS="), "{stale}");

    let (passed, report) = run(&app);
    assert!(passed, "{report}");
    assert!(
        finding(&report, "ok", "CORS")
            .expect(&report)
            .contains("allowed, with credentials")
    );
    // --api names Sekisho `localhost`, as the app does: the cookie reaches the app.
    assert!(
        finding(&report, "ok", "cookie")
            .expect(&report)
            .contains("also receive"),
        "{report}"
    );
}

/// A management key that expires within two weeks, or has expired, is a warning
/// with what to do; a key far from its end, or revoked, is not mentioned.
#[tokio::test]
async fn management_keys_near_their_end_are_warned_of() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let make = |name: &str, days: &str| {
        let output = sekisho(&db)
            .args(["management-key", "create", name, "--scopes", "users:read"])
            .args(["--expires-in-days", days])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    };
    make("soon", "3");
    make("later", "90");
    let (passed, report) = doctor(&mut sekisho(&db), &[]);
    assert!(passed, "a warning fails nothing: {report}");
    let warned = finding(&report, "WARNING", "management keys").expect(&report);
    assert!(warned.contains("`soon` expires on"), "{warned}");
    assert!(warned.contains("fix: make a new key"), "{warned}");
    assert!(!report.contains("`later`"), "{report}");
    let revoked = sekisho(&db)
        .args(["management-key", "revoke", "soon"])
        .output()
        .unwrap();
    assert!(revoked.status.success());
    let (_, report) = doctor(&mut sekisho(&db), &[]);
    assert!(!report.contains("management keys"), "{report}");
}

/// A webhook endpoint failing for over an hour, or disabled after five days of it, is
/// a warning that says what came back; a healthy one, or one an operator turned off,
/// is not mentioned.
#[tokio::test]
async fn failing_webhook_endpoints_are_warned_of() {
    use sekisho::db::RunOn;
    use sekisho::db::schema::webhook_endpoints as e;
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    assert!(
        sekisho(&db)
            .arg("migrate")
            .output()
            .unwrap()
            .status
            .success()
    );
    let (passed, report) = doctor(&mut sekisho(&db), &[]);
    assert!(passed, "{report}");
    assert!(!report.contains("webhooks"), "{report}");
    let url = db.url();
    let insert = move |id: &str, hook: &str, enabled: bool, reason: Option<&str>, failing: i64| {
        let mut conn =
            sekisho::db::migrations::connect(&sekisho::config::DatabaseUrl::parse(&url).unwrap())
                .unwrap();
        let now = sekisho::db::now();
        diesel::insert_into(e::table)
            .values((
                e::id.eq(id),
                e::url.eq(hook),
                e::event_types.eq(""),
                e::sealed_secret.eq("x"),
                e::enabled.eq(enabled),
                e::disabled_reason.eq(reason),
                e::failing_since.eq((failing > 0).then(|| now - chrono::TimeDelta::hours(failing))),
                e::created_at.eq(now),
                e::updated_at.eq(now),
            ))
            .execute_on(&mut conn)
            .unwrap();
    };
    use diesel::ExpressionMethods;
    insert("ep_1", "https://failing.example/hook", true, None, 3);
    insert(
        "ep_2",
        "https://dead.example/hook",
        false,
        Some("every delivery has failed since …"),
        130,
    );
    insert("ep_3", "https://fine.example/hook", true, None, 0);
    insert(
        "ep_4",
        "https://paused.example/hook",
        false,
        Some("disabled by an operator"),
        2,
    );
    let (passed, report) = doctor(&mut sekisho(&db), &[]);
    assert!(passed, "a warning fails nothing: {report}");
    assert!(
        report.contains("https://failing.example/hook has failed every delivery since"),
        "{report}"
    );
    assert!(
        report.contains("https://dead.example/hook was disabled"),
        "{report}"
    );
    assert!(
        !report.contains("fine.example") && !report.contains("paused.example"),
        "{report}"
    );
}

/// `doctor --help` says what --api is for, not only its default.
#[test]
fn the_help_explains_api() {
    let output = Command::new(env!("CARGO_BIN_EXE_sekisho"))
        .args(["doctor", "--help"])
        .output()
        .unwrap();
    // Wrapped to the terminal: compared as one line.
    let help = String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(output.status.success(), "{help}");
    for words in [
        "--api",
        "running server",
        "NEXT_PUBLIC_API_URL",
        "redirect URIs",
    ] {
        assert!(help.contains(words), "{words} in\n{help}");
    }
}

/// The app calls Sekisho directly and the configuration names PUBLIC_ORIGIN, but the
/// running server was started without it: providers would return to the server's own
/// address. The doctor says to restart rather than to set PUBLIC_ORIGIN, which is set.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_started_without_the_configured_public_origin_is_told_to_restart() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let provider = FakeProvider::start().await;
    let app = plain_app();
    let mut command = sekisho(&db);
    for (name, value) in provider.env() {
        command.env(name, value);
    }
    command
        .env("CORS_ORIGINS", &app)
        .env("RUST_LOG", "warn,sekisho=info");
    let server = serve(&mut command);
    wait_for_provider(server.port, "acme");
    let public = format!("http://localhost:{}", server.port);
    let mut check = sekisho(&db);
    for (name, value) in provider.env() {
        check.env(name, value);
    }
    check
        .env("CORS_ORIGINS", &app)
        .env("FRONTEND_URL", &app)
        .env("PUBLIC_ORIGIN", &public)
        .env("BIND", format!("127.0.0.1:{}", server.port));
    let (passed, report) = doctor(&mut check, &["--app", &app]);
    stop(server);
    assert!(!passed, "{report}");
    let stale = finding(&report, "ERROR", "PUBLIC_ORIGIN").expect(&report);
    assert!(
        stale.contains("the running server was started with other settings"),
        "{stale}"
    );
    assert!(stale.contains("fix: restart Sekisho"), "{stale}");
}
