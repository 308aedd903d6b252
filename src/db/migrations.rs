//! Making a database ready: the SQLite file's folder, the connection, and the
//! migrations of both backends, embedded in the binary and applied at start-up (and by
//! `sekisho migrate`).

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use r2d2::ManageConnection;

use super::{ConnectionManager, DbConnection};
use crate::config::DatabaseUrl;

pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any number taken by no other application; instances starting together against one
/// PostgreSQL database take turns migrating instead of racing.
const PG_MIGRATION_LOCK: i64 = 0x5e4b_5e40;

pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("cannot connect to the database {url}: {source}")]
    Connect {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("cannot create the folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("migrations failed: {0}")]
    Migrate(MigrationError),
}

/// How long `prepare` waits for another instance's migrations by default (the server's
/// start, commands): long enough for any migration of ours, not forever.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// Creates the SQLite file's folder, connects and applies pending migrations, waiting
/// up to `DEFAULT_LOCK_TIMEOUT` for another instance migrating; returns the names of
/// those applied.
pub fn prepare(url: &DatabaseUrl) -> Result<Vec<String>, PrepareError> {
    prepare_within(url, DEFAULT_LOCK_TIMEOUT)
}

/// `prepare`, waiting up to `lock_timeout` for the migration lock (and, on
/// PostgreSQL, for each table lock a migration takes).
pub fn prepare_within(
    url: &DatabaseUrl,
    lock_timeout: Duration,
) -> Result<Vec<String>, PrepareError> {
    let mut conn = open(url)?;
    run_pending_within(&mut conn, lock_timeout).map_err(PrepareError::Migrate)
}

/// Creates the SQLite file's folder and connects.
pub fn open(url: &DatabaseUrl) -> Result<DbConnection, PrepareError> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| PrepareError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    connect(url)
}

/// One connection outside the pool (start-up and command-line work).
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, PrepareError> {
    ConnectionManager::new(url.clone(), Default::default())
        .connect()
        .map_err(|source| PrepareError::Connect {
            url: url.to_string(),
            source,
        })
}

/// Applies every pending migration of the connection's backend; returns their names.
pub fn run_pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    run_pending_within(conn, DEFAULT_LOCK_TIMEOUT)
}

/// `run_pending`, giving up when the migration lock is not ours within `lock_timeout`.
pub fn run_pending_within(
    conn: &mut DbConnection,
    lock_timeout: Duration,
) -> Result<Vec<String>, MigrationError> {
    let applied = match conn {
        // Instances starting together on one file take turns: the write lock is taken
        // up front, so the second waits, then finds nothing pending.
        // Foreign keys are off meanwhile (a pragma that only takes effect outside a
        // transaction): SQLite changes a column by rebuilding its table, and dropping
        // the old `users` must not cascade into sessions. They are checked before the
        // migrations commit and turned on again whatever happened.
        DbConnection::Sqlite(_) => {
            // The write lock is the migration lock: wait for it this long.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {}",
                lock_timeout.as_millis()
            ))?;
            conn.batch_execute("PRAGMA foreign_keys = OFF")?;
            let applied = super::write_transaction(conn, |conn| {
                let DbConnection::Sqlite(conn) = conn else {
                    return Ok(Vec::new());
                };
                let applied: Vec<String> = conn
                    .run_pending_migrations(SQLITE)
                    .map(|versions| versions.iter().map(ToString::to_string).collect())?;
                refuse_dangling_references(conn)?;
                Ok::<_, MigrationError>(applied)
            });
            conn.batch_execute("PRAGMA foreign_keys = ON")?;
            applied?
        }
        DbConnection::Postgres(conn) => {
            take_pg_lock(conn, lock_timeout)?;
            // A table lock a migration waits for (behind a long transaction) holds up
            // every query queued behind it: give up instead, and say so.
            let bounded =
                conn.batch_execute(&format!("SET lock_timeout = {}", lock_timeout.as_millis()));
            let result = bounded.map_err(MigrationError::from).and_then(|()| {
                conn.run_pending_migrations(POSTGRES)
                    .map(|versions| versions.iter().map(ToString::to_string).collect())
            });
            conn.batch_execute(&format!(
                "RESET lock_timeout; SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"
            ))?;
            result?
        }
    };
    Ok(applied)
}

