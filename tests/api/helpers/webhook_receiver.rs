//! A real HTTP receiver for webhooks on a random port: it keeps every request it gets
//! and answers from a script (statuses to give first; 204 after), or hangs, or
//! redirects. Signatures are checked with the Standard Webhooks crate, not our code.

use std::collections::{HashMap, VecDeque};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether `secret` (`whsec_…`) signed it, as the Standard Webhooks crate checks.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut headers = http::HeaderMap::new();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        standardwebhooks::Webhook::new(secret)
            .and_then(|w| w.verify(self.body.as_bytes(), &headers))
            .is_ok()
    }
}

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// A redirect to itself (a sender must not follow it).
    Redirect,
    /// No answer for this long.
    Hang(Duration),
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    script: VecDeque<Reply>,
}

pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    /// Listening at `/hook`, answering 204 until told otherwise.
    pub async fn start() -> Receiver {
        Self::start_on(0).await
    }

    /// The same, on `port` (0: any free one).
    pub async fn start_on(port: u16) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .expect("listening")
        .run();
        tokio::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            shared,
        }
    }

    /// The next requests get these answers, in order.
    pub fn reply_next(&self, replies: &[Reply]) {
        let mut shared = self.shared.lock().expect("receiver state");
        shared.script.extend(replies.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("receiver state").received.clone()
    }

    /// Waits until `count` requests arrived (or `within` passed); what arrived.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || tokio::time::Instant::now() >= deadline {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for a request whose body has `type` = `event_type`.
    pub async fn wait_for_type(&self, event_type: &str, within: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let found = self
                .received()
                .into_iter()
                .find(|r| r.json()["type"] == event_type);
            if found.is_some() || tokio::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The bodies' types, in arrival order.
    pub fn types(&self) -> Vec<String> {
        self.received()
            .iter()
            .map(|r| r.json()["type"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}

async fn receive(
    request: HttpRequest,
    body: web::Bytes,
    shared: web::Data<Arc<Mutex<Shared>>>,
) -> HttpResponse {
    let reply = {
        let mut shared = shared.lock().expect("receiver state");
        shared.received.push(Received {
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        value.to_str().unwrap_or("").to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        shared.script.pop_front().unwrap_or(Reply::Status(204))
    };
    match reply {
        Reply::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).expect("a status"))
                .body(format!("answered {code}"))
        }
        Reply::Redirect => HttpResponse::Found()
            .insert_header(("location", request.uri().to_string()))
            .finish(),
        Reply::Hang(how_long) => {
            tokio::time::sleep(how_long).await;
            HttpResponse::NoContent().finish()
        }
    }
}
