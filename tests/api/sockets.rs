//! Connections end: a request whose chunked body never finishes is answered and its
//! socket closed within BODY_TIMEOUT_SECONDS + 1 s, on a route that reads the body and
//! on one that reads none, and on answers an outer layer writes; and 5,000 of them at
//! once are all answered and closed while health keeps answering. Every request head,
//! the first or a later one on a kept-alive connection, arrives within
//! HEADER_TIMEOUT_SECONDS or the socket is closed; one address holds at most
//! MAX_CONNECTIONS_PER_IP connections; a connection carries at most 1,000 requests.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, TestDb};

/// A request that announces a chunked body, sends one chunk and then nothing.
fn unfinished(method: &str, path: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n5\r\n{{\"a\":\r\n"
    )
}

/// Reads until the server closes the socket; the answer and how long that took, or
/// None if it was still open after `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    closed.ok().map(|()| {
        (
            String::from_utf8_lossy(&answer).into_owned(),
            started.elapsed(),
        )
    })
}

async fn app_with_one_second_bodies() -> TestApp {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    TestApp::spawn_on(db, &[("BODY_TIMEOUT_SECONDS", "1")]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_chunked_body_is_answered_and_its_socket_closed() {
    let app = app_with_one_second_bodies().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    for (method, path, status) in [
        ("POST", "/api/v1/auth/login", "HTTP/1.1 408"),
        ("GET", "/api/health", "HTTP/1.1 200"),
        ("POST", "/api/v1/auth/logout", "HTTP/1.1 200"),
        // Answers that an outer layer writes: an unknown route's envelope.
        ("POST", "/api/v1/nothing-here", "HTTP/1.1 404"),
    ] {
        let mut stream = TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(unfinished(method, path).as_bytes())
            .await
            .unwrap();
        let (answer, took) = read_until_closed(&mut stream, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("{method} {path}: the socket was still open after 10 s"));
        assert!(answer.starts_with(status), "{method} {path}: {answer}");
        assert!(
            took <= Duration::from_secs(2),
            "{method} {path}: closed after {took:?}"
        );
    }
}

/// 5,000 unfinished chunked bodies at once, half on a body route and half on
/// `/api/health`: while they are open, health still answers; every one of them is
/// answered and closed, none left open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_unfinished_bodies_leave_health_answering() {
    const SOCKETS: usize = 5_000;
    const WAVE: usize = 250;
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    // One address opens them all: its share is raised to let every one in.
    let app = TestApp::spawn_on(
        db,
        &[
            ("BODY_TIMEOUT_SECONDS", "1"),
            ("MAX_CONNECTIONS_PER_IP", "10000"),
        ],
    )
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut sockets = Vec::with_capacity(SOCKETS);
    for wave in 0..SOCKETS / WAVE {
        let opened = (0..WAVE).map(|n| {
            let address = address.clone();
            let (method, path) = if (wave * WAVE + n).is_multiple_of(2) {
                ("POST", "/api/v1/auth/login")
            } else {
                ("GET", "/api/health")
            };
            async move {
                let mut stream = TcpStream::connect(&address).await.unwrap();
                stream
                    .write_all(unfinished(method, path).as_bytes())
                    .await
                    .unwrap();
                stream
            }
        });
        sockets.extend(futures_util::future::join_all(opened).await);
    }
    // Health answers while the flood is open (the bodies' deadline has not passed for
    // the last waves yet).
    let health = tokio::time::timeout(Duration::from_secs(5), app.get("/api/health"))
        .await
        .expect("health answers during the flood");
    assert_eq!(health.status(), 200);

    let closed = sockets.into_iter().map(|mut stream| async move {
        read_until_closed(&mut stream, Duration::from_secs(30)).await
    });
    let results = futures_util::future::join_all(closed).await;
    let open = results.iter().filter(|r| r.is_none()).count();
    assert_eq!(open, 0, "{open} of {SOCKETS} sockets still open after 30 s");
    let unanswered = results
        .iter()
        .flatten()
        .filter(|(answer, _)| !answer.starts_with("HTTP/1.1 "))
        .count();
    assert_eq!(
        unanswered, 0,
        "{unanswered} sockets closed without an answer"
    );
    let health = app.get("/api/health").await;
    assert_eq!(health.status(), 200);
}

/// A connection from `local`, one of the many loopback addresses (127.0.0.0/8): to
/// the server, another client.
async fn connect_from(local: [u8; 4], server: &str) -> std::io::Result<TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::from((local, 0)))?;
    socket
        .connect(server.parse().expect("the server's address"))
        .await
}

/// Reads one whole answer (its head and a `content-length` body); None when the
/// socket closed before it was whole.
async fn read_answer(stream: &mut TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if bytes.len() >= end + 4 + length {
                return Some(text);
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
    }
}

const HEALTH: &str = "GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n";
/// The start of a second request head that never ends.
const PARTIAL_HEAD: &str = "GET /api/health HTTP/1.1\r\nHost: localhost\r\n";

