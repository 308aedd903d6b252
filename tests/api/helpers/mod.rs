//! The integration-test harness: the real application on a random port, against a
//! fresh SQLite file or a fresh PostgreSQL database, spoken to over HTTP.

mod admin;
pub mod authenticator;
mod backend;
mod browser;
mod fixtures;
pub mod github;
pub mod oidc;
mod pg_cluster;
pub mod smtp;
mod sqlite_lock;
pub mod two_factor;
pub mod webhook_receiver;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::{HttpResponse, web};
use sekisho::config::Settings;
use sekisho::db::{DbConnection, Pool};
use sekisho::startup::Application;

pub use admin::{AdminBrowser, OPERATOR, OPERATOR_PASSWORD, csrf_of};
pub use backend::{Backend, TestDb};
pub use browser::Browser;
pub use fixtures::{envelope, error_code, insert_user, set_cookies};
pub use pg_cluster::PgCluster;
pub use smtp::{SmtpListener, reset_link, token_of, verification_link};
pub use sqlite_lock::WriteLock;

/// The front-end origin allowed by default (CORS_ORIGINS' default).
pub const FRONTEND: &str = "http://localhost:3000";
pub const PASSWORD: &str = "correct horse battery";

/// Whether a missing PostgreSQL or Chromium fails the test instead of skipping it
/// (`.ci/run` sets it).
pub fn require_all() -> bool {
    std::env::var("SEKISHO_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Prints the skip, or fails when CI requires every dependency.
pub fn skip(test: &str, why: &str) {
    assert!(!require_all(), "{test}: {why} (SEKISHO_REQUIRE_ALL=1)");
    eprintln!("SKIPPED {test}: {why}");
}

pub struct TestApp {
    pub address: String,
    /// The METRICS_BIND listener, when the test configured one.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub backend: Backend,
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub hasher: sekisho::crypto::hasher_pool::HasherPool,
    /// The running app's state, for tests that call a use case directly.
    pub state: sekisho::state::AppState,
    pub db: TestDb,
}

impl TestApp {
    /// The app on `backend`, or None (after printing why) when that backend is absent.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, &[]).await
    }

    pub async fn spawn_with(backend: Backend, vars: &[(&str, &str)]) -> Option<TestApp> {
        let db = TestDb::create(backend).await?;
        let app = Self::spawn_on(db, vars).await;
        Some(app)
    }

    /// The app on an existing database (tests that restart the server or share one).
    pub async fn spawn_on(db: TestDb, vars: &[(&str, &str)]) -> TestApp {
        let mut env: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), db.url()),
            ("BIND".into(), "127.0.0.1:0".into()),
            (
                "SECRET_KEY".into(),
                "test-secret-key-that-is-long-enough-0123456789".into(),
            ),
            ("DATA_DIR".into(), db.data_dir().display().to_string()),
            ("WORKERS".into(), "2".into()),
            ("DB_POOL_SIZE".into(), "4".into()),
            ("DB_TIMEOUT_MS".into(), "1000".into()),
        ]);
        for (name, value) in vars {
            env.insert(name.to_string(), value.to_string());
        }
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).expect("test settings");
        let app = Application::build_with(settings, Arc::new(test_routes))
            .await
            .expect("the application starts");
        let port = app.port();
        let metrics_address = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        let pool = app.state().pool.clone();
        let settings = app.state().settings.clone();
        let hasher = app.state().hasher.clone();
        let state = app.state().clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            metrics_address,

            client: client(),
            backend: db.backend(),
            pool,
            settings,
            hasher,
            state,
            db,
        }
    }

    /// The app with mail going to `smtp` (From: `Sekisho <auth@example.com>`).
    pub async fn spawn_with_smtp(
        db: TestDb,
        smtp: &SmtpListener,
        extra: &[(&str, &str)],
    ) -> TestApp {
        let url = smtp.url();
        let mut vars = vec![
            ("SMTP_URL", url.as_str()),
            ("MAIL_FROM", "Sekisho <auth@example.com>"),
        ];
        vars.extend_from_slice(extra);
        Self::spawn_on(db, &vars).await
    }

    /// GET `path` with `browser`'s cookies; the JSON body, whatever the status.
    pub async fn json_as(&self, browser: &reqwest::Client, path: &str) -> serde_json::Value {
        browser
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON body")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    /// A JSON POST as the front-end's browser sends it: with its Origin.
    pub async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.post_with(&self.client, path, body).await
    }

    pub async fn post_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        client
            .post(self.url(path))
            .header("Origin", FRONTEND)
            .json(&body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .header("Origin", FRONTEND)
            .send()
            .await
            .expect("request sent")
    }

    /// Signs up `email` with `PASSWORD` on the app's own client; returns the user JSON.
    pub async fn signup(&self, email: &str) -> serde_json::Value {
        let response = self
            .post(
                "/api/v1/auth/signup",
                serde_json::json!({ "email": email, "password": PASSWORD, "name": "田中太郎" }),
            )
            .await;
        assert_eq!(response.status(), 201, "signup of {email}");
        let body: serde_json::Value = response.json().await.expect("JSON body");
        body["user"].clone()
    }

    /// One login attempt from a fresh client (another browser, with the front-end's
    /// Origin); returns the response, whatever it is.
    pub async fn attempt_login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_with(
            &client(),
            "/api/v1/auth/login",
            serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    /// The session cookie's token after a login of `email` with `PASSWORD`.
    pub async fn cookie_token(&self, email: &str) -> String {
        let response = self.attempt_login(email, PASSWORD).await;
        assert_eq!(response.status(), 200, "login of {email}");
        set_cookies(&response)
            .iter()
            .find_map(|c| c.strip_prefix("access_token="))
            .and_then(|rest| rest.split(';').next())
            .expect("the session cookie")
            .to_owned()
    }

    /// Logs `email` in on a fresh client (another browser); returns that client.
    pub async fn login_elsewhere(&self, email: &str) -> reqwest::Client {
        self.login_elsewhere_with(email, PASSWORD).await
    }

    pub async fn login_elsewhere_with(&self, email: &str, password: &str) -> reqwest::Client {
        let other = client();
        let response = self
            .post_with(
                &other,
                "/api/v1/auth/login",
                serde_json::json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(response.status(), 200, "login of {email}");
        other
    }

    pub async fn me_status(&self, client: &reqwest::Client) -> u16 {
        client
            .get(self.url("/api/v1/auth/me"))
            .send()
            .await
            .expect("request sent")
            .status()
            .as_u16()
    }

    /// Runs database work on a blocking thread with a connection of the app's pool.
    pub async fn with_db<T, F>(&self, work: F) -> T
    where
        F: FnOnce(&mut DbConnection) -> T + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().expect("a pooled connection");
            work(&mut conn)
        })
        .await
        .expect("database work finished")
    }
}

