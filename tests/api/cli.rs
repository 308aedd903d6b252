//! The `sekisho` binary itself: configuration errors, `migrate`, `create-admin`,
//! the start-up operator, and what its log may contain.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use sekisho::crypto::password;
use sekisho::db::users;

use crate::helpers::{TestApp, TestDb};

pub(crate) const SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";

/// The binary with a clean environment, run in the test's own folder (no .env).
pub(crate) fn sekisho(db: &TestDb) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sekisho"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_BACKTRACE", "0")
        .env("DATABASE_URL", db.url())
        .env("SECRET_KEY", SECRET)
        .env("DATA_DIR", db.data_dir())
        .current_dir(db.dir())
        .stdin(Stdio::null());
    command
}

#[tokio::test]
async fn invalid_configuration_stops_with_one_line_naming_the_variable() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("CORS_ORIGINS", "*")], "CORS_ORIGINS"),
        (
            &[("CORS_ORIGINS", "http://localhost:3000,https://*")],
            "CORS_ORIGINS",
        ),
        (
            &[("APP_ENV", "production"), ("SECRET_KEY", "too-short")],
            "SECRET_KEY",
        ),
        (
            &[("APP_ENV", "production"), ("SECRET_KEY", "")],
            "SECRET_KEY",
        ),
        (
            &[("DATABASE_URL", "mysql://root@localhost/auth")],
            "DATABASE_URL",
        ),
        (
            &[("DATABASE_URL", "postgres://user:pw@:5432/x")],
            "DATABASE_URL",
        ),
        (&[("BIND", "somewhere")], "BIND"),
        (
            &[("ACCESS_TOKEN_EXPIRE_DAYS", "a week")],
            "ACCESS_TOKEN_EXPIRE_DAYS",
        ),
        (&[("LOG_FORMAT", "yaml")], "LOG_FORMAT"),
        (&[("PREVIOUS_SECRET_KEYS", "short")], "PREVIOUS_SECRET_KEYS"),
        (&[("MIGRATE_ON_START", "maybe")], "MIGRATE_ON_START"),
        (
            &[("SHUTDOWN_DRAIN_SECONDS", "forever")],
            "SHUTDOWN_DRAIN_SECONDS",
        ),
        (&[("MAIL_RETRY_SCHEDULE", "soon")], "MAIL_RETRY_SCHEDULE"),
        (
            &[("FRONTEND_ROUTES", "signin=/auth/login")],
            "FRONTEND_ROUTES: `signin` is not a route",
        ),
        (
            &[("FRONTEND_ROUTES", "login=https://evil.example/")],
            "FRONTEND_ROUTES",
        ),
        (
            &[("SMTP_URL_FILE", "/nonexistent/smtp-url")],
            "SMTP_URL_FILE",
        ),
    ];
    for (vars, named) in cases {
        let mut command = sekisho(&db);
        for (name, value) in *vars {
            command.env(name, value);
        }
        let output = command.arg("serve").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{vars:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{vars:?}: {stderr}");
        assert!(lines[0].contains(named), "{vars:?}: {stderr}");
        assert!(
            !stderr.contains("pw@"),
            "the password of the URL leaked: {stderr}"
        );
    }
}

crate::on_both_databases!(
    migrate_applies_then_reports_up_to_date,
    create_admin_creates_then_promotes
);

async fn migrate_applies_then_reports_up_to_date(db: TestDb) {
    let first = sekisho(&db).arg("migrate").output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied 20261122000001"));
    let second = sekisho(&db).arg("migrate").output().unwrap();
    assert!(second.status.success());
    assert_eq!(
        String::from_utf8_lossy(&second.stdout).trim(),
        "database is up to date"
    );
}

