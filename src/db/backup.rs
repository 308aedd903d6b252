//! `sekisho backup` and `restore` for the SQLite file. The file runs in WAL mode, so
//! copying it is no backup: `VACUUM INTO` writes a consistent copy from one read
//! transaction while the server serves. A restore checks the copy (integrity, and a
//! schema this binary can serve) and swaps it in, keeping the file it replaces; it
//! refuses while a server holds the file (`ServingLock`).

use std::fs::File;
use std::path::{Path, PathBuf};

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use super::{DbConnection, migrations};
use crate::config::DatabaseUrl;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "DATABASE_URL is PostgreSQL: back it up with `pg_dump --format=custom` (and point-in-time recovery from a replica's WAL archive); restore with `pg_restore` (docs/deployment.md)"
    )]
    Postgres,
    #[error("{0} exists already: choose a new name (a backup never overwrites a file)")]
    Exists(PathBuf),
    #[error("{0} is not there")]
    Missing(PathBuf),
    #[error(
        "a server is running on {0}: stop every instance first (a restore swaps the file under it)"
    )]
    Serving(PathBuf),
    #[error("the copy failed its integrity check: {0}")]
    Damaged(String),
    #[error("the copy is not a Sekisho database (no migrations table)")]
    NotOurs,
    #[error(
        "the copy was made by a newer release (migrations {0} unknown here): restore it with that release's binary"
    )]
    Newer(String),
    #[error("{0}")]
    Prepare(#[from] migrations::PrepareError),
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations: {0}")]
    Migrations(migrations::MigrationError),
    #[error("{what} {path}: {source}")]
    File {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn file_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_path_buf();
    move |source| BackupError::File { what, path, source }
}

fn sqlite_path(url: &DatabaseUrl) -> Result<PathBuf, BackupError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(PathBuf::from(path)),
        DatabaseUrl::Postgres(_) => Err(BackupError::Postgres),
    }
}

/// What a backup wrote.
pub struct Written {
    pub bytes: u64,
    pub migrations: usize,
}

/// Writes a consistent copy of the database to `target` (a new file), while the
/// server may serve: one read transaction, so every write committed before it began
/// is in the copy. Written under a temporary name, then renamed: a half-written
/// backup never has the backup's name.
pub fn backup(url: &DatabaseUrl, target: &Path) -> Result<Written, BackupError> {
    sqlite_path(url)?;
    if target.exists() {
        return Err(BackupError::Exists(target.to_path_buf()));
    }
    let partial = with_suffix(target, ".partial");
    let _ = std::fs::remove_file(&partial);
    let mut conn = migrations::connect(url)?;
    // Read before the copy, from the database copied: the copy itself is not opened
    // again (a connection would set its journal mode, changing the file once synced).
    let migrations = applied_count(&mut conn)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(partial.to_string_lossy())
        .execute(sqlite(&mut conn)?)?;
    File::open(&partial)
        .and_then(|file| file.sync_all())
        .map_err(file_error("cannot sync", &partial))?;
    std::fs::rename(&partial, target).map_err(file_error("cannot rename to", target))?;
    sync_folder(target);
    let bytes = std::fs::metadata(target)
        .map_err(file_error("cannot read", target))?
        .len();
    Ok(Written { bytes, migrations })
}

/// What a restore did.
pub struct Restored {
    /// Where the replaced database was kept (None: there was none).
    pub kept: Option<PathBuf>,
    /// Migrations the copy lacks: the next start (or `sekisho migrate`) applies them.
    pub pending: Vec<String>,
}

