//! An OpenID provider the tests control, on loopback: discovery, keys, an authorize
//! endpoint that consents at once (redirecting with a code) and a token endpoint that
//! checks the client's secret and the PKCE verifier, then answers with an ID token
//! signed as the next `Plan` says (wrong nonce, another audience, expired, a key not
//! published yet...). The protocol side of a real provider is tested with
//! `oidc-provider` in the Next.js example's browser test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "sekisho-test-client";
pub const CLIENT_SECRET: &str = "sekisho-test-secret";

/// Who signs in at the provider, and how the ID token is made.
#[derive(Debug, Clone)]
pub struct Plan {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// Replaces the nonce of the authorization request.
    pub nonce: Option<String>,
    /// Replaces the audience (our client id).
    pub audience: Option<String>,
    /// Seconds from now until `exp` (negative: already expired).
    pub expires_in: i64,
    /// Seconds from now to `iat` (positive: issued in the future).
    pub issued_in: i64,
    /// Signs with key B, which the key set only publishes once `rotate_keys` is called.
    pub rotated_key: bool,
    /// Leaves the email out of the ID token: only the userinfo endpoint gives it (as
    /// providers that follow the spec to the letter do).
    pub email_only_in_userinfo: bool,
}

impl Plan {
    pub fn person(subject: &str, email: &str) -> Plan {
        Plan {
            subject: subject.into(),
            email: Some(email.into()),
            email_verified: true,
            name: Some("Acme Person".into()),
            nonce: None,
            audience: None,
            expires_in: 300,
            issued_in: -5,
            rotated_key: false,
            email_only_in_userinfo: false,
        }
    }
}

#[derive(Debug, Clone)]
struct Grant {
    plan: Plan,
    nonce: String,
    code_challenge: String,
    redirect_uri: String,
}

#[derive(Default)]
struct Shared {
    next: Option<Plan>,
    grants: HashMap<String, Grant>,
    /// The query of every authorization request, for the tests to look at.
    authorizations: Vec<HashMap<String, String>>,
    key_b_published: bool,
    /// The plan behind each access token, for the userinfo endpoint.
    userinfo: HashMap<String, Plan>,
    discovery_down: bool,
    token_requests: usize,
}

#[derive(Clone)]
pub struct FakeProvider {
    pub issuer: String,
    shared: Arc<Mutex<Shared>>,
}

impl FakeProvider {
    pub async fn start() -> FakeProvider {
        Self::start_with(false).await
    }

    /// With `discovery_down`, discovery answers 503 until `bring_up` is called.
    pub async fn start_with(discovery_down: bool) -> FakeProvider {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let issuer = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Mutex::new(Shared {
            discovery_down,
            ..Shared::default()
        }));
        let provider = FakeProvider { issuer, shared };
        let data = web::Data::new(provider.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
                .route("/userinfo", web::get().to(userinfo))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        provider
    }

    /// The environment that configures this provider as `acme`.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OIDC_PROVIDERS", "acme".into()),
            ("OIDC_ACME_ISSUER", self.issuer.clone()),
            ("OIDC_ACME_CLIENT_ID", CLIENT_ID.into()),
            ("OIDC_ACME_CLIENT_SECRET", CLIENT_SECRET.into()),
            ("OIDC_ACME_NAME", "ACME".into()),
        ]
    }

    /// The person (and the token's quirks) of the next authorization.
    pub fn plan(&self, plan: Plan) {
        self.shared.lock().unwrap().next = Some(plan);
    }

    pub fn rotate_keys(&self) {
        self.shared.lock().unwrap().key_b_published = true;
    }

    pub fn bring_up(&self) {
        self.shared.lock().unwrap().discovery_down = false;
    }

    pub fn last_authorization(&self) -> HashMap<String, String> {
        self.shared
            .lock()
            .unwrap()
            .authorizations
            .last()
            .cloned()
            .expect("an authorization request")
    }

    pub fn token_requests(&self) -> usize {
        self.shared.lock().unwrap().token_requests
    }
}

