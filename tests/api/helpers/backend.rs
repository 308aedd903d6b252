//! The database of one test: a fresh SQLite file, or a fresh database on the
//! PostgreSQL server named by SEKISHO_TEST_POSTGRES_URL.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// Where the PostgreSQL tests create their databases: a server URL whose user may
/// CREATE DATABASE (`.ci/run` starts a throwaway cluster and sets it).
pub const POSTGRES_URL_VAR: &str = "SEKISHO_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database for one test; a PostgreSQL one is dropped with it.
pub struct TestDb {
    /// Present on the owner: dropping it removes the folder (and the PostgreSQL
    /// database); a `reuse`d handle has none.
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    kind: DbKind,
}

#[derive(Clone)]
enum DbKind {
    Sqlite,
    Postgres { server_url: String, name: String },
}

impl TestDb {
    pub async fn create(backend: Backend) -> Option<TestDb> {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Some(TestDb {
                path: dir.path().to_path_buf(),
                dir: Some(dir),
                kind: DbKind::Sqlite,
            }),
            Backend::Postgres => {
                let Ok(server_url) = std::env::var(POSTGRES_URL_VAR) else {
                    super::skip(
                        "postgres backend",
                        &format!("{POSTGRES_URL_VAR} is not set (see docs/testing.md)"),
                    );
                    return None;
                };
                Some(Self::create_postgres_on(dir, server_url).await)
            }
        }
    }

    /// A fresh database on the given PostgreSQL server.
    pub async fn create_postgres_on(dir: tempfile::TempDir, server_url: String) -> TestDb {
        let name = format!("sekisho_test_{}", uuid::Uuid::new_v4().simple());
        let (url, db) = (server_url.clone(), name.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = PgConnection::establish(&url).expect("connect to the test PostgreSQL");
            conn.batch_execute(&format!("CREATE DATABASE {db}"))
                .expect("create test database");
        })
        .await
        .expect("create database task");
        TestDb {
            path: dir.path().to_path_buf(),
            dir: Some(dir),
            kind: DbKind::Postgres { server_url, name },
        }
    }

    /// The same database for a second server instance; the original keeps ownership.
    pub fn reuse(other: &TestDb) -> TestDb {
        TestDb {
            dir: None,
            path: other.path.clone(),
            kind: other.kind.clone(),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.kind {
            DbKind::Sqlite => Backend::Sqlite,
            DbKind::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The DATABASE_URL the application gets.
    pub fn url(&self) -> String {
        match &self.kind {
            DbKind::Sqlite => format!("sqlite://{}", self.path.join("auth.db").display()),
            DbKind::Postgres { server_url, name } => with_database(server_url, name),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path.join("data")
    }

    pub fn dir(&self) -> &Path {
        &self.path
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.dir.is_none() {
            return;
        }
        if let DbKind::Postgres { server_url, name } = &self.kind {
            // Best effort: FORCE ends the connections the app's pool still holds.
            if let Ok(mut conn) = PgConnection::establish(server_url) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The same server URL naming another database.
pub fn with_database(server_url: &str, database: &str) -> String {
    let mut url = url::Url::parse(server_url).expect("a valid PostgreSQL URL");
    url.set_path(database);
    url.to_string()
}