async fn create_admin_creates_then_promotes(db: TestDb) {
    let output = sekisho(&db)
        .args([
            "create-admin",
            "--email",
            " Ops@Example.com ",
            "--name",
            "運用",
        ])
        .env("ADMIN_PASSWORD", "operator-password-1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("created operator: ops@example.com"));

    // A too-short password is refused before anything is written.
    let short = sekisho(&db)
        .args(["create-admin", "--email", "other@example.com"])
        .env("ADMIN_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));

    // No ADMIN_PASSWORD and no terminal to ask on: say what to set, and the rule.
    let unattended = sekisho(&db)
        .args(["create-admin", "--email", "other@example.com"])
        .output()
        .unwrap();
    assert!(!unattended.status.success());
    let stderr = String::from_utf8_lossy(&unattended.stderr);
    assert!(
        stderr.contains("set ADMIN_PASSWORD (8 to 128 characters)"),
        "{stderr}"
    );

    let app = TestApp::spawn_on(db, &[]).await;
    let (ops, user_id) = app
        .with_db(|conn| {
            let ops = users::find_by_email(conn, "ops@example.com")
                .unwrap()
                .unwrap();
            let user_id = crate::helpers::insert_user(conn, "member@example.com");
            assert!(
                users::find_by_email(conn, "other@example.com")
                    .unwrap()
                    .is_none()
            );
            (ops, user_id)
        })
        .await;
    assert!(ops.is_admin());
    assert_eq!(ops.name.as_deref(), Some("運用"));
    assert!(
        ops.password_hash
            .as_deref()
            .unwrap_or_default()
            .starts_with("$argon2id$")
    );
    assert!(password::verify(
        "operator-password-1",
        ops.password_hash.as_deref().unwrap_or_default()
    ));

    // An existing account is promoted and gets the new password.
    let output = sekisho(&app.db)
        .args(["create-admin", "--email", "member@example.com"])
        .env("ADMIN_PASSWORD", "member-password-2")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let member = app
        .with_db(move |conn| users::find_by_id(conn, &user_id).unwrap().unwrap())
        .await;
    assert!(member.is_admin());
    assert!(password::verify(
        "member-password-2",
        member.password_hash.as_deref().unwrap_or_default()
    ));
}

crate::on_both_databases!(startup_operator_is_created_once);

async fn startup_operator_is_created_once(db: TestDb) {
    let vars = [
        ("ADMIN_EMAIL", "Boss@Example.com"),
        ("ADMIN_PASSWORD", "first-password"),
    ];
    let app = TestApp::spawn_on(db, &vars).await;
    let boss = app
        .with_db(|conn| {
            users::find_by_email(conn, "boss@example.com")
                .unwrap()
                .unwrap()
        })
        .await;
    assert!(boss.is_admin());
    assert!(password::verify(
        "first-password",
        boss.password_hash.as_deref().unwrap_or_default()
    ));

    // A restart with another ADMIN_PASSWORD keeps the password the operator has.
    let TestApp { db, .. } = app;
    let vars = [
        ("ADMIN_EMAIL", "boss@example.com"),
        ("ADMIN_PASSWORD", "second-password"),
    ];
    let app = TestApp::spawn_on(db, &vars).await;
    let boss = app
        .with_db(|conn| {
            users::find_by_email(conn, "boss@example.com")
                .unwrap()
                .unwrap()
        })
        .await;
    assert!(password::verify(
        "first-password",
        boss.password_hash.as_deref().unwrap_or_default()
    ));
}

/// A server started by `serve`: its process, port, the log lines still to read, and
/// those read so far.
pub(crate) struct Serving {
    pub(crate) child: std::process::Child,
    pub(crate) port: u16,
    pub(crate) lines: std::sync::mpsc::Receiver<String>,
    pub(crate) log: Vec<String>,
}

/// Starts `command` (`sekisho` with its environment) on a free port, unless it names
/// its BIND, and reads its log until it says where it listens.
pub(crate) fn serve(command: &mut Command) -> Serving {
    if !command.get_envs().any(|(name, _)| name == "BIND") {
        command.env("BIND", "127.0.0.1:0");
    }
    let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let port = loop {
        let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) else {
            // Not left running (and holding the test's output open) after the failure.
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server did not log that it listens:\n{}",
                log.join("\n")
            );
        };
        let port = line
            .split("listening on http://127.0.0.1:")
            .nth(1)
            // Digits only: in a JSON log line a quote follows the port.
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|p| p.parse::<u16>().ok());
        log.push(line);
        if let Some(port) = port {
            break port;
        }
    };
    Serving {
        child,
        port,
        lines,
        log,
    }
}

/// MAX_CONNECTIONS=4: with four connections open, a fifth is not served (it waits in
/// the backlog), the log says why, and it is served once one of the four closes.
#[tokio::test]
async fn the_connection_cap_holds_and_says_so() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let Serving {
        mut child,
        port,
        lines,
        mut log,
    } = serve(
        sekisho(&db)
            .env("RUST_LOG", "warn,sekisho=info")
            .env("MAX_CONNECTIONS", "4")
            .env("WORKERS", "1"),
    );
    let address = format!("127.0.0.1:{port}");
    // Four idle keep-alive connections, each having had one answer.
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    // From another address: one address's share (all four, here) is refused at once
    // instead (`sockets`), while this one waits for the cap.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, 2], 0)))
        .unwrap();
    let mut fifth = socket.connect(address.parse().unwrap()).await.unwrap();
    fifth
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let waited =
        tokio::time::timeout(Duration::from_millis(1500), fifth.read_to_end(&mut answer)).await;
    assert!(
        waited.is_err(),
        "the fifth connection was served while four were open"
    );
    drop(held.pop());
    tokio::time::timeout(Duration::from_secs(10), fifth.read_to_end(&mut answer))
        .await
        .expect("served once a connection closed")
        .unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let _ = child.kill();
    let _ = child.wait();
    log.extend(lines.try_iter());
    let text = log.join("\n");
    assert!(
        text.contains("connection cap reached: 4 client connections open (MAX_CONNECTIONS=4)"),
        "{text}"
    );
}

