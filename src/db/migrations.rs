//! Making a database ready: the SQLite file's folder, the connection, and the
//! migrations of both backends, embedded in the binary and applied at start-up (and by
//! `sekisho migrate`).

use std::path::Path;

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

/// Creates the SQLite file's folder, connects and applies pending migrations; returns
/// the names of those applied.
pub fn prepare(url: &DatabaseUrl) -> Result<Vec<String>, PrepareError> {
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
    let mut conn = connect(url)?;
    run_pending(&mut conn).map_err(PrepareError::Migrate)
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
    let applied = match conn {
        // Instances starting together on one file take turns: the write lock is taken
        // up front, so the second waits, then finds nothing pending.
        // Foreign keys are off meanwhile (a pragma that only takes effect outside a
        // transaction): SQLite changes a column by rebuilding its table, and dropping
        // the old `users` must not cascade into sessions. They are checked before the
        // migrations commit and turned on again whatever happened.
        DbConnection::Sqlite(_) => {
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
            conn.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = conn
                .run_pending_migrations(POSTGRES)
                .map(|versions| versions.iter().map(ToString::to_string).collect());
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            result?
        }
    };
    Ok(applied)
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