/// One request answered on a new connection from `local`, kept alive.
async fn kept_alive_from(local: [u8; 4], server: &str) -> TcpStream {
    let mut stream = connect_from(local, server).await.expect("connected");
    stream.write_all(HEALTH.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream).await.expect("the first answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_later_request_head_has_the_same_deadline_as_the_first() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let app = TestApp::spawn_on(
        db,
        &[
            ("HEADER_TIMEOUT_SECONDS", "2"),
            ("METRICS_TOKEN", crate::metrics::TOKEN),
        ],
    )
    .await;
    let server = app.address.trim_start_matches("http://").to_owned();
    // The deadline (a first head gets a second's grace, for actix's own 408), and
    // slack for a busy machine.
    let limit = Duration::from_millis(3_500);

    // Kept alive and silent after the first answer.
    let mut idle = kept_alive_from([127, 0, 0, 1], &server).await;
    let (_, took) = read_until_closed(&mut idle, Duration::from_secs(10))
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(took <= limit, "idle: closed after {took:?}");

    // Part of a second head, then nothing.
    let mut partial = kept_alive_from([127, 0, 0, 1], &server).await;
    partial.write_all(PARTIAL_HEAD.as_bytes()).await.unwrap();
    let (_, took) = read_until_closed(&mut partial, Duration::from_secs(10))
        .await
        .expect("a stalled second head is closed");
    assert!(took <= limit, "partial head: closed after {took:?}");

    // A second head trickled one header line every 300 ms, never finished.
    let mut trickle = kept_alive_from([127, 0, 0, 1], &server).await;
    let started = Instant::now();
    trickle.write_all(PARTIAL_HEAD.as_bytes()).await.unwrap();
    let mut closed_after = None;
    for n in 0..40 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        if trickle
            .write_all(format!("X-Trickle-{n}: y\r\n").as_bytes())
            .await
            .is_err()
        {
            closed_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), trickle.read(&mut probe)).await
        {
            closed_after = Some(started.elapsed());
            break;
        }
    }
    let took = closed_after.expect("a trickled head is closed");
    assert!(took <= limit, "trickled head: closed after {took:?}");

    // A first head that never ends gets actix's 408, as before.
    let mut first = connect_from([127, 0, 0, 1], &server).await.unwrap();
    first.write_all(PARTIAL_HEAD.as_bytes()).await.unwrap();
    let (answer, took) = read_until_closed(&mut first, Duration::from_secs(10))
        .await
        .expect("a stalled first head is closed");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took <= limit, "first head: closed after {took:?}");

    // Connections that keep asking are not cut off.
    let mut busy = kept_alive_from([127, 0, 0, 1], &server).await;
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        busy.write_all(HEALTH.as_bytes()).await.unwrap();
        let answer = read_answer(&mut busy)
            .await
            .expect("answered on the same connection");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    let metrics = crate::metrics::scrape(&app).await;
    assert!(
        crate::metrics::sample(&metrics, "sekisho_connections_closed_by_deadline_total") >= 2.0,
        "{metrics}"
    );
}

/// The memory process `pid` holds, in KiB.
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmRSS:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

