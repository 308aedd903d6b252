//! Owner-only files. The SQLite database (and its -wal/-shm), the data folder,
//! secret.key and the outbox (whose .eml files hold live reset links) are no business
//! of the machine's other users: new files are created 0600 and folders 0700, and
//! what an older version left readable is tightened at start.

use std::path::Path;

use crate::config::{DatabaseUrl, Settings};

/// From now on the process creates owner-only files and folders (umask 077), whoever
/// creates them: SQLite, lettre's outbox writer, our own code.
pub fn owner_only_from_now_on() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail and
    // touches no memory of ours.
    unsafe {
        libc::umask(0o077);
    }
}

/// Tightens what exists already: the data folder, the SQLite files, the outbox.
pub fn tighten_existing(settings: &Settings) {
    tighten(&settings.server.data_dir, false);
    if let DatabaseUrl::Sqlite(path) = &settings.database.url {
        for suffix in ["", "-wal", "-shm"] {
            tighten(Path::new(&format!("{path}{suffix}")), false);
        }
    }
    tighten(&settings.server.data_dir.join("outbox"), true);
}

#[cfg(unix)]
fn tighten(path: &Path, recursive: bool) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    // A link is left alone: its target may be anyone's.
    if meta.file_type().is_symlink() {
        return;
    }
    let mode = if meta.is_dir() { 0o700 } else { 0o600 };
    if meta.permissions().mode() & 0o077 != 0
        && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    {
        log::warn!("cannot make {} owner-only: {e}", path.display());
    }
    if recursive && meta.is_dir() {
        for entry in std::fs::read_dir(path).into_iter().flatten().flatten() {
            tighten(&entry.path(), true);
        }
    }
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _recursive: bool) {}