/// A client that keeps cookies and does not follow redirects, like a careful user.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// Handlers mounted only in tests, to exercise the middleware with real requests.
fn test_routes(cfg: &mut web::ServiceConfig) {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Strict {
        email: String,
    }
    cfg.route(
        "/api/test/panic",
        web::get().to(|| async {
            panic!("secret internal detail: db password is hunter2");
            #[allow(unreachable_code)]
            HttpResponse::Ok().finish()
        }),
    )
    .route(
        "/api/test/echo",
        web::post().to(|body: web::Json<serde_json::Value>| async move {
            HttpResponse::Ok().json(body.into_inner())
        }),
    )
    .route(
        "/api/test/strict",
        web::post().to(|_body: sekisho::routes::api::ApiJson<Strict>| async {
            HttpResponse::Ok().finish()
        }),
    );
}

/// Generates `<name>::sqlite` and `<name>::postgres` tests from `async fn <name>(TestApp)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await {
                        super::$name(app).await;
                    }
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            }
        )*
    };
}

/// Like `on_both_backends!`, for tests that need a fresh database but start the
/// server themselves: `async fn <name>(TestDb)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    if let Some(db) = $crate::helpers::TestDb::create($crate::helpers::Backend::Sqlite).await {
                        super::$name(db).await;
                    }
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::helpers::TestDb::create($crate::helpers::Backend::Postgres).await {
                        super::$name(db).await;
                    }
                }
            }
        )*
    };
}

/// Makes every insert into `sessions` fail (on) or lets them through again (off): a
/// failure in a use case's transaction after everything else it wrote.
impl TestApp {
    pub async fn sessions_refused(&self, on: bool) {
        self.with_db(move |conn| {
            let statements: &[&str] = match (&*conn, on) {
                (sekisho::db::DbConnection::Sqlite(_), true) => {
                    &["CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions \
                 BEGIN SELECT RAISE(ABORT, 'killed by the test'); END"]
                }
                (sekisho::db::DbConnection::Sqlite(_), false) => &["DROP TRIGGER refuse_sessions"],
                (sekisho::db::DbConnection::Postgres(_), true) => &[
                    "CREATE FUNCTION refuse_sessions() RETURNS trigger LANGUAGE plpgsql \
                 AS $$ BEGIN RAISE EXCEPTION 'killed by the test'; END $$",
                    "CREATE TRIGGER refuse_sessions BEFORE INSERT ON sessions \
                 FOR EACH ROW EXECUTE FUNCTION refuse_sessions()",
                ],
                (sekisho::db::DbConnection::Postgres(_), false) => &[
                    "DROP TRIGGER refuse_sessions ON sessions",
                    "DROP FUNCTION refuse_sessions()",
                ],
            };
            for statement in statements {
                sekisho::db::RunOn::execute_on(diesel::sql_query(*statement), conn).unwrap();
            }
        })
        .await;
    }
}

/// A route template with every `{parameter}` replaced by a value no row has
/// (`/users/{id}` is `/users/nothing`): a guard must answer before any lookup.
pub fn concrete_path(template: &str) -> String {
    template
        .split('/')
        .map(|part| {
            if part.starts_with('{') {
                "nothing"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