#[tokio::test]
async fn the_log_holds_requests_but_no_secrets() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let Serving {
        mut child,
        port,
        lines: lines_rx,
        mut log,
    } = serve(sekisho(&db).env("RUST_LOG", "debug"));

    let client = reqwest::Client::new();
    let response = client
        .post(format!(
            "http://127.0.0.1:{port}/api/test-nothing?token=query-secret-1"
        ))
        .header("Authorization", "Bearer bearer-secret-2")
        .header("Cookie", "access_token=cookie-secret-3")
        .json(&serde_json::json!({ "email": "a@example.com", "password": "body-secret-4" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let health = client
        .get(format!("http://127.0.0.1:{port}/api/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // A failure inside: its cause reaches the log with the request's id, and nothing
    // of it reaches the response.
    {
        use diesel::connection::SimpleConnection;
        use diesel::{Connection, SqliteConnection};
        let path = db.url().trim_start_matches("sqlite://").to_owned();
        SqliteConnection::establish(&path)
            .unwrap()
            .batch_execute("DROP TABLE auth_throttles")
            .unwrap();
    }
    let failed = client
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/signup"))
        .header("X-Request-Id", "trace-the-500")
        .json(&serde_json::json!({ "email": "a@example.com", "password": "long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), 500);
    let body = failed.text().await.unwrap();
    assert!(!body.contains("auth_throttles"), "{body}");

    // Wait for the request lines, then stop the server.
    while !log.iter().any(|l| l.contains("rid=trace-the-500:")) {
        log.push(
            lines_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("request log line"),
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    log.extend(lines_rx.try_iter());
    let text = log.join("\n");
    // Where to go first, said once at start.
    for line in [
        format!("admin panel: http://127.0.0.1:{port}/admin"),
        format!("API reference: http://127.0.0.1:{port}/api/docs"),
        "allowed origins (CORS_ORIGINS): http://localhost:3000".to_owned(),
        "no operator yet: run `sekisho create-admin --email".to_owned(),
    ] {
        assert!(text.contains(&line), "{line} in\n{text}");
    }
    assert!(text.contains("POST /api/test-nothing 404"), "{text}");
    assert!(text.contains("rid="), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("rid=trace-the-500:") && l.contains("auth_throttles")),
        "the cause with the request id:\n{text}"
    );
    for secret in [
        "query-secret-1",
        "bearer-secret-2",
        "cookie-secret-3",
        "body-secret-4",
        SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} reached the log:\n{text}");
    }
}

/// `sekisho openapi` needs neither a database nor a valid configuration, and prints
/// the committed reference document.
#[tokio::test]
async fn openapi_prints_the_document_without_a_database() {
    let output = Command::new(env!("CARGO_BIN_EXE_sekisho"))
        .arg("openapi")
        .env_clear()
        .env("CORS_ORIGINS", "*")
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(printed, committed);
}

/// Every OAUTH_FAILED of the callback is logged at WARN with a reason and the request
/// id: a missing binding cookie (with the PUBLIC_ORIGIN hint), a provider's `error=`, a
/// state mismatch, a replayed callback.
#[tokio::test]
async fn oauth_refusals_are_logged_with_a_reason() {
    use crate::helpers::{FRONTEND, client, oidc::FakeProvider};
    let provider = FakeProvider::start().await;
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let mut command = sekisho(&db);
    command.env("RUST_LOG", "warn,sekisho=info");
    for (name, value) in provider.env() {
        command.env(name, value);
    }
    let Serving {
        mut child,
        port,
        lines,
        mut log,
    } = serve(&mut command);
    let base = format!("http://127.0.0.1:{port}/api/v1/auth");
    // Discovery runs in the background: wait for the provider.
    for _ in 0..100 {
        let body: serde_json::Value = reqwest::get(format!("{base}/providers"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["providers"].as_array().is_some_and(|p| !p.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let start = |browser: reqwest::Client| {
        let url = format!("{base}/sign-in/social");
        async move {
            let started = browser
                .post(url)
                .header("Origin", FRONTEND)
                .json(&serde_json::json!({ "provider": "acme", "callbackURL": "/dashboard" }))
                .send()
                .await
                .unwrap();
            assert_eq!(started.status(), 200);
            started
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|c| c.to_str().unwrap().to_owned())
                .find_map(|c| {
                    c.strip_prefix("access_token_oauth=")
                        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
                })
                .expect("the binding cookie")
        }
    };
    let callback = |query: &str, binding: Option<&str>| {
        let mut request = client().get(format!("{base}/callback/acme?{query}"));
        if let Some(binding) = binding {
            request = request.header("Cookie", format!("access_token_oauth={binding}"));
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 302);
            let to = response.headers()["location"].to_str().unwrap().to_owned();
            assert!(to.contains("error=OAUTH_FAILED"), "{to}");
        }
    };
    callback("code=x&state=y", None).await;
    let denied = start(client()).await;
    callback("error=access_denied&state=y", Some(&denied)).await;
    callback("code=x&state=y", Some(&denied)).await;
    let mismatched = start(client()).await;
    callback("code=x&state=not-the-state", Some(&mismatched)).await;

    let expected = [
        "social sign-in: PUBLIC_ORIGIN is not set",
        "binding cookie is missing",
        "set PUBLIC_ORIGIN to the app's origin",
        "the provider answered error=access_denied",
        "unknown or already finished",
        "state mismatch",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !expected
        .iter()
        .all(|e| log.iter().any(|line| line.contains(e)))
        && std::time::Instant::now() < deadline
    {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            log.push(line);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let refusals: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("sign-in with `acme` refused (OAUTH_FAILED)"))
        .collect();
    let text = log.join("\n");
    for reason in expected {
        assert!(text.contains(reason), "{reason} in\n{text}");
    }
    assert_eq!(refusals.len(), 4, "{text}");
    assert!(
        refusals
            .iter()
            .all(|l| l.contains(" WARN ") && l.contains("rid=")),
        "{text}"
    );
}

/// A value from outside with a line break in it (here a provider id in the callback's
/// path, `%0a` decoded by the router) stays on its own log line, escaped: it cannot
/// write a forged line.
#[tokio::test]
async fn values_from_outside_cannot_forge_log_lines() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let Serving {
        mut child,
        port,
        lines,
        mut log,
    } = serve(sekisho(&db).env("RUST_LOG", "info"));
    let forged = "x%0a%5B2026-01-01T00:00:00Z%20INFO%20%20sekisho%5D%20FORGED%0d%1b%5B2J";
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/auth/callback/{forged}?code=c&state=s&error=a%0aFORGED2"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    while !log.iter().any(|l| l.contains("/api/v1/auth/callback/")) {
        log.push(
            lines
                .recv_timeout(Duration::from_secs(10))
                .expect("the callback's log lines"),
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    log.extend(lines.try_iter());
    let text = log.join("\n");
    assert!(
        log.iter().all(|line| line.starts_with('[')),
        "every line is one of the logger's:\n{text}"
    );
    assert!(
        !log.iter().any(|line| line.starts_with("[2026-01-01")),
        "a forged line:\n{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "an escape sequence reached the log:\n{text}"
    );
    assert!(
        log.iter().any(|line| line.contains("x\\n[2026-01-01")),
        "the value is logged, escaped:\n{text}"
    );
}

/// NAME_FILE: the secret key and the operator's password read from files (as systemd's
/// LoadCredential hands them over); both forms of one setting are refused.
#[tokio::test]
async fn secrets_can_come_from_files() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let key = db.dir().join("secret_key");
    std::fs::write(&key, format!("{SECRET}\n")).unwrap();
    let password = db.dir().join("admin_password");
    std::fs::write(&password, "operator password from a file\n").unwrap();
    let Serving {
        mut child, port, ..
    } = serve(
        sekisho(&db)
            .env_remove("SECRET_KEY")
            .env("SECRET_KEY_FILE", &key)
            .env("ADMIN_EMAIL", "boss@example.com")
            .env("ADMIN_PASSWORD_FILE", &password),
    );
    let login = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "boss@example.com", "password": "operator password from a file"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let _ = child.kill();
    let _ = child.wait();
    // The file's key is the key: no secret.key was generated beside the database.
    assert!(!db.data_dir().join("secret.key").exists());

    let both = sekisho(&db)
        .env("SECRET_KEY_FILE", &key)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!both.status.success());
    let stderr = String::from_utf8_lossy(&both.stderr);
    assert!(
        stderr.contains("SECRET_KEY_FILE") && stderr.contains("not both"),
        "{stderr}"
    );
}

/// `--version` and the start-up line name the version and the commit built from.
#[tokio::test]
async fn the_version_names_the_commit() {
    let db = TestDb::create(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    let version = sekisho(&db).arg("--version").output().unwrap();
    let printed = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    let commit = sekisho::build_info::COMMIT;
    assert_eq!(
        printed,
        format!("sekisho {} ({commit})", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    let Serving { mut child, log, .. } = serve(&mut sekisho(&db));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        log.iter().any(|l| l.contains(&format!(
            "sekisho {} listening on",
            sekisho::build_info::LONG_VERSION
        ))),
        "{log:#?}"
    );
}
