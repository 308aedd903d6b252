//! A stand-in for GitHub on loopback, as a GitHub Enterprise server lays it out: the
//! authorize page (consents at once), the token endpoint (checks the client's secret,
//! the redirect URI and the PKCE verifier; a refusal is 200 with `error`, as GitHub
//! answers), and the REST API's `/user` and `/user/emails` under `/api/v3`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "Iv1.sekisho-test";
pub const CLIENT_SECRET: &str = "github-test-secret";

/// The GitHub user who consents next: the account and its addresses
/// (`(email, primary, verified)`).
#[derive(Debug, Clone)]
pub struct GitHubUser {
    pub id: u64,
    pub login: String,
    pub name: Option<String>,
    pub emails: Vec<(String, bool, bool)>,
}

impl GitHubUser {
    pub fn with_primary(id: u64, email: &str, verified: bool) -> Self {
        Self {
            id,
            login: format!("octo{id}"),
            name: Some("Octo Cat".into()),
            emails: vec![
                ("noreply@users.example.com".into(), false, true),
                (email.into(), true, verified),
            ],
        }
    }
}

#[derive(Default)]
struct Shared {
    next: Option<GitHubUser>,
    grants: HashMap<String, (GitHubUser, String, String)>,
    tokens: HashMap<String, GitHubUser>,
    authorizations: Vec<HashMap<String, String>>,
}

#[derive(Clone)]
pub struct FakeGitHub {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeGitHub {
    pub async fn start() -> FakeGitHub {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let github = FakeGitHub {
            url: format!("http://127.0.0.1:{port}"),
            shared: Arc::default(),
        };
        let data = web::Data::new(github.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/login/oauth/authorize", web::get().to(authorize))
                .route("/login/oauth/access_token", web::post().to(token))
                .route("/api/v3/user", web::get().to(user))
                .route("/api/v3/user/emails", web::get().to(emails))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        github
    }

    /// The environment that configures it (an Enterprise layout: the API under
    /// `/api/v3`).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("GITHUB_CLIENT_ID", CLIENT_ID.into()),
            ("GITHUB_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("GITHUB_URL", self.url.clone()),
            ("GITHUB_API_URL", format!("{}/api/v3", self.url)),
        ]
    }

    pub fn next(&self, user: GitHubUser) {
        self.shared.lock().unwrap().next = Some(user);
    }

    pub fn last_authorization(&self) -> HashMap<String, String> {
        self.shared
            .lock()
            .unwrap()
            .authorizations
            .last()
            .cloned()
            .expect("an authorization")
    }
}

async fn authorize(
    github: web::Data<FakeGitHub>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let query = query.into_inner();
    let mut shared = github.shared.lock().unwrap();
    shared.authorizations.push(query.clone());
    let user = shared
        .next
        .clone()
        .unwrap_or_else(|| GitHubUser::with_primary(1, "octo@example.com", true));
    let code = uuid::Uuid::new_v4().simple().to_string();
    let redirect_uri = query.get("redirect_uri").cloned().unwrap_or_default();
    let challenge = query.get("code_challenge").cloned().unwrap_or_default();
    shared
        .grants
        .insert(code.clone(), (user, challenge, redirect_uri.clone()));
    let mut back = url::Url::parse(&redirect_uri).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair(
            "state",
            query.get("state").map(String::as_str).unwrap_or(""),
        );
    HttpResponse::Found()
        .insert_header(("Location", back.to_string()))
        .finish()
}

async fn token(
    github: web::Data<FakeGitHub>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let refuse = |error: &str| HttpResponse::Ok().json(json!({ "error": error }));
    let accepts_json = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if !accepts_json {
        // GitHub answers form-encoded unless asked for JSON.
        return HttpResponse::Ok().body("error=not_json");
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET)
    {
        return refuse("incorrect_client_credentials");
    }
    let grant = form
        .get("code")
        .and_then(|c| github.shared.lock().unwrap().grants.remove(c));
    let Some((user, challenge, redirect_uri)) = grant else {
        return refuse("bad_verification_code");
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge
        || form.get("redirect_uri") != Some(&redirect_uri)
    {
        return refuse("bad_verification_code");
    }
    let access_token = format!("gho_{}", uuid::Uuid::new_v4().simple());
    github
        .shared
        .lock()
        .unwrap()
        .tokens
        .insert(access_token.clone(), user);
    HttpResponse::Ok().json(json!({ "access_token": access_token, "token_type": "bearer", "scope": "read:user,user:email" }))
}

fn caller(github: &FakeGitHub, req: &HttpRequest) -> Option<GitHubUser> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())?
        .strip_prefix("Bearer ")?;
    let has_agent = req.headers().get("user-agent").is_some();
    has_agent.then(|| github.shared.lock().unwrap().tokens.get(token).cloned())?
}

async fn user(github: web::Data<FakeGitHub>, req: HttpRequest) -> HttpResponse {
    match caller(&github, &req) {
        Some(user) => HttpResponse::Ok().json(json!({
            "id": user.id,
            "login": user.login,
            "name": user.name,
            "avatar_url": format!("https://avatars.example.com/u/{}", user.id),
        })),
        None => HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials" })),
    }
}

async fn emails(github: web::Data<FakeGitHub>, req: HttpRequest) -> HttpResponse {
    match caller(&github, &req) {
        Some(user) => {
            let list: Vec<Value> = user
                .emails
                .iter()
                .map(|(email, primary, verified)| {
                    json!({ "email": email, "primary": primary, "verified": verified, "visibility": null })
                })
                .collect();
            HttpResponse::Ok().json(list)
        }
        None => HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials" })),
    }
}
