//! Connections end: a request whose chunked body never finishes is answered and its
//! socket closed within BODY_TIMEOUT_SECONDS + 1 s, on a route that reads the body and
//! on one that reads none, and on answers an outer layer writes; and 5,000 of them at
//! once are all answered and closed while health keeps answering.

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
    let app = app_with_one_second_bodies().await;
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