#[derive(diesel::QueryableByName)]
struct Taken {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    taken: bool,
}

/// The migration lock, waited for up to `lock_timeout` (instances starting together
/// take turns; one stuck elsewhere makes this one fail, not hang).
fn take_pg_lock(
    conn: &mut diesel::PgConnection,
    lock_timeout: Duration,
) -> Result<(), MigrationError> {
    use diesel::RunQueryDsl;
    let deadline = Instant::now() + lock_timeout;
    loop {
        let Taken { taken } = diesel::sql_query(format!(
            "SELECT pg_try_advisory_lock({PG_MIGRATION_LOCK}) AS taken"
        ))
        .get_result(conn)?;
        if taken {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "another instance has held the migration lock for {}s (--lock-timeout): is a migration running, or stuck?",
                lock_timeout.as_secs()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Where a database stands against this binary's migrations.
pub struct Status {
    /// This binary's migrations, oldest first, each with whether it is applied.
    pub known: Vec<(String, bool)>,
    /// Versions applied that this binary does not know: a newer release migrated.
    pub newer: Vec<String>,
}

/// Every migration this binary has and whether it is applied, and what a newer
/// release applied; applies nothing.
pub fn status(conn: &mut DbConnection) -> Result<Status, MigrationError> {
    use diesel::migration::MigrationSource;
    let (known, applied): (Vec<(String, String)>, Vec<String>) = match conn {
        DbConnection::Sqlite(conn) => (
            versions_and_names(&MigrationSource::<diesel::sqlite::Sqlite>::migrations(
                &SQLITE,
            )?),
            conn.applied_migrations()?
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        DbConnection::Postgres(conn) => (
            versions_and_names(&MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES)?),
            conn.applied_migrations()?
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
    };
    let newer = applied
        .iter()
        .filter(|version| !known.iter().any(|(known, _)| known == *version))
        .cloned()
        .collect();
    let mut known: Vec<(String, bool)> = known
        .into_iter()
        .map(|(version, name)| {
            let done = applied.contains(&version);
            (name, done)
        })
        .collect();
    known.sort();
    Ok(Status { known, newer })
}

fn versions_and_names<B: diesel::backend::Backend>(
    migrations: &[Box<dyn diesel::migration::Migration<B>>],
) -> Vec<(String, String)> {
    migrations
        .iter()
        .map(|m| (m.name().version().to_string(), m.name().to_string()))
        .collect()
}

/// The migrations not yet applied to the connection's database, by name, applying
/// none (what `sekisho doctor` reports).
pub fn pending(conn: &mut DbConnection) -> Result<Vec<String>, MigrationError> {
    Ok(match conn {
        DbConnection::Sqlite(conn) => names(&conn.pending_migrations(SQLITE)?),
        DbConnection::Postgres(conn) => names(&conn.pending_migrations(POSTGRES)?),
    })
}

fn names<B: diesel::backend::Backend>(
    migrations: &[Box<dyn diesel::migration::Migration<B>>],
) -> Vec<String> {
    migrations.iter().map(|m| m.name().to_string()).collect()
}

#[derive(diesel::QueryableByName)]
struct DanglingReference {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table: String,
}

/// With foreign keys off, nothing stopped a migration from leaving a row that points
/// nowhere: refuse to commit one.
fn refuse_dangling_references(conn: &mut diesel::SqliteConnection) -> Result<(), MigrationError> {
    use diesel::RunQueryDsl;
    let dangling: Vec<DanglingReference> =
        diesel::sql_query("PRAGMA foreign_key_check").load(conn)?;
    match dangling.first() {
        None => Ok(()),
        Some(row) => Err(format!(
            "the migrations left rows of {} pointing at rows that do not exist",
            row.table
        )
        .into()),
    }
}