/// 500 connections from one address, each answered once and then stalled part-way
/// through a second head, against the server binary in a process of its own (its
/// memory is its own): every one is closed within the deadline, another address is
/// served throughout, and the memory they took is given back. Over its share, the
/// same address is refused, and the log says so once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_stalled_keep_alive_sockets_close_and_others_are_served() {
    const SOCKETS: usize = 500;
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let crate::cli::Serving {
        mut child,
        port,
        lines,
        mut log,
    } = crate::cli::serve(
        crate::cli::sekisho(&db)
            .env("RUST_LOG", "warn,sekisho=info")
            .env("HEADER_TIMEOUT_SECONDS", "2")
            .env("MAX_CONNECTIONS_PER_IP", "500"),
    );
    let server = format!("127.0.0.1:{port}");
    let url = format!("http://{server}/api/health");
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 3]))
        .build()
        .unwrap();
    for _ in 0..20 {
        let warm = other.get(&url).send().await.unwrap();
        assert_eq!(warm.status(), 200);
    }
    // The server hands freed memory back every 10 s: rest is read after one round.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let at_rest = resident_kib(child.id());

    let opened = (0..SOCKETS).map(|_| {
        let server = server.clone();
        async move {
            let mut stream = kept_alive_from([127, 0, 0, 2], &server).await;
            stream.write_all(PARTIAL_HEAD.as_bytes()).await.unwrap();
            stream
        }
    });
    let stalled = futures_util::future::join_all(opened).await;
    let all_stalled = Instant::now();
    let at_peak = resident_kib(child.id());
    // Its share is full: three more from that address are shut as they come.
    for _ in 0..3 {
        let mut over = connect_from([127, 0, 0, 2], &server).await.unwrap();
        let (_, took) = read_until_closed(&mut over, Duration::from_secs(5))
            .await
            .expect("over the share: shut");
        assert!(took < Duration::from_secs(1), "shut after {took:?}");
    }

    // Served throughout: a request every 100 ms from another address, none slow.
    let watcher = {
        let other = other.clone();
        let url = url.clone();
        tokio::spawn(async move {
            let mut slowest = Duration::ZERO;
            for _ in 0..30 {
                let asked = Instant::now();
                let answer = tokio::time::timeout(Duration::from_secs(2), other.get(&url).send())
                    .await
                    .expect("answered within 2 s")
                    .expect("answered");
                assert_eq!(answer.status(), 200);
                slowest = slowest.max(asked.elapsed());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            slowest
        })
    };

    let closed = stalled.into_iter().map(|mut stream| async move {
        read_until_closed(&mut stream, Duration::from_secs(20)).await
    });
    let results = futures_util::future::join_all(closed).await;
    let open = results.iter().filter(|r| r.is_none()).count();
    assert_eq!(
        open, 0,
        "{open} of {SOCKETS} stalled sockets still open after 20 s"
    );
    let last_closed = all_stalled.elapsed();
    let slowest = watcher.await.unwrap();

    tokio::time::sleep(Duration::from_secs(11)).await;
    let after = resident_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    log.extend(lines.try_iter());
    eprintln!(
        "{SOCKETS} stalled sockets: all closed {last_closed:?} after the last stalled; \
         slowest answer elsewhere {slowest:?}; resident {at_rest} KiB at rest, {at_peak} KiB \
         with them open, {after} KiB after"
    );
    assert!(
        last_closed <= Duration::from_millis(3_000),
        "the last stalled socket closed {last_closed:?} after the last one stalled"
    );
    assert!(
        slowest < Duration::from_secs(1),
        "slowest answer elsewhere: {slowest:?}"
    );
    assert!(
        after <= at_rest + 8 * 1024,
        "resident memory {at_rest} KiB at rest, {after} KiB after the sockets closed"
    );
    let refusals: Vec<&String> = log
        .iter()
        .filter(|line| line.contains("connections from 127.0.0.2 refused"))
        .collect();
    assert_eq!(refusals.len(), 1, "logged once a minute: {refusals:?}");
}

/// An address holding its share of connections gets its next one shut at once (429,
/// counted), while another address is served; a place frees when one closes; trusted
/// proxies are not limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_over_its_share_is_refused_at_once_and_others_are_served() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let app = TestApp::spawn_on(
        db,
        &[
            ("MAX_CONNECTIONS_PER_IP", "10"),
            ("HEADER_TIMEOUT_SECONDS", "30"),
            ("TRUSTED_PROXIES", "127.0.0.4"),
            ("METRICS_TOKEN", crate::metrics::TOKEN),
        ],
    )
    .await;
    let server = app.address.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(kept_alive_from([127, 0, 0, 2], &server).await);
    }
    let mut over = connect_from([127, 0, 0, 2], &server).await.unwrap();
    let _ = over.write_all(HEALTH.as_bytes()).await;
    let (answer, took) = read_until_closed(&mut over, Duration::from_secs(5))
        .await
        .expect("the connection over the share is shut");
    assert!(took < Duration::from_secs(1), "shut after {took:?}");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 429"),
        "never served: {answer}"
    );

    // Another address is served, and so is a trusted proxy with more than the share.
    let mut others = Vec::new();
    for _ in 0..3 {
        others.push(kept_alive_from([127, 0, 0, 3], &server).await);
    }
    let mut proxied = Vec::new();
    for _ in 0..15 {
        proxied.push(kept_alive_from([127, 0, 0, 4], &server).await);
    }

    // One closes: its place is free again.
    drop(held.pop());
    let mut freed = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut again = connect_from([127, 0, 0, 2], &server).await.unwrap();
        again.write_all(HEALTH.as_bytes()).await.unwrap();
        if let Some(answer) = read_answer(&mut again).await {
            freed = Some(answer);
            break;
        }
    }
    assert!(
        freed.is_some_and(|a| a.starts_with("HTTP/1.1 200")),
        "a place came free when one connection closed"
    );

    let metrics = crate::metrics::scrape(&app).await;
    assert!(
        crate::metrics::sample(&metrics, "sekisho_connections_refused_per_address_total") >= 1.0,
        "{metrics}"
    );
}

/// The thousandth request of a connection is answered with `Connection: close`, and
/// the connection ends there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_carries_at_most_a_thousand_requests() {
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let app = TestApp::spawn_on(db, &[]).await;
    let server = app.address.trim_start_matches("http://").to_owned();
    let mut stream = connect_from([127, 0, 0, 1], &server).await.unwrap();
    for n in 1..=1000 {
        stream.write_all(HEALTH.as_bytes()).await.unwrap();
        let answer = read_answer(&mut stream)
            .await
            .unwrap_or_else(|| panic!("answer {n} on one connection"));
        assert!(answer.starts_with("HTTP/1.1 200"), "{n}: {answer}");
        let closes = answer.to_ascii_lowercase().contains("connection: close");
        assert_eq!(closes, n == 1000, "answer {n}: {answer}");
    }
    let closed = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(
        closed.is_some(),
        "the connection ends after its thousandth answer"
    );
}
