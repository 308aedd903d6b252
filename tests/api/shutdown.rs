//! SIGTERM drains the instance (readiness off, `Connection: close`, then no new
//! connections while requests in flight finish); a second signal stops at once.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cli::{Serving, sekisho, serve};
use diesel::prelude::*;

use crate::helpers::{Backend, TestDb};

fn signal(child: &std::process::Child, name: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// One request on an open connection, and its whole answer (heads and body as text;
/// the body is small and the answer carries a Content-Length).
async fn ask(stream: &mut TcpStream, request: &str) -> String {
    stream.write_all(request.as_bytes()).await.unwrap();
    read_answer(stream).await
}

async fn read_answer(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("an answer within 10 s")
            .unwrap();
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        assert!(n > 0, "the connection closed mid-answer: {text}");
    }
}

/// Whether the peer closed the connection (EOF or reset) within `within`.
async fn closed(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

const READY: &str = "GET /api/health/ready HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test]
async fn sigterm_drains_then_finishes_requests_in_flight() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let Serving {
        mut child,
        port,
        lines,
        ..
    } = serve(
        sekisho(&db)
            .env("RUST_LOG", "info")
            .env("SHUTDOWN_DRAIN_SECONDS", "2")
            .env("BODY_TIMEOUT_SECONDS", "60"),
    );
    let address = format!("127.0.0.1:{port}");
    // A pooled connection, as a load balancer keeps one.
    let mut pooled = TcpStream::connect(&address).await.unwrap();
    let answer = ask(&mut pooled, READY).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#"{"status":"ready","#), "{answer}");
    // A request in flight: its body is half sent.
    let body = r#"{"email":"nobody@example.com","password":"not the password"}"#;
    let mut in_flight = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).await.unwrap();
    in_flight.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    signal(&child, "TERM");
    let signalled = Instant::now();
    // Readiness is off at once, and the answer closes the pooled connection.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let answer = ask(&mut pooled, READY).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains(r#""status":"unavailable""#), "{answer}");
    assert!(
        answer.contains(r#""reasons":["shutting down"]"#),
        "{answer}"
    );
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(closed(&mut pooled, Duration::from_secs(2)).await);
    // During the drain a new connection is still served, and closed after its answer.
    let mut late = TcpStream::connect(&address).await.unwrap();
    let answer = ask(&mut late, "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(closed(&mut late, Duration::from_secs(2)).await);

    // After the drain: no new connection is served.
    tokio::time::sleep(
        Duration::from_secs(2).saturating_sub(signalled.elapsed()) + Duration::from_millis(700),
    )
    .await;
    let refused = match TcpStream::connect(&address).await {
        Err(_) => true,
        Ok(mut stream) => {
            let _ = stream.write_all(READY.as_bytes()).await;
            closed(&mut stream, Duration::from_secs(2)).await
        }
    };
    assert!(refused, "a connection was served after the drain");
    // The request in flight still gets its whole answer.
    in_flight.write_all(&body.as_bytes()[10..]).await.unwrap();
    let answer = read_answer(&mut in_flight).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("INVALID_CREDENTIALS"), "{answer}");

    let status = wait_for_exit(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    let log: Vec<String> = lines.try_iter().collect();
    assert!(
        log.iter()
            .any(|line| line.contains("shutting down: readiness is off")),
        "{log:#?}"
    );
}

#[tokio::test]
async fn a_second_signal_stops_at_once() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let Serving {
        mut child, lines, ..
    } = serve(
        sekisho(&db)
            .env("RUST_LOG", "info")
            .env("SHUTDOWN_DRAIN_SECONDS", "60"),
    );
    signal(&child, "TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lines
        .recv_timeout(Duration::from_secs(1))
        .is_ok_and(|line| line.contains("shutting down"))
    {
        assert!(Instant::now() < deadline, "no shutdown logged");
    }
    let second = Instant::now();
    signal(&child, "INT");
    wait_for_exit(&mut child, Duration::from_secs(5));
    assert!(second.elapsed() < Duration::from_secs(5));
}

fn wait_for_exit(child: &mut std::process::Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

crate::on_both_databases!(queued_mail_outlives_a_shutdown);

/// A reset mail that could not be sent yet stays queued (sealed: the database holds
/// no live link) when its instance shuts down, and the next instance sends it.
async fn queued_mail_outlives_a_shutdown(db: TestDb) {
    use sekisho::config::DatabaseUrl;
    use sekisho::db::{RunOn, mail_queue, migrations};
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let Serving {
        mut child,
        port,
        lines,
        ..
    } = serve(
        sekisho(&db)
            .env("RUST_LOG", "info")
            .env("SMTP_URL", &nowhere)
            .env("MAIL_FROM", "auth@example.com")
            .env("MAIL_RETRY_SCHEDULE", "3")
            .env("SHUTDOWN_DRAIN_SECONDS", "0"),
    );
    let client = crate::helpers::client();
    let base = format!("http://127.0.0.1:{port}");
    let signed_up = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({"email": "kept@example.com", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 201);
    let asked = client
        .post(format!("{base}/api/v1/auth/forgot-password"))
        .json(&serde_json::json!({"email": "kept@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lines
        .recv_timeout(Duration::from_secs(1))
        .is_ok_and(|line| line.contains("reset mail not sent (attempt 1)"))
    {
        assert!(
            Instant::now() < deadline,
            "the first attempt was not logged"
        );
    }
    signal(&child, "TERM");
    assert!(wait_for_exit(&mut child, Duration::from_secs(10)).success());

    let url = DatabaseUrl::parse(&db.url()).unwrap();
    let mut conn = migrations::connect(&url).unwrap();
    assert!(mail_queue::waiting(&mut conn).unwrap() >= 1);
    let stored: Vec<String> = sekisho::db::schema::mail_queue::table
        .select(sekisho::db::schema::mail_queue::sealed_message)
        .load_on(&mut conn)
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|sealed| !sealed.contains("reset-password") && !sealed.contains("kept@")),
        "{stored:?}"
    );

    let smtp = crate::helpers::smtp::SmtpListener::start().await;
    // An instance under another SECRET_KEY cannot open it: the mail stays queued,
    // saying why, and nothing is sent.
    use sekisho::db::schema::mail_queue as q;
    const OTHER_KEY: &str = "another-secret-key-that-is-long-enough-987654321";
    let Serving {
        child: mut wrong, ..
    } = serve(
        sekisho(&db)
            .env("SECRET_KEY", OTHER_KEY)
            .env("SMTP_URL", smtp.url())
            .env("MAIL_FROM", "auth@example.com"),
    );
    let mut why = None;
    for _ in 0..100 {
        why = q::table
            .select(q::last_error)
            .first_on::<Option<String>>(&mut conn)
            .unwrap();
        if why.as_deref() == Some("sealed under another SECRET_KEY") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = wrong.kill();
    let _ = wrong.wait();
    assert_eq!(why.as_deref(), Some("sealed under another SECRET_KEY"));
    assert!(smtp.all_decoded().is_empty());
    // Its retry is ten minutes on: made due now, as if they had passed.
    sekisho::db::update(
        q::table,
        q::next_attempt_at.eq(chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1)),
    )
    .execute_on(&mut conn)
    .unwrap();
    // After a rotation the old key opens it: the next start sends it.
    let Serving { mut child, .. } = serve(
        sekisho(&db)
            .env("SECRET_KEY", OTHER_KEY)
            .env("PREVIOUS_SECRET_KEYS", crate::cli::SECRET)
            .env("SMTP_URL", smtp.url())
            .env("MAIL_FROM", "auth@example.com"),
    );
    let mail = smtp.wait_for_link_to("reset-password", 1).await;
    assert!(mail.contains("kept@example.com"), "{mail}");
    for _ in 0..50 {
        if mail_queue::waiting(&mut conn).unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mail_queue::waiting(&mut conn).unwrap(), 0);
    signal(&child, "KILL");
    let _ = child.wait();
}

#[tokio::test]
async fn a_connection_made_as_the_listener_closes_is_answered_or_refused() {
    // A proxy sends a request on a connection as soon as the kernel has accepted it; a
    // listener closed with connections in its queue resets them after the request went
    // out, and a proxy passes a POST so failed to no other instance (a 502). Clients
    // connecting without pause across the end of the drain must each be answered or
    // refused (never connected), and never reset after sending.
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let Serving {
        mut child, port, ..
    } = serve(sekisho(&db).env("SHUTDOWN_DRAIN_SECONDS", "1"));
    let address = format!("127.0.0.1:{port}");
    signal(&child, "TERM");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let until = Instant::now() + Duration::from_millis(1800);
    let clients = (0..16).map(|_| {
        let address = address.clone();
        tokio::spawn(async move {
            let (mut answered, mut refused, mut reset) = (0u32, 0u32, Vec::new());
            while Instant::now() < until {
                let connecting =
                    tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(&address));
                let Ok(Ok(mut stream)) = connecting.await else {
                    refused += 1;
                    continue;
                };
                let request = "POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"refreshToken\":\"x\"}";
                let mut answer = Vec::new();
                let outcome = match stream.write_all(request.as_bytes()).await {
                    Err(error) => Err(error),
                    Ok(()) => tokio::time::timeout(
                        Duration::from_secs(5),
                        stream.read_to_end(&mut answer),
                    )
                    .await
                    .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())),
                };
                match outcome {
                    Ok(_) if answer.starts_with(b"HTTP/1.1 ") => answered += 1,
                    Ok(_) => reset.push("closed without an answer".to_owned()),
                    Err(error) => reset.push(error.to_string()),
                }
            }
            (answered, refused, reset)
        })
    });
    let (mut answered, mut refused, mut reset) = (0, 0, Vec::new());
    for outcome in futures_util::future::join_all(clients).await {
        let (a, r, mut lost) = outcome.unwrap();
        answered += a;
        refused += r;
        reset.append(&mut lost);
    }
    assert!(wait_for_exit(&mut child, Duration::from_secs(10)).success());
    assert!(
        answered > 0 && refused > 0,
        "{answered} answered, {refused} refused"
    );
    assert!(
        reset.is_empty(),
        "{} connections lost a sent request ({answered} answered, {refused} refused): {:?}",
        reset.len(),
        reset.iter().take(5).collect::<Vec<_>>()
    );
}