/// Checks the copy at `source` and puts it in place of the database, keeping the
/// replaced file beside it. The server must be stopped.
pub fn restore(url: &DatabaseUrl, source: &Path) -> Result<Restored, BackupError> {
    let live = sqlite_path(url)?;
    if !source.is_file() {
        return Err(BackupError::Missing(source.to_path_buf()));
    }
    let _lock = ServingLock::exclusive(&live)?;
    // Checked as a copy beside the database: the check may write (the migrations
    // table), the backup itself stays as it was, and the final rename is atomic.
    let incoming = with_suffix(&live, ".restoring");
    std::fs::copy(source, &incoming).map_err(file_error("cannot copy to", &incoming))?;
    let checked = check(&incoming);
    let pending = match checked {
        Ok(pending) => pending,
        Err(e) => {
            let _ = std::fs::remove_file(&incoming);
            return Err(e);
        }
    };
    let kept = if live.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let kept = with_suffix(&live, &format!(".before-restore-{stamp}"));
        std::fs::rename(&live, &kept).map_err(file_error("cannot move aside", &live))?;
        // A journal left by a crash belongs to the file it was written for: it moves
        // with it, so SQLite never plays it into the restored one.
        for journal in ["-wal", "-shm"] {
            let from = with_suffix(&live, journal);
            if from.exists() {
                let to = with_suffix(&kept, journal);
                std::fs::rename(&from, &to).map_err(file_error("cannot move aside", &from))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, &live).map_err(file_error("cannot rename to", &live))?;
    sync_folder(&live);
    Ok(Restored { kept, pending })
}

/// The copy's integrity and schema: the migrations it lacks, or why it cannot serve.
fn check(copy: &Path) -> Result<Vec<String>, BackupError> {
    let url = DatabaseUrl::Sqlite(copy.to_string_lossy().into_owned());
    let mut conn = migrations::connect(&url)?;
    #[derive(diesel::QueryableByName)]
    struct Integrity {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let verdicts: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check")
        .load(sqlite(&mut conn)?)
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    let verdict: Vec<String> = verdicts.into_iter().map(|v| v.integrity_check).collect();
    if verdict != ["ok"] {
        return Err(BackupError::Damaged(verdict.join("; ")));
    }
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let ours: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master WHERE name = '__diesel_schema_migrations'",
    )
    .get_result(sqlite(&mut conn)?)?;
    if ours.n == 0 {
        return Err(BackupError::NotOurs);
    }
    let status = migrations::status(&mut conn).map_err(BackupError::Migrations)?;
    if !status.newer.is_empty() {
        return Err(BackupError::Newer(status.newer.join(", ")));
    }
    Ok(status
        .known
        .into_iter()
        .filter(|(_, applied)| !applied)
        .map(|(name, _)| name)
        .collect())
}

fn applied_count(conn: &mut DbConnection) -> Result<usize, BackupError> {
    let status = migrations::status(conn).map_err(BackupError::Migrations)?;
    Ok(status.known.iter().filter(|(_, applied)| *applied).count() + status.newer.len())
}

fn sqlite(conn: &mut DbConnection) -> Result<&mut diesel::SqliteConnection, BackupError> {
    match conn {
        DbConnection::Sqlite(conn) => Ok(conn),
        DbConnection::Postgres(_) => Err(BackupError::Postgres),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A rename is durable once its folder is synced (best effort: some file systems
/// refuse to open a folder).
fn sync_folder(path: &Path) {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(folder) = File::open(folder)
    {
        let _ = folder.sync_all();
    }
}

/// A lock on `<database>.lock`: every serving instance holds it shared for its
/// lifetime; a restore takes it exclusively, so it refuses while any instance runs.
pub struct ServingLock {
    _held: File,
}

impl ServingLock {
    /// Held by a server for as long as it runs (None for PostgreSQL).
    pub fn shared(url: &DatabaseUrl) -> Result<Option<Self>, BackupError> {
        let DatabaseUrl::Sqlite(path) = url else {
            return Ok(None);
        };
        if path.starts_with(":memory:") {
            return Ok(None);
        }
        let path = with_suffix(Path::new(path), ".lock");
        let file = open_lock(&path)?;
        file.lock_shared()
            .map_err(file_error("cannot lock", &path))?;
        Ok(Some(Self { _held: file }))
    }

    fn exclusive(database: &Path) -> Result<Self, BackupError> {
        let path = with_suffix(database, ".lock");
        let file = open_lock(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _held: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(BackupError::Serving(database.to_path_buf()))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(file_error("cannot lock", &path)(e)),
        }
    }
}

fn open_lock(path: &Path) -> Result<File, BackupError> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(file_error("cannot open", path))
}