async fn discovery(provider: web::Data<FakeProvider>) -> HttpResponse {
    if provider.shared.lock().unwrap().discovery_down {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let issuer = &provider.issuer;
    HttpResponse::Ok().json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

fn jwk(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/oidc/jwk-{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn signing_key(name: &str) -> EncodingKey {
    let path = format!(
        "{}/tests/fixtures/oidc/key-{name}.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    EncodingKey::from_rsa_pem(&std::fs::read(path).unwrap()).unwrap()
}

async fn jwks(provider: web::Data<FakeProvider>) -> HttpResponse {
    let mut keys = vec![jwk("a")];
    if provider.shared.lock().unwrap().key_b_published {
        keys.push(jwk("b"));
    }
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

/// Consents at once: a code for the planned person, back to the redirect URI.
async fn authorize(
    provider: web::Data<FakeProvider>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let query = query.into_inner();
    let mut shared = provider.shared.lock().unwrap();
    shared.authorizations.push(query.clone());
    let plan = shared
        .next
        .clone()
        .unwrap_or_else(|| Plan::person("default-subject", "default@example.com"));
    let code = uuid::Uuid::new_v4().simple().to_string();
    let redirect_uri = query.get("redirect_uri").cloned().unwrap_or_default();
    shared.grants.insert(
        code.clone(),
        Grant {
            plan,
            nonce: query.get("nonce").cloned().unwrap_or_default(),
            code_challenge: query.get("code_challenge").cloned().unwrap_or_default(),
            redirect_uri: redirect_uri.clone(),
        },
    );
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
    provider: web::Data<FakeProvider>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let form = form.into_inner();
    provider.shared.lock().unwrap().token_requests += 1;
    let refuse = |error: &str| HttpResponse::BadRequest().json(json!({ "error": error }));
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if authorization != expected {
        return HttpResponse::Unauthorized().json(json!({ "error": "invalid_client" }));
    }
    let grant = {
        let mut shared = provider.shared.lock().unwrap();
        // A code is spent by its first use.
        form.get("code").and_then(|c| shared.grants.remove(c))
    };
    let Some(grant) = grant else {
        return refuse("invalid_grant");
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if form.get("grant_type").map(String::as_str) != Some("authorization_code")
        || challenge != grant.code_challenge
        || form.get("redirect_uri") != Some(&grant.redirect_uri)
    {
        return refuse("invalid_grant");
    }
    let plan = grant.plan;
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": provider.issuer,
        "sub": plan.subject,
        "aud": plan.audience.clone().unwrap_or_else(|| CLIENT_ID.into()),
        "iat": now + plan.issued_in,
        "exp": now + plan.expires_in,
        "nonce": plan.nonce.clone().unwrap_or(grant.nonce),
        "email_verified": plan.email_verified,
    });
    if plan.email_only_in_userinfo {
        claims.as_object_mut().unwrap().remove("email_verified");
    } else if let Some(email) = &plan.email {
        claims["email"] = json!(email);
    }
    if let Some(name) = &plan.name {
        claims["name"] = json!(name);
        claims["picture"] = json!(format!("https://acme.example/{}.png", plan.subject));
    }
    let key = if plan.rotated_key { "b" } else { "a" };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(format!("test-key-{key}"));
    let id_token = jsonwebtoken::encode(&header, &claims, &signing_key(key)).unwrap();
    let access_token = uuid::Uuid::new_v4().simple().to_string();
    provider
        .shared
        .lock()
        .unwrap()
        .userinfo
        .insert(access_token.clone(), plan);
    HttpResponse::Ok().json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

async fn userinfo(provider: web::Data<FakeProvider>, req: HttpRequest) -> HttpResponse {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let plan = provider.shared.lock().unwrap().userinfo.get(token).cloned();
    match plan {
        Some(plan) => HttpResponse::Ok().json(json!({
            "sub": plan.subject,
            "email": plan.email,
            "email_verified": plan.email_verified,
        })),
        None => HttpResponse::Unauthorized().finish(),
    }
}
